//! The cluster list, home of the portal.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::page::{PageHeader, Placeholder};

/// The clusters of the organization across its zones. Not built yet: says so.
#[component]
pub fn ClustersPage() -> impl IntoView {
    view! {
        <Title text="Clusters · Capstan"/>
        <PageHeader
            title="Clusters"
            description="Your Kubernetes clusters and their nodepools, across every zone."
        />
        <Placeholder upcoming=&[
            "see every cluster of your organization in one table, with its state updating live",
            "create a cluster with a guided wizard and watch it come up",
            "scale nodepools, upgrade Kubernetes and download kubeconfigs",
        ]/>
    }
}
