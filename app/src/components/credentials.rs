//! The organization's orchestration credentials, on the Settings page.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::components::forms::{ErrorSummary, Field, field_error};
use crate::components::page::Loaded;
use crate::credentials::CredentialsView;
use crate::server_fns::credentials::{
    SetExoscaleCredentials, UseLocalOrchestrator, get_credentials,
};

use crate::components::style::{BUTTON, CARD, QUIET_BUTTON as SECONDARY};

/// Where the organization's clusters run, and (for owners) the form to change it.
#[component]
pub fn CredentialsSection() -> impl IntoView {
    let set = ServerAction::<SetExoscaleCredentials>::new();
    let local = ServerAction::<UseLocalOrchestrator>::new();
    let current = Resource::new(
        move || (set.version().get(), local.version().get()),
        |_| get_credentials(),
    );
    view! {
        <section
            aria-labelledby="credentials-title"
            class=CARD
        >
            <h2 id="credentials-title" class="text-base font-semibold">"Orchestration credentials"</h2>
            <Loaded in_card=true>
                {move || Suspend::new(async move {
                    current.await.map(|current| view! { <CredentialsBody current set local/> })
                })}
            </Loaded>
        </section>
    }
}

#[component]
fn CredentialsBody(
    current: Option<CredentialsView>,
    set: ServerAction<SetExoscaleCredentials>,
    local: ServerAction<UseLocalOrchestrator>,
) -> impl IntoView {
    let error = Signal::derive(move || set.value().get().and_then(Result::err));
    let saved = move || matches!(set.value().get(), Some(Ok(())));
    let can_change = current.as_ref().is_some_and(|c| c.can_change);
    let summary = match &current {
        None => "No credentials yet.".to_owned(),
        Some(c) if c.kind == "embedded" => format!(
            "The built-in local orchestrator (zones: {}).",
            c.zones.join(", ")
        ),
        Some(c) => format!(
            "Exoscale, key {} (zones: {}).",
            c.api_key.clone().unwrap_or_else(|| "hidden".into()),
            c.zones.join(", ")
        ),
    };
    let updated = current.as_ref().map(|c| format!("Set {}", c.updated_at));
    view! {
        <p class="mt-2 text-sm" data-testid="credentials-summary">{summary}</p>
        <p class="text-xs text-slate-500 dark:text-slate-400">{updated}</p>
        {can_change.then(|| view! {
            <ActionForm action=set attr:class="mt-4 space-y-3">
                <ErrorSummary error/>
                <Show when=saved>
                    <p role="status" class="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
                        "The key works and is saved."
                    </p>
                </Show>
                <Field label="Exoscale API key" name="api_key" error=Signal::derive(move || field_error(error.get(), "api_key"))/>
                <Field label="API secret" name="api_secret" kind="password" hint="Stored encrypted; never shown again." error=Signal::derive(move || field_error(error.get(), "api_secret"))/>
                <Field label="Zones" name="zones" hint="Comma-separated, e.g. ch-gva-2, de-fra-1." error=Signal::derive(move || field_error(error.get(), "zones"))/>
                <button type="submit" class=BUTTON>"Check and save"</button>
            </ActionForm>
            <ActionForm action=local attr:class="mt-3">
                <button type="submit" class=SECONDARY>"Use the built-in local orchestrator"</button>
            </ActionForm>
        })}
    }
}
