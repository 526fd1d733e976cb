//! Settings of the organization and facts about this installation.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::credentials::CredentialsSection;
use crate::components::members::MembersSection;
use crate::components::page::{Loaded, PageHeader};
use crate::components::style::CARD;
use crate::installation::PortalFacts;
use crate::server_fns::portal::portal_info;

/// Organization settings (not built yet) and facts about this portal installation.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let info = Resource::new(|| (), |_| portal_info());
    view! {
        <Title text="Settings · Capstan"/>
        <PageHeader
            title="Settings"
            description="Your organization, its members and its orchestration credentials."
        />
        <div class="grid gap-6 lg:grid-cols-2">
            <MembersSection/>
            <CredentialsSection/>
            <section
                aria-labelledby="about-title"
                class=CARD
            >
                <h2 id="about-title" class="text-base font-semibold">"About this portal"</h2>
                <Loaded in_card=true>
                    {move || Suspend::new(async move {
                        info.await.map(|info| view! { <AboutFacts info/> })
                    })}
                </Loaded>
            </section>
        </div>
    }
}

/// The facts about an installation, as a description list.
#[component]
fn AboutFacts(info: PortalFacts) -> impl IntoView {
    let versions = match (&info.orchestration_error, info.versions.is_empty()) {
        (Some(error), _) => format!("unavailable: {error}"),
        (None, true) => "none offered".to_owned(),
        (None, false) => info.versions.join(", "),
    };
    let rows = [
        ("Version", info.version),
        ("Database", info.database),
        ("Schema version", info.schema_version.to_string()),
        ("Installed", info.installed_at),
        ("Orchestration", info.orchestration),
        ("Kubernetes versions", versions),
    ];
    view! {
        <dl class="mt-3 divide-y divide-slate-100 text-sm dark:divide-slate-800">
            {rows
                .into_iter()
                .map(|(term, value)| {
                    view! {
                        <div class="flex justify-between gap-4 py-2">
                            <dt class="shrink-0 text-slate-500 dark:text-slate-400">{term}</dt>
                            <dd class="min-w-0 break-words text-right font-medium">{value}</dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
    }
}
