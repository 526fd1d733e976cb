//! Blueprints and add-ons.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::page::{PageHeader, Placeholder};

/// The catalog of blueprints and add-ons. Not built yet: says so.
#[component]
pub fn CatalogPage() -> impl IntoView {
    view! {
        <Title text="Catalog · Capstan"/>
        <PageHeader
            title="Catalog"
            description="Blueprints and add-ons that make a new cluster useful in minutes."
        />
        <Placeholder upcoming=&[
            "search blueprints such as ingress, cert-manager, monitoring and GPU pools",
            "fill in parameters and see the rendered manifests update as you type",
            "copy or download the manifests with the exact kubectl command to apply them",
        ]/>
    }
}
