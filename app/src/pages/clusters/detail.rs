//! One cluster: its overview and its nodepools with their instances, kept current by the
//! cluster's live stream (the rendered page is complete without it).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::health::HealthCard;
use super::{ClusterTabs, InstanceTable, PlanProgress};
use crate::catalog::unmet;
use crate::clusters::{ClusterDetail, NodepoolDetail};
use crate::components::live::{DegradedBanner, LiveIndicator, use_live};
use crate::components::operation_progress::OperationProgress;
use crate::components::page::Loaded;
use crate::components::status_badge::StatusBadge;
use crate::components::style::CARD;
use crate::live::{ClusterSnapshot, Progress, work};
use crate::server_fns::catalog::list_catalog;
use crate::server_fns::clusters::get_cluster;

/// `/clusters/{zone}/{id}`.
#[component]
pub fn ClusterDetailPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let params = params.read();
        (
            params.get("zone").unwrap_or_default(),
            params.get("id").unwrap_or_default(),
        )
    };
    let cluster = Resource::new(key, |(zone, id)| get_cluster(zone, id));
    view! {
        <Loaded loading="Loading the cluster…">
            {move || Suspend::new(async move {
                cluster.await.map(|cluster| view! { <Detail cluster/> })
            })}
        </Loaded>
    }
}

