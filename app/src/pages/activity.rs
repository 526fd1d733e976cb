//! The organization's audit log: who changed what, when, and how it ended.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::activity::ActivityEntry;
use crate::components::page::{Loaded, PageHeader};
use crate::server_fns::activity::list_activity;

use crate::components::style::FILTER_INPUT as INPUT;

/// The Activity page: filters (a plain GET form, so it works without JavaScript), the entries
/// newest first, and a link to older ones.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let page = Resource::new(
        move || {
            (
                param("user"),
                param("action"),
                param("target"),
                param("from"),
                param("to"),
                param("before").and_then(|b| b.parse::<i64>().ok()),
            )
        },
        |(user, action, target, from, to, before)| {
            list_activity(user, action, target, from, to, before)
        },
    );
    let value = move |name: &'static str| move || param(name).unwrap_or_default();
    view! {
        <Title text="Activity · Capstan"/>
        <PageHeader
            title="Activity"
            description="Who changed what in your organization, and how each action ended."
        />
        <form method="get" action="/activity" class="mb-6 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3 lg:grid-cols-6 dark:border-slate-800 dark:bg-slate-900">
            <label class="text-sm">"Person (email)"<input name="user" type="email" class=INPUT prop:value=value("user")/></label>
            <label class="text-sm">"Action"<input name="action" placeholder="account.sign-in" class=INPUT prop:value=value("action")/></label>
            <label class="text-sm">"Target starts with"<input name="target" placeholder="cluster/" class=INPUT prop:value=value("target")/></label>
            <label class="text-sm">"From (UTC day)"<input name="from" type="date" class=INPUT prop:value=value("from")/></label>
            <label class="text-sm">"To (UTC day)"<input name="to" type="date" class=INPUT prop:value=value("to")/></label>
            <div class="flex items-end gap-2">
                <button type="submit" class="rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800">"Filter"</button>
                <a href="/activity" class="text-sm text-slate-600 hover:underline dark:text-slate-400">"Clear"</a>
            </div>
        </form>
        <Loaded>
            {move || Suspend::new(async move {
                page.await.map(|page| {
                    let older = page.older_than.map(|id| {
                        let mut params: Vec<String> = ["user", "action", "target", "from", "to"]
                            .into_iter()
                            .filter_map(|name| param(name).map(|v| format!("{name}={}", crate::url::encode(&v))))
                            .collect();
                        params.push(format!("before={id}"));
                        format!("/activity?{}", params.join("&"))
                    });
                    view! {
                        <ActivityTable entries=page.entries/>
                        {older.map(|href| view! {
                            <p class="mt-4 text-sm"><a href=href class="font-medium text-sky-700 hover:underline dark:text-sky-400">"Older entries"</a></p>
                        })}
                    }
                })
            })}
        </Loaded>
    }
}

#[component]
fn ActivityTable(entries: Vec<ActivityEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! {
            <p class="rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                "Nothing here yet. Sign-ins, membership changes and every cluster action will be listed."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                <caption class="sr-only">"Activity, newest first"</caption>
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="px-3 py-2">"When (UTC)"</th>
                        <th scope="col" class="px-3 py-2">"Who"</th>
                        <th scope="col" class="px-3 py-2">"Action"</th>
                        <th scope="col" class="px-3 py-2">"Target"</th>
                        <th scope="col" class="px-3 py-2">"Outcome"</th>
                        <th scope="col" class="px-3 py-2">"From"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 bg-white dark:divide-slate-800 dark:bg-slate-950">
                    {entries.into_iter().map(|e| view! {
                        <tr>
                            <td class="whitespace-nowrap px-3 py-2 font-mono text-xs">{e.at}</td>
                            <td class="px-3 py-2">{e.user.unwrap_or_else(|| "—".into())}</td>
                            <td class="px-3 py-2 font-mono text-xs">{e.action}</td>
                            <td class="px-3 py-2 font-mono text-xs">{e.target.unwrap_or_default()}</td>
                            <td class="px-3 py-2">{e.outcome}</td>
                            <td class="px-3 py-2 font-mono text-xs">{e.client_address.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
