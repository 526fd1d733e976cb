//! The Nodepools tab: every nodepool of the cluster with its instances and every setting —
//! groups, networks and deploy target by name — kept current by the cluster's live stream
//! (state, size and instances, and the upgrade or recycle under way; settings are read when the
//! tab opens). The rendered page is complete without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{ClusterHeader, InstanceTable, PlanProgress, cluster_key};
use crate::clusters::{ClusterDetail, NodepoolDetail};
use crate::components::live::{DegradedBanner, LiveIndicator, use_live};
use crate::components::page::Loaded;
use crate::components::status_badge::StatusBadge;
use crate::components::style::{BUTTON, CARD, SMALL_BUTTON};
use crate::live::ClusterSnapshot;
use crate::nodepools::{ClusterNodepools, NodepoolSettings};
use crate::server_fns::nodepool_changes::get_cluster_nodepools;
use crate::wizard::NamedChoice;

/// `/clusters/{zone}/{id}/nodepools`.
#[component]
pub fn ClusterNodepoolsPage() -> impl IntoView {
    let key = cluster_key();
    let pools = Resource::new(key, |(zone, id)| get_cluster_nodepools(zone, id));
    view! {
        <Loaded loading="Loading the nodepools…">
            {move || Suspend::new(async move {
                pools.await.map(|data| view! { <Nodepools data/> })
            })}
        </Loaded>
    }
}

/// What may be done to the pools, by the caller's role.
#[derive(Clone, Copy)]
struct Allowed {
    scale: bool,
    change: bool,
    delete: bool,
}

#[component]
fn Nodepools(data: ClusterNodepools) -> impl IntoView {
    let ClusterNodepools {
        cluster,
        settings,
        may_scale,
        may_change,
        may_delete,
        plan,
    } = data;
    let (zone, id) = (cluster.zone.clone(), cluster.id.clone());
    let base = format!("/clusters/{zone}/{id}");
    let title = format!("Nodepools · {} · Capstan", cluster.name);
    let live = use_live::<ClusterSnapshot>(format!("/live/clusters/{zone}/{id}"));
    let header = (cluster.name.clone(), cluster.state.clone());
    let rendered = cluster;
    let current = Signal::derive(move || {
        live.snapshot
            .with(|s| s.as_ref().map(|s| s.cluster.clone()))
            .unwrap_or_else(|| rendered.clone())
    });
    let plan = Signal::derive(move || {
        live.snapshot
            .with(|s| s.as_ref().map(|s| s.plan.clone()))
            .unwrap_or_else(|| plan.clone())
    });
    let settings = StoredValue::new(settings);
    let allowed = Allowed {
        scale: may_scale,
        change: may_change,
        delete: may_delete,
    };
    let add = format!("{base}/nodepools/new");
    view! {
        <Title text=title/>
        <ClusterHeader zone id name=header.0 state=header.1 current="Nodepools"/>
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <p class="text-sm text-slate-600 dark:text-slate-400">{move || summary(&current.read())}</p>
            <LiveIndicator connection=live.connection/>
            {may_change.then(|| view! { <a href=add class=format!("ml-auto {BUTTON}")>"Add a nodepool"</a> })}
        </div>
        <DegradedBanner upstream=live.upstream/>
        {move || plan.get().map(|plan| view! { <div class="mb-4"><PlanProgress plan/></div> })}
        {move || {
            let pools = current.read().nodepools.clone();
            if pools.is_empty() {
                view! {
                    <p class="rounded-lg border border-dashed border-slate-300 p-6 text-sm dark:border-slate-700">
                        "This cluster has no nodepools: nothing runs workloads yet."
                    </p>
                }.into_any()
            } else {
                pools.into_iter().map(|pool| {
                    let found = settings.with_value(|all| all.iter().find(|s| s.id == pool.id).cloned());
                    view! { <PoolCard pool settings=found base=base.clone() allowed/> }
                }).collect_view().into_any()
            }
        }}
    }
}

/// `2 nodepools · 5 of 6 nodes running`.
fn summary(cluster: &ClusterDetail) -> String {
    let pools = cluster.nodepools.len();
    let desired: i64 = cluster.nodepools.iter().map(|p| p.size).sum();
    let running = cluster
        .nodepools
        .iter()
        .flat_map(|p| &p.instances)
        .filter(|i| i.state == "running")
        .count();
    let noun = if pools == 1 { "nodepool" } else { "nodepools" };
    format!("{pools} {noun} · {running} of {desired} nodes running")
}

/// `none`, or the items joined.
fn or_none(items: Vec<String>, none: &str) -> String {
    if items.is_empty() {
        none.to_owned()
    } else {
        items.join(", ")
    }
}

fn names(list: &[NamedChoice]) -> String {
    or_none(list.iter().map(|n| n.name.clone()).collect(), "none")
}

