//! Deleting a cluster: say what goes with it, have its name typed back, and — when it still
//! has nodepools — delete them first in the same flow.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::{ClusterHeader, FieldMessage, cluster_key};
use crate::clusters::ClusterSettings;
use crate::components::forms::{ErrorSummary, field_error};
use crate::components::page::Loaded;
use crate::components::style::{CARD, DANGER_BUTTON, INPUT, QUIET_BUTTON};
use crate::server_fns::cluster_changes::{DeleteCluster, get_cluster_settings};

/// `/clusters/{zone}/{id}/delete`.
#[component]
pub fn ClusterDeletePage() -> impl IntoView {
    let key = cluster_key();
    let cluster = Resource::new(key, |(zone, id)| get_cluster_settings(zone, id));
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                let (zone, id) = key();
                cluster.await.map(|cluster| view! { <Delete zone id cluster/> })
            })}
        </Loaded>
    }
}

#[component]
fn Delete(zone: String, id: String, cluster: ClusterSettings) -> impl IntoView {
    let delete = ServerAction::<DeleteCluster>::new();
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    let field = move |name: &'static str| Signal::derive(move || field_error(error.get(), name));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if delete.value().get().is_some_and(|r| r.is_ok()) {
            navigate("/clusters", Default::default());
        }
    });
    let title = format!("Delete {} · Capstan", cluster.name);
    let nodes: i64 = cluster.nodepools.iter().map(|(_, size)| size).sum();
    let typed = RwSignal::new(String::new());
    let name = cluster.name.clone();
    let matches = move || typed.get().trim() == name;
    let has_pools = !cluster.nodepools.is_empty();
    view! {
        <Title text=title/>
        <ClusterHeader zone=zone.clone() id=id.clone() name=cluster.name.clone() state=cluster.state.clone() current="Delete"/>
        <section aria-labelledby="delete-title" class=format!("{CARD} max-w-2xl")>
            <h2 id="delete-title" class="text-base font-semibold text-red-700 dark:text-red-400">{format!("Delete {}", cluster.name)}</h2>
            <p class="mt-2 text-sm">"Deleting removes, for good:"</p>
            <ul class="mt-1 list-disc pl-5 text-sm">
                <li>"the control plane, with everything stored in the cluster (workloads, secrets, config maps);"</li>
                {if has_pools {
                    view! {
                        <li>
                            {format!("its {} nodepool(s) and their {nodes} node(s):", cluster.nodepools.len())}
                            <ul class="list-[circle] pl-5">
                                {cluster.nodepools.iter().map(|(name, size)| view! { <li>{format!("{name} ({size} nodes)")}</li> }).collect_view()}
                            </ul>
                        </li>
                    }.into_any()
                } else {
                    view! { <li>"no nodepools: it has none left."</li> }.into_any()
                }}
                <li>"every kubeconfig issued for it stops working."</li>
            </ul>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                "Load balancers and volumes that workloads created through the cloud controller or the storage add-on are not part of the cluster: delete them from Kubernetes first, or they stay (and are billed)."
            </p>
            {cluster.protected_by.clone().map(|by| view! {
                <p role="alert" class="mt-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                    {format!("Deletion protection is on (set by {by}). ")}
                    <a class="font-medium underline" href=format!("/clusters/{zone}/{id}/settings")>"Turn it off in Settings"</a>
                    " to delete this cluster."
                </p>
            })}
            {if cluster.may_delete && cluster.protected_by.is_none() {
                view! {
                    <ActionForm action=delete attr:class="mt-4 space-y-3" attr:aria-label="Delete the cluster">
                        <input type="hidden" name="zone" value=zone.clone()/>
                        <input type="hidden" name="id" value=id.clone()/>
                        <ErrorSummary error/>
                        {has_pools.then(|| view! {
                            <label class="flex items-start gap-2 text-sm">
                                <input type="checkbox" name="delete_nodepools" value="on" class="mt-1" aria-describedby="dc-pools-error"/>
                                <span>{format!("Delete its {} nodepool(s) first, then the cluster", cluster.nodepools.len())}</span>
                            </label>
                            <FieldMessage id="dc-pools-error".into() message=field("delete_nodepools")/>
                        })}
                        <div>
                            <label for="dc-name" class="block text-sm font-medium">{format!("Type {} to confirm", cluster.name)}</label>
                            <input id="dc-name" name="confirm_name" autocomplete="off" required class=INPUT
                                aria-describedby="dc-name-error"
                                aria-invalid=move || field("confirm_name").get().is_some().to_string()
                                on:input=move |ev| typed.set(event_target_value(&ev))/>
                            <FieldMessage id="dc-name-error".into() message=field("confirm_name")/>
                        </div>
                        <div class="flex gap-2">
                            // Enabled before hydration (the server checks the name anyway).
                            <button type="submit" class=DANGER_BUTTON disabled=move || delete.pending().get() || (!typed.get().is_empty() && !matches())>
                                {move || if delete.pending().get() { "Deleting…" } else { "Delete cluster" }}
                            </button>
                            <a href=format!("/clusters/{zone}/{id}") class=QUIET_BUTTON>"Cancel"</a>
                        </div>
                    </ActionForm>
                }.into_any()
            } else {
                view! { <p class="mt-4 text-sm">"Admins and owners can delete clusters."</p> }.into_any()
            }}
        </section>
    }
}