/// The overview's rows.
fn facts(cluster: &ClusterDetail) -> Vec<(&'static str, String)> {
    let labels = if cluster.labels.is_empty() {
        "none".to_owned()
    } else {
        cluster
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let addons = if cluster.addons.is_empty() {
        "none".to_owned()
    } else {
        cluster.addons.join(", ")
    };
    vec![
        ("Zone", cluster.zone.clone()),
        ("Kubernetes version", cluster.version.clone()),
        ("Level", cluster.level.clone()),
        (
            "Endpoint",
            cluster.endpoint.clone().unwrap_or_else(|| "not yet".into()),
        ),
        ("CNI", cluster.cni.clone().unwrap_or_else(|| "none".into())),
        ("Add-ons", addons),
        ("Labels", labels),
        (
            "Auto-upgrade",
            if cluster.auto_upgrade {
                "on".into()
            } else {
                "off".into()
            },
        ),
        ("Created", cluster.created_at.clone()),
        ("Id", cluster.id.clone()),
    ]
}

/// The cluster as rendered, then as the live stream updates it: overview, operation under
/// way, nodepools.
#[component]
fn Detail(cluster: ClusterDetail) -> impl IntoView {
    let title = format!("{} · Clusters · Capstan", cluster.name);
    let name = cluster.name.clone();
    let base = format!("/clusters/{}/{}", cluster.zone, cluster.id);
    let live =
        use_live::<ClusterSnapshot>(format!("/live/clusters/{}/{}", cluster.zone, cluster.id));
    let rendered_for_catalog = cluster.clone();
    let (rendered_zone, rendered_id) = (cluster.zone.clone(), cluster.id.clone());
    let rendered = cluster;
    let current = Signal::derive({
        let rendered = rendered.clone();
        move || {
            live.snapshot
                .with(|s| s.as_ref().map(|s| s.cluster.clone()))
                .unwrap_or_else(|| rendered.clone())
        }
    });
    // Before the first snapshot: what the rendered state says, untimed.
    let progress = Signal::derive(move || match live.snapshot.get() {
        Some(snapshot) => snapshot.progress,
        None => work(&rendered).map(|w| Progress {
            operation: w.operation,
            state: w.state,
            done: w.done,
            total: w.total,
            started_ms: None,
            ends_ms: None,
        }),
    });
    view! {
        <Title text=title/>
        <nav aria-label="Breadcrumb" class="mb-2 text-sm">
            <a href="/clusters" class="text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400">"Clusters"</a>
            <span aria-hidden="true">" / "</span>
            <span aria-current="page">{name.clone()}</span>
        </nav>
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold tracking-tight">{name}</h1>
            <span data-testid="cluster-state">{move || view! { <StatusBadge state=current.read().state.clone()/> }}</span>
            <LiveIndicator connection=live.connection/>
            <a href=format!("{base}/upgrade") class="ml-auto rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Upgrade…"</a>
        </div>
        <ClusterTabs base=base.clone() current="Overview"/>
        {move || current.read().description.clone().map(|d| view! { <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">{d}</p> })}
        <DegradedBanner upstream=live.upstream/>
        {move || live.gone.get().map(|_| view! {
            <div role="alert" class="mb-4 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
                "This cluster no longer exists. " <a class="font-medium underline" href="/clusters">"Back to the list"</a>
            </div>
        })}
        <section aria-labelledby="overview-title" class=format!("mb-6 {CARD}")>
            <h2 id="overview-title" class="text-base font-semibold">"Overview"</h2>
            <dl class="mt-3 grid gap-x-8 gap-y-2 text-sm sm:grid-cols-2">
                {move || facts(&current.read()).into_iter().map(|(term, value)| view! {
                    <div class="flex justify-between gap-4 border-b border-slate-100 py-1 dark:border-slate-800">
                        <dt class="shrink-0 text-slate-500 dark:text-slate-400">{term}</dt>
                        <dd class="min-w-0 break-all text-right font-medium">{value}</dd>
                    </div>
                }).collect_view()}
            </dl>
        </section>
        <OperationProgress progress now_ms=live.now_ms log=live.log/>
        <HealthCard zone=rendered_zone id=rendered_id/>
        // An upgrade or recycle under way (live only: the Nodepools tab renders it without JavaScript).
        {move || {
            live.snapshot
                .with(|s| s.as_ref().and_then(|s| s.plan.clone()))
                .filter(|p| p.running())
                .map(|plan| view! { <div class="mb-6"><PlanProgress plan/></div> })
        }}
        <section aria-labelledby="nodepools-title">
            <div class="mb-3 flex items-center gap-3">
                <h2 id="nodepools-title" class="text-base font-semibold">"Nodepools"</h2>
                <a href=format!("{base}/nodepools") class="text-sm text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400">"Every setting, add a nodepool"</a>
            </div>
            {move || {
                let nodepools = current.read().nodepools.clone();
                if nodepools.is_empty() {
                    view! { <p class="rounded-lg border border-dashed border-slate-300 p-6 text-sm dark:border-slate-700">"This cluster has no nodepools: nothing runs workloads yet."</p> }.into_any()
                } else {
                    nodepools.into_iter().map(|pool| view! { <Nodepool pool base=base.clone()/> }).collect_view().into_any()
                }
            }}
        </section>
        <CatalogSuggestions cluster=rendered_for_catalog/>
    }
}

/// Catalog entries that fit the cluster (its level, CNI, add-ons and GPU pools), linked with
/// the cluster chosen so their install commands name its kubeconfig. Entries that are an
/// add-on the cluster already runs are left out.
#[component]
fn CatalogSuggestions(cluster: ClusterDetail) -> impl IntoView {
    let entries = Resource::new(|| (), |_| list_catalog(String::new(), String::new()));
    let facts = cluster.catalog_facts();
    let target = format!("{}/{}", cluster.zone, cluster.id);
    view! {
        <section aria-labelledby="catalog-title" class=format!("mt-6 {CARD}")>
            <h2 id="catalog-title" class="text-base font-semibold">"From the catalog"</h2>
            <Transition fallback=|| view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"Loading suggestions…"</p> }>
                {move || {
                    let facts = facts.clone();
                    let target = target.clone();
                    Suspend::new(async move {
                        let list = entries.await.map_err(|e| e.to_string());
                        let Ok(list) = list else {
                            return view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"The catalog could not be loaded."</p> }.into_any();
                        };
                        let (fitting, others): (Vec<_>, Vec<_>) = list
                            .entries
                            .into_iter()
                            .filter(|e| e.addon.as_ref().is_none_or(|a| !facts.addons.contains(a)))
                            .partition(|e| unmet(&e.requires, &facts).is_empty());
                        let more = others.len();
                        view! {
                            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                                {match fitting.len() {
                                    1 => "1 entry fits this cluster as it is.".to_string(),
                                    n => format!("{n} entries fit this cluster as it is."),
                                }}
                            </p>
                            <ul class="mt-3 grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
                                {fitting.into_iter().map(|e| {
                                    let href = format!("/catalog/{}?cluster={}", e.name, target);
                                    view! {
                                        <li class="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700">
                                            <a href=href class="font-medium text-sky-700 hover:underline dark:text-sky-400">{e.title}</a>
                                            <p class="mt-1 text-slate-600 dark:text-slate-400">{e.summary}</p>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {(more > 0).then(|| view! {
                                <p class="mt-3 text-sm">
                                    {format!("{more} more need something this cluster lacks. ")}
                                    <a href="/catalog" class="text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400">"Browse the catalog"</a>
                                </p>
                            })}
                        }.into_any()
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn Nodepool(pool: NodepoolDetail, base: String) -> impl IntoView {
    let running = pool
        .instances
        .iter()
        .filter(|i| i.state == "running")
        .count();
    let heading = format!("Nodepool {}", pool.name);
    view! {
        <section aria-label=heading class="mb-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <div class="flex flex-wrap items-center gap-3">
                <h3 class="font-semibold">{pool.name.clone()}</h3>
                <StatusBadge state=pool.state.clone()/>
                <span class="text-sm text-slate-600 dark:text-slate-400">
                    {format!("{running} of {} instances running · {} · {} GiB disk · Kubernetes {}", pool.size, pool.instance_type, pool.disk_size, pool.version)}
                </span>
                <a href=format!("{base}/nodepools/{}/scale", pool.id) aria-label=format!("Scale nodepool {}", pool.name)
                    class="ml-auto rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Scale"</a>
            </div>
            <PoolSettings pool=pool.clone()/>
            <InstanceTable pool_name=pool.name.clone() instances=pool.instances/>
        </section>
    }
}

/// A nodepool's settings beyond its size: node labels, taints, and the groups and networks its
/// nodes join.
#[component]
fn PoolSettings(pool: NodepoolDetail) -> impl IntoView {
    let or_none = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let labels = or_none(
        pool.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
    );
    let taints = or_none(pool.taints.clone());
    let count = |n: usize, one: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {one}s"),
    };
    let networking = format!(
        "{} · {} · {}",
        count(pool.security_groups, "security group"),
        count(pool.private_networks, "private network"),
        count(pool.anti_affinity_groups, "anti-affinity group")
    );
    view! {
        <dl class="mt-2 grid gap-x-6 gap-y-1 text-xs sm:grid-cols-3">
            <div><dt class="inline text-slate-500 dark:text-slate-400">"Labels: "</dt><dd class="inline font-mono">{labels}</dd></div>
            <div><dt class="inline text-slate-500 dark:text-slate-400">"Taints: "</dt><dd class="inline font-mono">{taints}</dd></div>
            <div><dt class="inline text-slate-500 dark:text-slate-400">"Networking: "</dt><dd class="inline">{networking}</dd></div>
        </dl>
    }
}