/// The rows of a pool's facts: what the live stream carries, then its settings (when read).
fn facts(
    pool: &NodepoolDetail,
    settings: Option<&NodepoolSettings>,
) -> Vec<(&'static str, String)> {
    let running = pool
        .instances
        .iter()
        .filter(|i| i.state == "running")
        .count();
    let mut instance_type = pool.instance_type.clone();
    if pool.gpus > 0 {
        instance_type.push_str(&format!(" ({} GPU per node)", pool.gpus));
    }
    let mut rows = vec![
        ("Nodes", format!("{running} of {} running", pool.size)),
        ("Instance type", instance_type),
        ("Disk", format!("{} GiB per node", pool.disk_size)),
        ("Kubernetes version", pool.version.clone()),
        (
            "Labels",
            or_none(
                pool.labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect(),
                "none",
            ),
        ),
        ("Taints", or_none(pool.taints.clone(), "none")),
    ];
    let Some(s) = settings else {
        return rows;
    };
    rows.extend([
        ("Security groups", names(&s.security_groups)),
        ("Anti-affinity groups", names(&s.anti_affinity_groups)),
        ("Private networks", names(&s.private_networks)),
        (
            "Deploy target",
            s.deploy_target
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_else(|| "none (shared hypervisors)".into()),
        ),
        (
            "Public IP",
            match s.public_ip_assignment.as_str() {
                "dual" => "IPv4 and IPv6".to_owned(),
                "inet4" => "IPv4".to_owned(),
                other => other.to_owned(),
            },
        ),
        (
            "Node names",
            match &s.instance_prefix {
                Some(prefix) => format!("{prefix}-…"),
                None => "pool-… (the default prefix)".into(),
            },
        ),
        (
            "Image clean-up",
            s.image_gc
                .clone()
                .unwrap_or_else(|| "the service's default".into()),
        ),
        (
            "Pods per node",
            s.max_pods
                .map(|n| n.to_string())
                .unwrap_or_else(|| "the service's default".into()),
        ),
    ]);
    if !s.mig_profiles.is_empty() {
        rows.push((
            "MIG profiles",
            s.mig_profiles
                .iter()
                .map(|(gpu, profile)| format!("{gpu}: {profile}"))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    rows.extend([
        (
            "Template",
            s.template.clone().unwrap_or_else(|| "not yet".into()),
        ),
        ("Created", s.created_at.clone()),
        ("Id", pool.id.clone()),
    ]);
    rows
}

/// One nodepool: name, state, actions, every fact, its instances.
#[component]
fn PoolCard(
    pool: NodepoolDetail,
    settings: Option<NodepoolSettings>,
    base: String,
    allowed: Allowed,
) -> impl IntoView {
    let region = format!("Nodepool {}", pool.name);
    let rows = facts(&pool, settings.as_ref());
    let description = settings.as_ref().and_then(|s| s.description.clone());
    let pool_base = format!("{base}/nodepools/{}", pool.id);
    view! {
        <section aria-label=region class=format!("mb-4 {CARD}")>
            <div class="flex flex-wrap items-center gap-3">
                <h2 class="text-base font-semibold">{pool.name.clone()}</h2>
                <StatusBadge state=pool.state.clone()/>
                <div class="ml-auto flex gap-2">
                    {allowed.scale.then(|| view! {
                        <a href=format!("{pool_base}/scale") aria-label=format!("Scale nodepool {}", pool.name) class=SMALL_BUTTON>"Scale"</a>
                        <a href=format!("{pool_base}/recycle") aria-label=format!("Recycle nodepool {}", pool.name) class=SMALL_BUTTON>"Recycle"</a>
                    })}
                    {allowed.change.then(|| view! {
                        <a href=format!("{pool_base}/edit") aria-label=format!("Edit nodepool {}", pool.name) class=SMALL_BUTTON>"Edit"</a>
                    })}
                    {allowed.delete.then(|| view! {
                        <a href=format!("{pool_base}/delete") aria-label=format!("Remove nodepool {}", pool.name) class=SMALL_BUTTON>"Remove"</a>
                    })}
                </div>
            </div>
            {description.map(|d| view! { <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{d}</p> })}
            {settings.is_none().then(|| view! {
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"New since this page was opened: reload it for its groups, networks and other settings."</p>
            })}
            <dl class="mt-3 grid gap-x-8 gap-y-1 text-sm sm:grid-cols-2">
                {rows.into_iter().map(|(term, value)| view! {
                    <div class="flex justify-between gap-4 border-b border-slate-100 py-1 dark:border-slate-800">
                        <dt class="shrink-0 text-slate-500 dark:text-slate-400">{term}</dt>
                        <dd class="min-w-0 break-all text-right font-medium">{value}</dd>
                    </div>
                }).collect_view()}
            </dl>
            <InstanceTable pool_name=pool.name.clone() instances=pool.instances replace=allowed.scale.then(|| format!("{pool_base}/recycle"))/>
        </section>
    }
}
