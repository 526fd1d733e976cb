//! Recycling a nodepool: every node replaced a few at a time (the surge chosen), or one node
//! (`?node=<id>` preselects it, as the Nodepools tab's "Replace" links do). New nodes join at
//! the pool's current settings and version, then the old ones leave, so capacity never drops.
//! It runs on the upgrade plans' engine in the background and shows live on the Nodepools tab.
//! Works without JavaScript (the server checks everything again).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::{ClusterHeader, FieldMessage};
use crate::components::forms::{ErrorSummary, field_error};
use crate::components::page::Loaded;
use crate::components::style::{BUTTON, CARD, HINT, INPUT, QUIET_BUTTON};
use crate::nodepools::{NodepoolScaleInfo, recycle_rounds};
use crate::server_fns::cluster_upgrade::get_upgrade_plan;
use crate::server_fns::nodepool_changes::{RecycleNodepool, get_nodepool_scale_info};
use crate::upgrades::UpgradePlan;

/// `/clusters/{zone}/{id}/nodepools/{nodepool}/recycle[?node=<instance id>]`.
#[component]
pub fn NodepoolRecyclePage() -> impl IntoView {
    let key = super::nodepool_key();
    let query = use_query_map();
    let info = Resource::new(key, |(zone, id, nodepool)| {
        get_nodepool_scale_info(zone, id, nodepool)
    });
    let plan = Resource::new(key, |(zone, id, _)| get_upgrade_plan(zone, id));
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                let (zone, id, nodepool) = key();
                let node = query.read().get("node").unwrap_or_default();
                let info = info.await?;
                let running = plan.await?.filter(UpgradePlan::running);
                Ok::<_, crate::error::AppError>(view! { <Recycle zone id nodepool info node running/> })
            })}
        </Loaded>
    }
}

