//! The cluster list, home of the portal: every cluster of the organization across its zones,
//! with search, filters, sorting and paging in the address (so links share a view and the page
//! works without JavaScript). The live stream updates the rows in place: the order stays the
//! one rendered, so nothing moves under the reader's eyes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::new::CreateClusterLink;
use crate::clusters::{ClusterList, ClusterQuery, ClusterRow, matches};
use crate::components::live::{DegradedBanner, LiveIndicator, use_live};
use crate::components::page::{Loaded, PageHeader};
use crate::components::status_badge::StatusBadge;
use crate::live::ClusterListSnapshot;
use crate::server_fns::clusters::list_clusters;

use crate::components::style::FILTER_INPUT as INPUT;

/// The query the address describes.
fn query_from(get: impl Fn(&str) -> Option<String>) -> ClusterQuery {
    let value = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    ClusterQuery {
        q: value("q"),
        state: value("state"),
        zone: value("zone"),
        version: value("version"),
        labels: value("labels"),
        sort: value("sort"),
        page: value("page").and_then(|p| p.parse().ok()),
    }
}

/// The address of `query` (for sort and page links).
fn href(query: &ClusterQuery) -> String {
    let mut params = Vec::new();
    let mut push = |name: &str, value: &Option<String>| {
        if let Some(value) = value {
            let encoded = crate::url::encode(value);
            params.push(format!("{name}={encoded}"));
        }
    };
    push("q", &query.q);
    push("state", &query.state);
    push("zone", &query.zone);
    push("version", &query.version);
    push("labels", &query.labels);
    push("sort", &query.sort);
    push("page", &query.page.map(|p| p.to_string()));
    if params.is_empty() {
        "/clusters".into()
    } else {
        format!("/clusters?{}", params.join("&"))
    }
}

/// A row as shown: its latest data, and whether the cluster has vanished since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownRow {
    pub row: ClusterRow,
    pub deleted: bool,
}

/// The rows to show: the rendered ones in their rendered order with their latest data (or
/// marked deleted), then, on the last page, clusters that appeared since and match the query.
fn live_rows(
    rendered: &[ClusterRow],
    latest: Option<&[ClusterRow]>,
    query: &ClusterQuery,
    last_page: bool,
) -> Vec<ShownRow> {
    let Some(latest) = latest else {
        return rendered
            .iter()
            .map(|row| ShownRow {
                row: row.clone(),
                deleted: false,
            })
            .collect();
    };
    let mut shown: Vec<ShownRow> = rendered
        .iter()
        .map(|row| match latest.iter().find(|r| r.id == row.id) {
            Some(now) => ShownRow {
                row: now.clone(),
                deleted: false,
            },
            None => ShownRow {
                row: row.clone(),
                deleted: true,
            },
        })
        .collect();
    if last_page {
        let mut new: Vec<&ClusterRow> = latest
            .iter()
            .filter(|r| !rendered.iter().any(|s| s.id == r.id) && matches(r, query))
            .collect();
        new.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        shown.extend(new.into_iter().map(|row| ShownRow {
            row: row.clone(),
            deleted: false,
        }));
    }
    shown
}

/// The clusters of the organization across its zones.
#[component]
pub fn ClustersPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || query_from(|name| params.read().get(name));
    let list = Resource::new(query, list_clusters);
    view! {
        <Title text="Clusters · Capstan"/>
        <PageHeader
            title="Clusters"
            description="Your Kubernetes clusters and their nodepools, across every zone."
        >
            <CreateClusterLink/>
        </PageHeader>
        <Loaded loading="Loading clusters…">
            {move || Suspend::new(async move {
                let query = query();
                list.await.map(|list| view! { <ClusterListView list query/> })
            })}
        </Loaded>
    }
}

