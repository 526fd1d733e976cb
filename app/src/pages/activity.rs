//! The organization's audit log.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::page::{PageHeader, Placeholder};

/// Everything that changed in the organization, who did it and how it ended. Not built yet.
#[component]
pub fn ActivityPage() -> impl IntoView {
    view! {
        <Title text="Activity · Capstan"/>
        <PageHeader
            title="Activity"
            description="Who changed what in your organization, and how each operation ended."
        />
        <Placeholder upcoming=&[
            "review every sign-in, membership, credential, cluster and nodepool change",
            "filter by person, action, cluster and time range",
            "follow an operation from its request to its outcome",
        ]/>
    }
}
