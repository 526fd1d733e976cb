//! Where an invitation link leads: join with the signed-in account, or sign in or create an
//! account first.

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::forms::AuthCard;
use crate::components::page::Loaded;
use crate::server_fns::auth::whoami;
use crate::server_fns::members::{AcceptInvitation, invitation_info};

use crate::components::style::LARGE_BUTTON;

/// `/invite/{token}`.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new(token, invitation_info);
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <Title text="Invitation · Capstan"/>
        <AuthCard title="You are invited">
            <Loaded>
                {move || Suspend::new(async move {
                    let info = info.await?;
                    let me = me.await?;
                    let token = token();
                    let offer = view! {
                        <p class="text-sm">
                            "Join " <strong>{info.org_name.clone()}</strong> " as "
                            <strong>{info.role.as_str()}</strong> ". " {info.role.summary()} "."
                        </p>
                    };
                    let action = match me {
                        Some(me) => view! {
                            <form method="post" action=AcceptInvitation::PATH class="mt-6">
                                <input type="hidden" name="token" value=token.clone()/>
                                <button type="submit" class=format!("inline-block {LARGE_BUTTON}")>{format!("Join as {}", me.email)}</button>
                            </form>
                        }.into_any(),
                        None => {
                            let next: String = format!("/invite/{token}");
                            view! {
                                <div class="mt-6 flex flex-wrap gap-3 text-sm">
                                    <a class=format!("inline-block {LARGE_BUTTON}") href=format!("/sign-up?invitation={token}")>"Create an account"</a>
                                    <a class="self-center font-medium text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400"
                                       href=format!("/sign-in?next={}", crate::url::encode(&next))>
                                        "I have an account: sign in"
                                    </a>
                                </div>
                            }.into_any()
                        }
                    };
                    Ok::<_, crate::error::AppError>(view! { {offer} {action} })
                })}
            </Loaded>
        </AuthCard>
    }
}
