//! Upgrading a cluster: choose an allowed version, read the pre-flight check (deprecated APIs
//! still in use), start the plan, and follow it — control plane, then each nodepool cycled.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{ClusterHeader, FieldMessage, PlanProgress, cluster_key};
use crate::components::forms::{ErrorSummary, field_error};
use crate::components::page::Loaded;
use crate::components::style::{BUTTON, CARD, QUIET_BUTTON};
use crate::server_fns::cluster_upgrade::{StartUpgrade, get_upgrade_options, get_upgrade_plan};
use crate::upgrades::{UpgradeOptions, UpgradePlan};

/// How often the page looks at a running plan (the portal's own store, not the cloud).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const PLAN_REFRESH_MS: u64 = 2000;

/// `/clusters/{zone}/{id}/upgrade`.
#[component]
pub fn ClusterUpgradePage() -> impl IntoView {
    let key = cluster_key();
    let start = ServerAction::<StartUpgrade>::new();
    let options = Resource::new(
        move || (key(), start.version().get()),
        |((zone, id), _)| get_upgrade_options(zone, id),
    );
    let tick = RwSignal::new(0u64);
    let plan = Resource::new(
        move || (key(), start.version().get(), tick.get()),
        |((zone, id), _, _)| get_upgrade_plan(zone, id),
    );
    // While a plan runs, look again every few seconds (in the browser only).
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                let running = plan
                    .get_untracked()
                    .and_then(|p| p.ok())
                    .flatten()
                    .is_some_and(|p| p.state == "running");
                if running {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_millis(PLAN_REFRESH_MS),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                let (zone, id) = key();
                let options = options.await?;
                let plan = plan.await?;
                Ok::<_, crate::error::AppError>(view! { <Upgrade zone id options plan start/> })
            })}
        </Loaded>
    }
}

#[component]
fn Upgrade(
    zone: String,
    id: String,
    options: UpgradeOptions,
    plan: Option<UpgradePlan>,
    start: ServerAction<StartUpgrade>,
) -> impl IntoView {
    let title = format!("Upgrade {} · Capstan", options.name);
    let running = plan.as_ref().is_some_and(|p| p.state == "running");
    let failed = plan.as_ref().filter(|p| p.state == "failed").cloned();
    view! {
        <Title text=title/>
        <ClusterHeader zone=zone.clone() id=id.clone() name=options.name.clone() state=options.state.clone() current="Upgrade"/>
        <div class="grid max-w-3xl gap-6">
            {plan.map(|plan| view! { <PlanProgress plan/> })}
            {if running {
                ().into_any()
            } else if let Some(failed) = failed.filter(|_| options.may_upgrade) {
                view! { <Resume zone=zone.clone() id=id.clone() plan=failed start/> }.into_any()
            } else {
                view! { <Choose zone id options start/> }.into_any()
            }}
        </div>
    }
}