#[component]
fn Recycle(
    zone: String,
    id: String,
    nodepool: String,
    info: NodepoolScaleInfo,
    /// The node preselected, if any.
    node: String,
    /// A plan already running on the cluster (the server refuses a second).
    running: Option<UpgradePlan>,
) -> impl IntoView {
    let recycle = ServerAction::<RecycleNodepool>::new();
    let error = Signal::derive(move || recycle.value().get().and_then(Result::err));
    let field = move |name: &'static str| Signal::derive(move || field_error(error.get(), name));
    let back = format!("/clusters/{zone}/{id}/nodepools");
    let navigate = use_navigate();
    {
        let back = back.clone();
        Effect::new(move |_| {
            if recycle.value().get().is_some_and(|r| r.is_ok()) {
                navigate(&back, Default::default());
            }
        });
    }
    let name = info.nodepool_name.clone();
    let title = format!("Recycle {name} · Capstan");
    let nodes = info.instances.len();
    let one_node = info.instances.iter().any(|i| i.id == node);
    let which = RwSignal::new(if one_node { "node" } else { "pool" }.to_owned());
    let surge = RwSignal::new("1".to_owned());
    let size = info.size;
    let summary = move || {
        if which.get() == "node" {
            return format!(
                "One new node joins; once it runs, the chosen node leaves. Up to {} nodes run meanwhile.",
                size + 1
            );
        }
        match surge.get().trim().parse::<usize>() {
            Ok(n) if (1..=nodes).contains(&n) => format!(
                "{nodes} node(s) replaced in {} round(s) of up to {n}; up to {} nodes run meanwhile (and are billed).",
                recycle_rounds(nodes, n),
                size + n as i64
            ),
            _ => format!("Enter a whole number from 1 to {nodes}."),
        }
    };
    view! {
        <Title text=title/>
        <ClusterHeader zone=zone.clone() id=id.clone() name=info.cluster_name.clone() state=String::new() current="Recycle nodepool"/>
        <section aria-labelledby="recycle-title" class=format!("{CARD} max-w-2xl")>
            <h2 id="recycle-title" class="text-base font-semibold">{format!("Recycle nodepool {name}")}</h2>
            <p class="mt-2 text-sm">
                "New nodes join with the pool's settings as they are now (instance type, disk, labels, taints, groups, networks) and the newest template of its Kubernetes version; once they run, the old nodes are evicted. The pool never has fewer nodes than now."
            </p>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                "Evicting a node does not drain it first: the pods on it stop and Kubernetes reschedules those it manages onto the other nodes. Workloads with a single replica are briefly down."
            </p>
            {running.map(|plan| view! {
                <p role="note" class="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
                    {format!("{} is running on this cluster: a recycle can start once it ends.", plan.described_first())}
                </p>
            })}
            {if !info.may_scale {
                view! { <p class="mt-4 text-sm">"Operators, admins and owners can recycle nodepools."</p> }.into_any()
            } else if nodes == 0 {
                view! { <p class="mt-4 text-sm">"The nodepool has no nodes to replace."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=recycle attr:class="mt-4 space-y-4" attr:aria-label="Recycle the nodepool">
                        <input type="hidden" name="zone" value=zone.clone()/>
                        <input type="hidden" name="id" value=id.clone()/>
                        <input type="hidden" name="nodepool" value=nodepool.clone()/>
                        <ErrorSummary error/>
                        <fieldset aria-describedby="rc-which-error">
                            <legend class="text-sm font-medium">"What to replace"</legend>
                            <label class="mt-2 flex items-start gap-2 text-sm">
                                <input type="radio" name="which" value="pool" class="mt-1"
                                    checked=!one_node
                                    on:change=move |_| which.set("pool".into())/>
                                <span>{format!("Every node ({nodes}), a few at a time")}</span>
                            </label>
                            <div class="ml-6">
                                <label for="rc-surge" class="block text-sm">"Extra nodes at a time (surge)"</label>
                                <input id="rc-surge" name="surge" type="number" min="1" max=nodes.to_string() step="1"
                                    class=format!("{INPUT} max-w-32")
                                    value="1"
                                    aria-describedby="rc-surge-help rc-surge-error"
                                    aria-invalid=move || field("surge").get().is_some().to_string()
                                    on:input=move |ev| surge.set(event_target_value(&ev))/>
                                <p id="rc-surge-help" class=HINT>"More is faster and costs more while it runs; 1 keeps the extra capacity smallest."</p>
                                <FieldMessage id="rc-surge-error".into() message=field("surge")/>
                            </div>
                            <label class="mt-3 flex items-start gap-2 text-sm">
                                <input type="radio" name="which" value="node" class="mt-1"
                                    checked=one_node
                                    on:change=move |_| which.set("node".into())/>
                                <span>"One node"</span>
                            </label>
                            <div class="ml-6">
                                <label for="rc-node" class="block text-sm">"Node"</label>
                                <select id="rc-node" name="node" class=format!("{INPUT} max-w-md")
                                    aria-describedby="rc-node-error"
                                    aria-invalid=move || field("node").get().is_some().to_string()>
                                    <option value="" selected=!one_node>"Choose a node"</option>
                                    {info.instances.iter().map(|i| view! {
                                        <option value=i.id.clone() selected=i.id == node>{format!("{} ({})", i.name, i.state)}</option>
                                    }).collect_view()}
                                </select>
                                <FieldMessage id="rc-node-error".into() message=field("node")/>
                            </div>
                            <FieldMessage id="rc-which-error".into() message=field("which")/>
                        </fieldset>
                        <p role="status" class="text-sm">{summary}</p>
                        <p class=HINT>"It runs in the background, continues after a portal restart, and shows live on the Nodepools tab. While it runs, the cluster cannot be upgraded and this pool cannot be scaled or removed."</p>
                        <div class="flex gap-2">
                            <button type="submit" class=BUTTON disabled=move || recycle.pending().get()>
                                {move || if recycle.pending().get() { "Starting…" } else { "Start recycle" }}
                            </button>
                            <a href=back.clone() class=QUIET_BUTTON>"Cancel"</a>
                        </div>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}