#[component]
fn ClusterListView(list: ClusterList, query: ClusterQuery) -> impl IntoView {
    let live = use_live::<ClusterListSnapshot>("/live/clusters".into());
    let shown = Signal::derive({
        let (rendered, query, last_page) =
            (list.rows.clone(), query.clone(), list.page == list.pages);
        move || {
            live.snapshot.with(|s| {
                live_rows(
                    &rendered,
                    s.as_ref().map(|s| s.rows.as_slice()),
                    &query,
                    last_page,
                )
            })
        }
    });
    let status = view! {
        <div class="mb-2 flex justify-end"><LiveIndicator connection=live.connection/></div>
        <DegradedBanner upstream=live.upstream/>
    };
    let failures = (!list.failures.is_empty()).then(|| {
        view! {
            <div role="alert" class="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                <p class="font-medium">"Some zones did not answer; their clusters are missing from the list."</p>
                <ul class="mt-1 list-disc pl-5">
                    {list.failures.iter().map(|f| view! { <li>{format!("{}: {}", f.zone, f.message)}</li> }).collect_view()}
                </ul>
            </div>
        }
    });
    if list.total == 0 && list.failures.is_empty() {
        return view! {
            {status}
            {failures}
            <section class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center dark:border-slate-700 dark:bg-slate-900">
                <h2 class="text-base font-semibold">"No clusters yet"</h2>
                <p class="mx-auto mt-2 max-w-lg text-sm text-slate-600 dark:text-slate-400">
                    "Clusters of this organization, in every zone it uses, appear here with their state as they change. Create one with the wizard, or with any Exoscale client (CLI, Terraform, Python) and this organization's credentials."
                </p>
                <div class="mt-4 flex justify-center"><CreateClusterLink/></div>
            </section>
            {move || shown.with(|rows| !rows.is_empty()).then(|| view! {
                <div class="mt-4"><ClusterTable rows=shown query=query.clone()/></div>
            })}
        }
        .into_any();
    }
    view! {
        {status}
        {failures}
        <Filters list=list.clone() query=query.clone()/>
        <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" role="status">
            {format!("{} of {} clusters", list.matching, list.total)}
        </p>
        {if list.rows.is_empty() {
            view! {
                <p class="rounded-lg border border-dashed border-slate-300 p-6 text-sm dark:border-slate-700">
                    "No cluster matches these filters. " <a class="font-medium text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400" href="/clusters">"Clear them"</a>
                </p>
            }.into_any()
        } else {
            view! { <ClusterTable rows=shown query=query.clone()/> }.into_any()
        }}
        <Pager page=list.page pages=list.pages query/>
    }
    .into_any()
}