#[component]
fn Choose(
    zone: String,
    id: String,
    options: UpgradeOptions,
    start: ServerAction<StartUpgrade>,
) -> impl IntoView {
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    let field = move |name: &'static str| Signal::derive(move || field_error(error.get(), name));
    let cycled: i64 = options.nodepools.iter().map(|(_, n)| n).sum();
    view! {
        <section aria-labelledby="versions-title" class=CARD>
            <h2 id="versions-title" class="text-base font-semibold">{format!("Upgrade from Kubernetes {}", options.current)}</h2>
            {match options.none_because.clone() {
                Some(reason) => view! { <p class="mt-2 text-sm">{reason}" Nothing to upgrade."</p> }.into_any(),
                None if !options.may_upgrade => view! { <p class="mt-2 text-sm">"Operators, admins and owners can upgrade clusters."</p> }.into_any(),
                None => view! {
                    <ActionForm action=start attr:class="mt-3 space-y-4" attr:aria-label="Upgrade the cluster">
                        <input type="hidden" name="zone" value=zone.clone()/>
                        <input type="hidden" name="id" value=id.clone()/>
                        <ErrorSummary error/>
                        <fieldset aria-describedby="up-version-help up-version-error">
                            <legend class="text-sm font-medium">"Version"</legend>
                            <p id="up-version-help" class="text-xs text-slate-500 dark:text-slate-400">"A newer patch of the current minor first; the next minor once on its newest patch. Minors are never skipped."</p>
                            {options.allowed.iter().enumerate().map(|(i, v)| view! {
                                <label class="mt-1 flex items-center gap-2 text-sm">
                                    <input type="radio" name="version" value=v.clone() checked=i == 0 required/>
                                    {format!("Kubernetes {v}")}
                                </label>
                            }).collect_view()}
                            <FieldMessage id="up-version-error".into() message=field("version")/>
                        </fieldset>
                        <Preflight options=options.clone()/>
                        <div>
                            <p class="text-sm font-medium">"The plan"</p>
                            <ol class="mt-1 list-decimal pl-5 text-sm">
                                <li>"Upgrade the control plane (the API stays reachable on pro; brief interruptions on starter)."</li>
                                {options.nodepools.iter().map(|(name, size)| view! {
                                    <li>{format!("Nodepool {name}: add new nodes, then evict the {size} old one(s), a few at a time.")}</li>
                                }).collect_view()}
                            </ol>
                            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{format!("{cycled} node(s) in all are replaced. The plan continues after a portal restart; if a step fails, it can be resumed.")}</p>
                        </div>
                        <div class="flex gap-2">
                            <button type="submit" class=BUTTON disabled=move || start.pending().get()>"Start upgrade"</button>
                            <a href=format!("/clusters/{zone}/{id}") class=QUIET_BUTTON>"Cancel"</a>
                        </div>
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}

/// The pre-flight check: APIs the workloads use that the new version may remove.
#[component]
fn Preflight(options: UpgradeOptions) -> impl IntoView {
    if options.deprecated.is_empty() {
        return view! {
            <p class="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm dark:border-emerald-900 dark:bg-emerald-950">
                "Pre-flight check: no deprecated APIs in use."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm dark:border-amber-900 dark:bg-amber-950">
            <p class="font-medium">{format!("Pre-flight check: {} deprecated API(s) still in use", options.deprecated.len())}</p>
            <table class="mt-2 text-sm">
                <caption class="sr-only">"Deprecated APIs in use"</caption>
                <thead><tr><th scope="col" class="pr-4 text-left">"API"</th><th scope="col" class="text-left">"Removed in"</th></tr></thead>
                <tbody>
                    {options.deprecated.into_iter().map(|d| view! {
                        <tr><td class="pr-4 font-mono text-xs">{d.api}</td><td>{d.removed_in}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="mt-2">"Workloads using an API removed in the target version stop working: move them to the newer API first."</p>
            <label class="mt-2 flex items-start gap-2">
                <input type="checkbox" required class="mt-1"/>
                <span>"I have checked these"</span>
            </label>
        </div>
    }
    .into_any()
}

#[component]
fn Resume(
    zone: String,
    id: String,
    plan: UpgradePlan,
    start: ServerAction<StartUpgrade>,
) -> impl IntoView {
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    view! {
        <section aria-labelledby="resume-title" class=CARD>
            <h2 id="resume-title" class="text-base font-semibold">"Resume the upgrade"</h2>
            <p class="mt-1 text-sm">"It continues from what the cluster shows now; finished steps are not repeated."</p>
            <ActionForm action=start attr:class="mt-3">
                <input type="hidden" name="zone" value=zone/>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" value=plan.to_version.clone()/>
                <ErrorSummary error/>
                <button type="submit" class=BUTTON>{format!("Resume upgrade to {}", plan.to_version)}</button>
            </ActionForm>
        </section>
    }
}
