//! The Overview's Health card: each check of the service's inspection with its status and
//! message, the deprecated APIs the workloads still use, and "Check again". Its own load: a
//! failure shows in the card, never as the page's error. Without JavaScript, "Check again"
//! reloads the page.

use leptos::prelude::*;

use crate::components::style::{CARD, SMALL_BUTTON};
use crate::error::AppError;
use crate::health::{ClusterHealth, HealthStatus};
use crate::server_fns::clusters::get_cluster_health;

/// The badge of a check.
fn badge(status: HealthStatus) -> &'static str {
    match status {
        HealthStatus::Ok => {
            "bg-emerald-50 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-950 dark:text-emerald-300"
        }
        HealthStatus::Warning => {
            "bg-amber-50 text-amber-900 ring-amber-600/20 dark:bg-amber-950 dark:text-amber-200"
        }
        HealthStatus::Error => {
            "bg-red-50 text-red-800 ring-red-600/20 dark:bg-red-950 dark:text-red-300"
        }
        HealthStatus::Unknown => {
            "bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300"
        }
    }
}

#[component]
fn HealthBadge(status: HealthStatus) -> impl IntoView {
    view! {
        <span class=format!("inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {}", badge(status))>
            {status.as_str()}
        </span>
    }
}

/// `/clusters/{zone}/{id}`'s Health card.
#[component]
pub fn HealthCard(zone: String, id: String) -> impl IntoView {
    let asked = RwSignal::new(0u32);
    let checking = RwSignal::new(false);
    let health = Resource::new(
        move || (zone.clone(), id.clone(), asked.get()),
        |(zone, id, _)| get_cluster_health(zone, id),
    );
    let again = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        asked.update(|n| *n += 1);
    };
    view! {
        <section aria-labelledby="health-title" class=format!("mb-6 {CARD}")>
            <div class="flex flex-wrap items-center gap-3">
                <h2 id="health-title" class="text-base font-semibold">"Health"</h2>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        health.await.ok().map(|h| view! { <HealthBadge status=h.overall()/> })
                    })}
                </Transition>
                // A plain GET of the page without JavaScript; a fresh look in place with it.
                <form method="get" class="ml-auto" on:submit=again>
                    <button type="submit" class=SMALL_BUTTON disabled=move || checking.get()>
                        {move || if checking.get() { "Checking…" } else { "Check again" }}
                    </button>
                </form>
            </div>
            <Transition set_pending=checking fallback=|| view! { <p class="mt-2 text-sm">"Asking the service for the cluster's health…"</p> }>
                {move || Suspend::new(async move {
                    match health.await {
                        Ok(health) => view! { <Report health/> }.into_any(),
                        Err(error) => view! { <Unavailable error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Unavailable(error: AppError) -> impl IntoView {
    view! {
        <p role="alert" class="mt-2 text-sm text-red-700 dark:text-red-400">
            {format!("The health could not be read: {error}")}
        </p>
    }
}

#[component]
fn Report(health: ClusterHealth) -> impl IntoView {
    let when = health
        .checked_at
        .clone()
        .map(|at| format!("Checked by the service at {at}; it checks every few minutes."))
        .unwrap_or_else(|| "The service checks every few minutes.".into());
    view! {
        <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{when}</p>
        {health.unavailable.clone().map(|why| view! { <p class="mt-2 text-sm">{why}</p> })}
        {(!health.checks.is_empty()).then(|| view! {
            <table class="mt-3 w-full text-sm">
                <caption class="sr-only">"Health checks"</caption>
                <thead class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                    <tr><th scope="col" class="py-1 pr-3">"Check"</th><th scope="col" class="py-1 pr-3">"Status"</th><th scope="col" class="py-1">"Message"</th></tr>
                </thead>
                <tbody>
                    {health.checks.into_iter().map(|check| view! {
                        <tr class="border-t border-slate-100 align-top dark:border-slate-800">
                            <th scope="row" class="py-1 pr-3 text-left font-medium">{check.name}</th>
                            <td class="py-1 pr-3"><HealthBadge status=check.status/></td>
                            <td class="py-1 break-words">{check.message}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        {if health.deprecated.is_empty() {
            view! { <p class="mt-3 text-sm">"Deprecated APIs: none in use."</p> }.into_any()
        } else {
            view! {
                <div class="mt-3 text-sm">
                    <p class="font-medium">{format!("Deprecated APIs still in use: {}", health.deprecated.len())}</p>
                    <ul class="mt-1 list-disc pl-5">
                        {health.deprecated.into_iter().map(|d| view! {
                            <li><span class="font-mono text-xs">{d.api}</span>{format!(" — removed in Kubernetes {}", d.removed_in)}</li>
                        }).collect_view()}
                    </ul>
                    <p class="mt-1 text-slate-600 dark:text-slate-400">"Move the workloads to the newer APIs before upgrading to those versions."</p>
                </div>
            }.into_any()
        }}
    }
}
