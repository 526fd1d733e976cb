//! The signed-in person's account: password and sessions.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_meta::Title;

use crate::components::forms::{ErrorSummary, Field, field_error};
use crate::components::page::PageHeader;
use crate::server_fns::auth::{ChangePassword, SignOutEverywhere};

use crate::components::style::{CARD, LARGE_BUTTON as BUTTON};

/// Change the password; sign out on every device.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let changed = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <Title text="Account · Capstan"/>
        <PageHeader title="Account" description="Your password and where you are signed in."/>
        <div class="grid gap-6 lg:grid-cols-2">
            <section
                aria-labelledby="password-title"
                class=CARD
            >
                <h2 id="password-title" class="text-base font-semibold">"Change password"</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Your other sessions end when the password changes."
                </p>
                <ActionForm action=change attr:class="mt-4 space-y-4">
                    <ErrorSummary error/>
                    <Show when=changed>
                        <p role="status" class="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
                            "Password changed."
                        </p>
                    </Show>
                    <Field
                        label="Current password"
                        name="current"
                        kind="password"
                        autocomplete="current-password"
                        error=Signal::derive(move || field_error(error.get(), "current"))
                    />
                    <Field
                        label="New password"
                        name="new_password"
                        kind="password"
                        autocomplete="new-password"
                        hint="At least 10 characters."
                        error=Signal::derive(move || field_error(error.get(), "new_password"))
                    />
                    <button type="submit" class=BUTTON>"Change password"</button>
                </ActionForm>
            </section>
            <section
                aria-labelledby="sessions-title"
                class=CARD
            >
                <h2 id="sessions-title" class="text-base font-semibold">"Sessions"</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Lost a device, or signed in on a shared computer? End every session, here included."
                </p>
                <form method="post" action=SignOutEverywhere::PATH class="mt-4">
                    <button type="submit" class=BUTTON>"Sign out everywhere"</button>
                </form>
            </section>
        </div>
    }
}
