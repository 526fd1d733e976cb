//! The signed-in person in the header: the organization switcher, their name, a link to their
//! account and the sign-out button. Plain forms: switching or signing out reloads the page.

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use crate::accounts::Profile;
use crate::server_fns::auth::{SignOut, SwitchOrg, whoami};

use crate::components::style::SMALL_BUTTON;

/// The header's account area: who is signed in, or a sign-in link.
#[component]
pub fn AccountArea() -> impl IntoView {
    let profile = Resource::new(|| (), |_| whoami());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(Some(profile)) => view! { <UserMenu profile/> }.into_any(),
                    _ => {
                        view! {
                            <a
                                href="/sign-in"
                                class="text-sm font-medium text-sky-700 hover:underline dark:text-sky-400"
                            >
                                "Sign in"
                            </a>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn UserMenu(profile: Profile) -> impl IntoView {
    let current = profile
        .org
        .as_ref()
        .map(|o| o.id.clone())
        .unwrap_or_default();
    let role = profile
        .org
        .as_ref()
        .map(|o| o.role.as_str())
        .unwrap_or("no organization");
    let several = profile.orgs.len() > 1;
    view! {
        <div class="flex items-center gap-3 text-sm">
            {if several {
                view! {
                    <form method="post" action=SwitchOrg::PATH class="flex items-center gap-1">
                        <label for="org-switcher" class="sr-only">"Organization"</label>
                        <select
                            id="org-switcher"
                            name="org"
                            class="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
                        >
                            {profile
                                .orgs
                                .iter()
                                .map(|org| {
                                    view! {
                                        <option value=org.id.clone() selected=org.id == current>
                                            {org.name.clone()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                        <button type="submit" class=SMALL_BUTTON>"Switch"</button>
                    </form>
                }
                    .into_any()
            } else {
                view! {
                    <span class="hidden text-slate-600 sm:inline dark:text-slate-300" data-testid="org-name">
                        {profile.org.as_ref().map(|o| o.name.clone()).unwrap_or_default()}
                    </span>
                }
                    .into_any()
            }}
            <a
                href="/account"
                class="font-medium hover:underline"
                title=format!("{} · {role}", profile.email)
            >
                {profile.name.clone()}
            </a>
            <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                {role}
            </span>
            <form method="post" action=SignOut::PATH>
                <button type="submit" class=SMALL_BUTTON>"Sign out"</button>
            </form>
        </div>
    }
}
