//! The Activity tab: this cluster's entries of the audit log (its changes, its nodepools',
//! kubeconfigs issued, refusals) as a timeline, newest first.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{ClusterHeader, cluster_key};
use crate::activity::ActivityEntry;
use crate::components::page::Loaded;
use crate::components::status_badge::StatusBadge;
use crate::components::style::CARD;
use crate::server_fns::activity::list_activity;
use crate::server_fns::cluster_changes::get_cluster_settings;

/// `/clusters/{zone}/{id}/activity`.
#[component]
pub fn ClusterActivityPage() -> impl IntoView {
    let key = cluster_key();
    let query = use_query_map();
    let cluster = Resource::new(key, |(zone, id)| get_cluster_settings(zone, id));
    let entries = Resource::new(
        {
            move || {
                let before = query
                    .read()
                    .get("before")
                    .and_then(|b| b.parse::<i64>().ok());
                (key(), before)
            }
        },
        |((zone, id), before)| {
            let target = crate::access::audit_target(&zone, &id);
            list_activity(None, None, Some(target), None, None, before)
        },
    );
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                let (zone, id) = key();
                let cluster = cluster.await?;
                let slice = entries.await?;
                let title = format!("Activity · {} · Capstan", cluster.name);
                let older = slice
                    .older_than
                    .map(|before| format!("/clusters/{zone}/{id}/activity?before={before}"));
                Ok::<_, crate::error::AppError>(view! {
                    <Title text=title/>
                    <ClusterHeader zone id name=cluster.name state=cluster.state current="Activity"/>
                    <section aria-labelledby="timeline-title" class=CARD>
                        <h2 id="timeline-title" class="text-base font-semibold">"Timeline"</h2>
                        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Every change made through Capstan to this cluster and its nodepools, and who made it. Times are UTC."</p>
                        <Timeline entries=slice.entries/>
                        {older.map(|href| view! {
                            <p class="mt-4 text-sm"><a href=href class="font-medium text-sky-700 hover:underline dark:text-sky-400">"Older entries"</a></p>
                        })}
                    </section>
                })
            })}
        </Loaded>
    }
}

/// Entries as a vertical timeline.
#[component]
fn Timeline(entries: Vec<ActivityEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! {
            <p class="mt-4 rounded-md border border-dashed border-slate-300 p-4 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                "Nothing recorded for this cluster yet."
            </p>
        }
        .into_any();
    }
    view! {
        <ol class="mt-4 space-y-4 border-l border-slate-200 pl-4 dark:border-slate-800">
            {entries.into_iter().map(|e| {
                view! {
                    <li class="relative">
                        <span aria-hidden="true" class="absolute -left-[21px] top-1.5 h-2.5 w-2.5 rounded-full bg-slate-300 dark:bg-slate-700"></span>
                        <p class="text-sm">
                            <span class="font-mono text-xs font-semibold">{e.action.clone()}</span>" "
                            <span class="sr-only">"outcome "</span>
                            <StatusBadge state=e.outcome.clone()/>
                        </p>
                        <p class="text-xs text-slate-600 dark:text-slate-400">
                            <time datetime=e.at.clone()>{e.at.clone()}</time>
                            " · "{e.user.clone().unwrap_or_else(|| "Capstan".into())}
                            {e.operation_id.clone().map(|op| format!(" · operation {op}"))}
                        </p>
                        {e.target.clone().map(|t| view! { <p class="break-all font-mono text-xs text-slate-500 dark:text-slate-400">{t}</p> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}
