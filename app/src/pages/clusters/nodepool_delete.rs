//! Removing a nodepool: what goes with it (its nodes by name, their disks, the pods on them),
//! what stays (groups and networks), a warning when it is the cluster's last pool, and its name
//! typed back. Works without JavaScript (the server checks the name too).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::{ClusterHeader, FieldMessage};
use crate::components::forms::{ErrorSummary, field_error};
use crate::components::page::Loaded;
use crate::components::style::{CARD, DANGER_BUTTON, INPUT, QUIET_BUTTON};
use crate::nodepools::NodepoolScaleInfo;
use crate::server_fns::nodepool_changes::{DeleteNodepool, get_nodepool_scale_info};

/// `/clusters/{zone}/{id}/nodepools/{nodepool}/delete`.
#[component]
pub fn NodepoolDeletePage() -> impl IntoView {
    let key = super::nodepool_key();
    let info = Resource::new(key, |(zone, id, nodepool)| {
        get_nodepool_scale_info(zone, id, nodepool)
    });
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                let (zone, id, nodepool) = key();
                info.await.map(|info| view! { <Remove zone id nodepool info/> })
            })}
        </Loaded>
    }
}

#[component]
fn Remove(zone: String, id: String, nodepool: String, info: NodepoolScaleInfo) -> impl IntoView {
    let delete = ServerAction::<DeleteNodepool>::new();
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    let field = move |name: &'static str| Signal::derive(move || field_error(error.get(), name));
    let back = format!("/clusters/{zone}/{id}/nodepools");
    let navigate = use_navigate();
    {
        let back = back.clone();
        Effect::new(move |_| {
            if delete.value().get().is_some_and(|r| r.is_ok()) {
                navigate(&back, Default::default());
            }
        });
    }
    let name = info.nodepool_name.clone();
    let title = format!("Remove {name} · Capstan");
    let typed = RwSignal::new(String::new());
    let expected = name.clone();
    let matches = move || typed.get().trim() == expected;
    let nodes = info.instances.len();
    view! {
        <Title text=title/>
        <ClusterHeader zone=zone.clone() id=id.clone() name=info.cluster_name.clone() state=String::new() current="Remove nodepool"/>
        <section aria-labelledby="remove-title" class=format!("{CARD} max-w-2xl")>
            <h2 id="remove-title" class="text-base font-semibold text-red-700 dark:text-red-400">{format!("Remove nodepool {name}")}</h2>
            <p class="mt-2 text-sm">"Removing it deletes, for good:"</p>
            <ul class="mt-1 list-disc pl-5 text-sm">
                {if nodes == 0 {
                    view! { <li>"no nodes: it has none running."</li> }.into_any()
                } else {
                    view! {
                        <li>
                            {format!("its {nodes} node(s) ({}), with their {} GiB disks:", info.instance_type, info.disk_size)}
                            <ul class="list-[circle] pl-5 font-mono text-xs">
                                {info.instances.iter().map(|i| view! { <li>{i.name.clone()}</li> }).collect_view()}
                            </ul>
                        </li>
                    }.into_any()
                }}
                <li>"the pods running on them: Kubernetes reschedules those it manages onto other nodes that fit; data on the nodes' own disks is lost."</li>
            </ul>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                "Security groups, anti-affinity groups and private networks the pool used stay, as do the cluster and its other nodepools."
            </p>
            {(info.other_pools == 0).then(|| view! {
                <p role="note" class="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
                    "This is the cluster's last nodepool: without it nothing runs workloads until a pool is added."
                </p>
            })}
            {if info.may_delete {
                view! {
                    <ActionForm action=delete attr:class="mt-4 space-y-3" attr:aria-label="Remove the nodepool">
                        <input type="hidden" name="zone" value=zone.clone()/>
                        <input type="hidden" name="id" value=id.clone()/>
                        <input type="hidden" name="nodepool" value=nodepool.clone()/>
                        <ErrorSummary error/>
                        <div>
                            <label for="rn-name" class="block text-sm font-medium">{format!("Type {name} to confirm")}</label>
                            <input id="rn-name" name="confirm_name" autocomplete="off" required class=INPUT
                                aria-describedby="rn-name-error"
                                aria-invalid=move || field("confirm_name").get().is_some().to_string()
                                on:input=move |ev| typed.set(event_target_value(&ev))/>
                            <FieldMessage id="rn-name-error".into() message=field("confirm_name")/>
                        </div>
                        <div class="flex gap-2">
                            // Enabled before hydration (the server checks the name anyway).
                            <button type="submit" class=DANGER_BUTTON disabled=move || delete.pending().get() || (!typed.get().is_empty() && !matches())>
                                {move || if delete.pending().get() { "Removing…" } else { "Remove nodepool" }}
                            </button>
                            <a href=back.clone() class=QUIET_BUTTON>"Cancel"</a>
                        </div>
                    </ActionForm>
                }.into_any()
            } else {
                view! { <p class="mt-4 text-sm">"Admins and owners can remove nodepools."</p> }.into_any()
            }}
        </section>
    }
}
