//! The cluster pages: the list, the creation wizard, a cluster's overview and its Nodepools,
//! Access, Activity and Settings tabs, and the flows (scale, add, edit, recycle and remove a
//! nodepool; upgrade; delete). Each is its own
//! address, so each works without JavaScript, can be bookmarked, and the browser's Back button
//! does what people expect. What every page of one cluster shows at its top is here.

pub mod access;
pub mod activity;
pub mod delete;
pub mod detail;
pub mod health;
pub mod list;
pub mod new;
pub mod nodepool_delete;
pub mod nodepool_edit;
pub mod nodepool_new;
pub mod nodepool_recycle;
pub mod nodepools;
pub mod scale;
pub mod settings;
pub mod upgrade;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::clusters::InstanceDetail;
use crate::components::status_badge::StatusBadge;
use crate::components::style::{CARD, ERROR_TEXT, SMALL_BUTTON};
use crate::upgrades::UpgradePlan;

/// The `(zone, id)` of the cluster in the address (`Copy`: it reads the route's params signal).
pub(crate) fn cluster_key() -> impl Fn() -> (String, String) + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        let params = params.read();
        (
            params.get("zone").unwrap_or_default(),
            params.get("id").unwrap_or_default(),
        )
    }
}

/// The `(zone, id, nodepool)` of the nodepool in the address (`Copy`, as [`cluster_key`]).
pub(crate) fn nodepool_key() -> impl Fn() -> (String, String, String) + Copy + Send + Sync + 'static
{
    let params = use_params_map();
    move || {
        let params = params.read();
        (
            params.get("zone").unwrap_or_default(),
            params.get("id").unwrap_or_default(),
            params.get("nodepool").unwrap_or_default(),
        )
    }
}

/// The tabs of a cluster's pages.
pub const TABS: [(&str, &str); 5] = [
    ("Overview", ""),
    ("Nodepools", "/nodepools"),
    ("Access", "/access"),
    ("Activity", "/activity"),
    ("Settings", "/settings"),
];

/// Breadcrumb, name, state and tabs: the top of every page of a cluster.
#[component]
pub fn ClusterHeader(
    zone: String,
    id: String,
    name: String,
    state: String,
    /// The current tab's label, or the flow's name (Scale, Upgrade, Delete) for pages outside
    /// the tabs.
    current: &'static str,
) -> impl IntoView {
    let base = format!("/clusters/{zone}/{id}");
    let in_tabs = TABS.iter().any(|(label, _)| *label == current);
    view! {
        <nav aria-label="Breadcrumb" class="mb-2 text-sm">
            <a href="/clusters" class="text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400">"Clusters"</a>
            <span aria-hidden="true">" / "</span>
            <a href=base.clone() class="text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400">{name.clone()}</a>
            {(!in_tabs).then(|| view! { <span aria-hidden="true">" / "</span><span>{current}</span> })}
        </nav>
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold tracking-tight">{name}</h1>
            {(!state.is_empty()).then(|| view! { <StatusBadge state/> })}
        </div>
        <ClusterTabs base current/>
    }
}

/// The tab bar (links: each tab is an address).
#[component]
pub fn ClusterTabs(base: String, current: &'static str) -> impl IntoView {
    view! {
        <nav aria-label="Cluster sections" class="mb-6 border-b border-slate-200 dark:border-slate-800">
            <ul class="-mb-px flex gap-4 text-sm">
                {TABS.iter().map(|(label, suffix)| {
                    let here = *label == current;
                    view! {
                        <li>
                            <a
                                href=format!("{base}{suffix}")
                                aria-current=here.then_some("page")
                                class="inline-block border-b-2 border-transparent px-1 pb-2 font-medium text-slate-600 hover:border-slate-300 hover:text-slate-900 aria-[current=page]:border-sky-600 aria-[current=page]:text-sky-700 dark:text-slate-400 dark:hover:text-slate-100 dark:aria-[current=page]:text-sky-400"
                            >
                                {*label}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// A field's error message under it, tied with `aria-describedby` by id.
#[component]
pub(crate) fn FieldMessage(
    id: String,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
    view! { <p id=id class=ERROR_TEXT>{move || message.get()}</p> }
}

/// An upgrade or recycle plan: its steps and where each stands.
#[component]
pub(crate) fn PlanProgress(plan: UpgradePlan) -> impl IntoView {
    let done = plan
        .steps
        .iter()
        .filter(|s| s.status.as_str() == "done" || s.status.as_str() == "skipped")
        .count();
    let total = plan.steps.len();
    let title = plan.title();
    let label = format!("{title}: progress");
    view! {
        <section aria-labelledby="plan-title" class=CARD>
            <div class="flex flex-wrap items-center gap-3">
                <h2 id="plan-title" class="text-base font-semibold">{title}</h2>
                <StatusBadge state=plan.state.clone()/>
            </div>
            <p role="status" class="mt-1 text-sm">{format!("{done} of {total} steps done.")}</p>
            <progress class="mt-2 w-full" max=total.to_string() value=done.to_string() aria-label=label></progress>
            {plan.message.clone().map(|m| view! { <p class="mt-2 text-sm text-red-700 dark:text-red-400">{m}</p> })}
            <ol class="mt-3 space-y-2">
                {plan.steps.into_iter().map(|step| view! {
                    <li class="flex flex-wrap items-center gap-2 text-sm">
                        <StatusBadge state=step.status.as_str()/>
                        <span>{step.title}</span>
                        {(!step.detail.is_empty()).then(|| view! { <span class="text-slate-500 dark:text-slate-400">{format!("— {}", step.detail)}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// A nodepool's instances: name, state and public IP (nothing when it has none); with
/// `replace` (the pool's recycle page), a "Replace" link per node.
#[component]
pub(crate) fn InstanceTable(
    pool_name: String,
    instances: Vec<InstanceDetail>,
    #[prop(optional_no_strip)] replace: Option<String>,
) -> impl IntoView {
    (!instances.is_empty()).then(|| view! {
        <table class="mt-3 min-w-full text-sm">
            <caption class="sr-only">{format!("Instances of {pool_name}")}</caption>
            <thead class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                <tr>
                    <th scope="col" class="py-1 pr-3">"Instance"</th>
                    <th scope="col" class="py-1 pr-3">"State"</th>
                    <th scope="col" class="py-1 pr-3">"Public IP"</th>
                    {replace.is_some().then(|| view! { <th scope="col" class="py-1"><span class="sr-only">"Actions"</span></th> })}
                </tr>
            </thead>
            <tbody>
                {instances.into_iter().map(|i| {
                    let link = replace.as_ref().map(|base| (format!("{base}?node={}", i.id), format!("Replace node {}", i.name)));
                    view! {
                        <tr>
                            <td class="py-1 pr-3 font-mono text-xs">{i.name}</td>
                            <td class="py-1 pr-3"><StatusBadge state=i.state/></td>
                            <td class="py-1 pr-3 font-mono text-xs">{i.public_ip.unwrap_or_default()}</td>
                            {link.map(|(href, label)| view! {
                                <td class="py-1 text-right"><a href=href aria-label=label class=SMALL_BUTTON>"Replace"</a></td>
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    })
}