#[component]
fn Filters(list: ClusterList, query: ClusterQuery) -> impl IntoView {
    let select =
        |name: &'static str, label: &'static str, options: Vec<String>, current: Option<String>| {
            view! {
                <label class="text-sm">{label}
                    <select name=name class=INPUT>
                        <option value="">"Any"</option>
                        {options.into_iter().map(|o| {
                            let selected = current.as_deref() == Some(o.as_str());
                            let label = o.clone();
                            view! { <option value=o selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
        };
    view! {
        <form method="get" action="/clusters" class="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-6 dark:border-slate-800 dark:bg-slate-900">
            <label class="text-sm">"Search"
                <input name="q" type="search" placeholder="name, zone, version" class=INPUT value=query.q.clone().unwrap_or_default()/>
            </label>
            <div class="text-sm">
                <label for="list-labels">"Labels"</label>
                <input id="list-labels" name="labels" type="search" placeholder="env=prod, team in (a,b), !legacy" class=INPUT
                    value=query.labels.clone().unwrap_or_default()
                    aria-describedby="list-labels-help list-labels-error"
                    aria-invalid=list.selector_error.is_some().to_string()/>
                <p id="list-labels-help" class="sr-only">"A label selector as kubectl takes it: key=value, key!=value, key in (a,b), key notin (a,b), key, !key, separated by commas."</p>
                <p id="list-labels-error" role="alert" class="mt-1 text-xs text-red-600 dark:text-red-400">{list.selector_error.clone()}</p>
            </div>
            {select("state", "State", list.states, query.state.clone())}
            {select("zone", "Zone", list.zones, query.zone.clone())}
            {select("version", "Version", list.versions, query.version.clone())}
            <div class="flex items-end gap-2">
                <input type="hidden" name="sort" value=query.sort.clone().unwrap_or_default()/>
                <button type="submit" class="rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800">"Apply"</button>
                <a href="/clusters" class="text-sm text-slate-600 hover:underline dark:text-slate-400">"Clear"</a>
            </div>
        </form>
    }
}

/// A column header that sorts by `key` (again: the other way).
#[component]
fn SortHeader(label: &'static str, key: &'static str, query: ClusterQuery) -> impl IntoView {
    let current = query.sort.clone().unwrap_or_else(|| "name".into());
    let (active, descending) = match current.strip_prefix('-') {
        Some(k) => (k == key, true),
        None => (current == key, false),
    };
    let next = if active && !descending {
        format!("-{key}")
    } else {
        key.to_owned()
    };
    let target = ClusterQuery {
        sort: Some(next),
        page: None,
        ..query
    };
    let aria_sort = match (active, descending) {
        (false, _) => "none",
        (true, false) => "ascending",
        (true, true) => "descending",
    };
    view! {
        <th scope="col" aria-sort=aria_sort class="px-3 py-2">
            <a href=href(&target) class="hover:underline">
                {label}
                {active.then_some(if descending { " ↓" } else { " ↑" })}
            </a>
        </th>
    }
}

/// The table of clusters; rows marked deleted stay, struck through, until the next load.
#[component]
fn ClusterTable(#[prop(into)] rows: Signal<Vec<ShownRow>>, query: ClusterQuery) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                <caption class="sr-only">"Clusters"</caption>
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                    <tr>
                        <SortHeader label="Name" key="name" query=query.clone()/>
                        <SortHeader label="Zone" key="zone" query=query.clone()/>
                        <SortHeader label="Version" key="version" query=query.clone()/>
                        <th scope="col" class="px-3 py-2">"Level"</th>
                        <SortHeader label="State" key="state" query=query.clone()/>
                        <th scope="col" class="px-3 py-2">"Nodepools"</th>
                        <th scope="col" class="px-3 py-2">"Nodes running"</th>
                        <SortHeader label="Created" key="created" query/>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 bg-white dark:divide-slate-800 dark:bg-slate-950">
                    {move || rows.get().into_iter().map(|ShownRow { row: r, deleted }| view! {
                        <tr class=deleted.then_some("text-slate-400 line-through")>
                            <th scope="row" class="px-3 py-2 text-left font-medium">
                                <a class="text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400" href=format!("/clusters/{}/{}", r.zone, r.id)>{r.name}</a>
                                {(!r.labels.is_empty()).then(|| view! {
                                    <ul aria-label="Labels" class="mt-1 flex flex-wrap gap-1 font-normal">
                                        {r.labels.iter().map(|(k, v)| view! {
                                            <li class="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-300">{format!("{k}={v}")}</li>
                                        }).collect_view()}
                                    </ul>
                                })}
                            </th>
                            <td class="px-3 py-2">{r.zone}</td>
                            <td class="px-3 py-2 font-mono text-xs">{r.version}</td>
                            <td class="px-3 py-2">{r.level}</td>
                            <td class="px-3 py-2"><StatusBadge state=if deleted { "deleted".to_owned() } else { r.state }/></td>
                            <td class="px-3 py-2">{r.nodepools}</td>
                            <td class="px-3 py-2">{format!("{} / {}", r.nodes_running, r.nodes_desired)}</td>
                            <td class="whitespace-nowrap px-3 py-2 font-mono text-xs">{r.created_at}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Pager(page: usize, pages: usize, query: ClusterQuery) -> impl IntoView {
    (pages > 1).then(|| {
        let link = |page: usize| {
            href(&ClusterQuery {
                page: Some(page),
                ..query.clone()
            })
        };
        view! {
            <nav aria-label="Pages" class="mt-4 flex items-center gap-4 text-sm">
                {(page > 1).then(|| view! { <a class="font-medium text-sky-700 hover:underline dark:text-sky-400" href=link(page - 1)>"Previous"</a> })}
                <span>{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a class="font-medium text-sky-700 hover:underline dark:text-sky-400" href=link(page + 1)>"Next"</a> })}
            </nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, state: &str, zone: &str) -> ClusterRow {
        ClusterRow {
            id: id.into(),
            name: format!("c-{id}"),
            zone: zone.into(),
            version: "1.36.3".into(),
            level: "pro".into(),
            state: state.into(),
            nodepools: 1,
            nodes_running: 0,
            nodes_desired: 1,
            created_at: format!("2026-01-01T00:00:0{id}Z"),
            labels: Default::default(),
        }
    }

    fn summary(rows: &[ShownRow]) -> Vec<(String, String, bool)> {
        rows.iter()
            .map(|r| (r.row.id.clone(), r.row.state.clone(), r.deleted))
            .collect()
    }

    #[test]
    fn live_rows_update_in_place_without_reordering() {
        // Rendered sorted by state: 2 (creating) before 1 (running).
        let rendered = [
            row("2", "creating", "ch-gva-2"),
            row("1", "running", "ch-gva-2"),
        ];
        let latest = [
            row("1", "upgrading", "ch-gva-2"),
            row("2", "running", "ch-gva-2"),
            row("4", "creating", "de-fra-1"),
            row("3", "creating", "ch-gva-2"),
        ];
        let query = ClusterQuery {
            zone: Some("ch-gva-2".into()),
            sort: Some("state".into()),
            ..ClusterQuery::default()
        };
        let shown = live_rows(&rendered, Some(&latest), &query, true);
        let own = |id: &str, state: &str, deleted| (id.to_owned(), state.to_owned(), deleted);
        assert_eq!(
            summary(&shown),
            [
                own("2", "running", false),
                own("1", "upgrading", false),
                own("3", "creating", false),
            ],
            "same order; the new matching cluster at the end; 4 is another zone"
        );
        let vanished = live_rows(&rendered, Some(&latest[1..2]), &query, false);
        assert_eq!(
            summary(&vanished),
            [own("2", "running", false), own("1", "running", true)],
            "gone: marked, not removed; not the last page: nothing appended"
        );
        assert_eq!(
            summary(&live_rows(&rendered, None, &query, true)),
            [own("2", "creating", false), own("1", "running", false)],
            "before the first snapshot: as rendered"
        );
    }

    #[test]
    fn addresses_round_trip_the_query() {
        let query = ClusterQuery {
            q: Some("web prod".into()),
            zone: Some("ch-gva-2".into()),
            sort: Some("-created".into()),
            page: Some(2),
            ..ClusterQuery::default()
        };
        let address = href(&query);
        assert_eq!(
            address,
            "/clusters?q=web%20prod&zone=ch-gva-2&sort=-created&page=2"
        );
        let params: Vec<(String, String)> = address
            .split_once('?')
            .unwrap()
            .1
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), v.replace("%20", " "))
            })
            .collect();
        let back = query_from(|name| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
        assert_eq!(back, query);
        assert_eq!(href(&ClusterQuery::default()), "/clusters");
    }
}
