//! `/catalog/{name}`: one entry. Its parameters, the manifests rendered with them, copy and
//! download, the commands that install it on a chosen cluster, its README, and its versions
//! with the difference of the rendered output between two of them.
//!
//! Every control belongs to one GET form ([`FORM_ID`]; controls outside its element name it with
//! `form=`), so without JavaScript each submit button re-renders the page with everything the
//! person set: values (`p.<name>`), `version`, `compare` and `cluster`.
//!
//! Once hydrated, the form's state lives in signals. A change waits for a pause in typing
//! ([`TYPING_PAUSE`]), then rewrites the address in place and asks the server for the
//! manifests (and the difference) again. Each request carries a generation number: an answer
//! that arrives after a newer request was sent is dropped, so a slow answer never overwrites a
//! newer one.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};
use serde::{Deserialize, Serialize};

use super::{
    ADDON_BADGE, BADGE, Debounce, EntryBadges, HINT, LINK, PANEL, TYPING_PAUSE, in_place, plural,
};
use crate::catalog::{
    BeforeStep, ChangelogEntry, DiffKind, EntryDetail, ManifestDiff, PARAM_PREFIX, ParamKind,
    ParamSpec, Rendered, addon_label, encode, form_values, install_commands, manifest_file_name,
    query_pairs, unmet, values_query,
};
use crate::catalog::{CatalogCluster, KUBECONFIG_USER};
use crate::clusters::ClusterQuery;
use crate::components::copy_button::CopyButton;
use crate::components::page::Loaded;
use crate::components::style::{BUTTON, ERROR_TEXT, INPUT, QUIET_BUTTON};
use crate::error::AppError;
use crate::server_fns::catalog::{
    diff_catalog_entry, get_catalog_cluster, get_catalog_entry, render_catalog_entry,
};
use crate::server_fns::clusters::list_clusters;
use crate::wizard::ClusterForm;

/// The id of the page's one form.
const FORM_ID: &str = "catalog-entry";

/// The kubeconfig the install commands name before a cluster is chosen.
const KUBECONFIG_PLACEHOLDER: &str = "<cluster>-admin.kubeconfig";

/// At most this many pages of clusters (25 each) are offered in the cluster picker.
const CLUSTER_PAGES: usize = 8;

const CODE_BLOCK: &str = "overflow-auto rounded-md bg-slate-950 p-3 font-mono text-xs leading-relaxed text-slate-100 focus-visible:outline-2 focus-visible:outline-sky-500";

/// What the address of an entry's page says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryQuery {
    /// The version to render; empty: the current one.
    pub version: String,
    /// The version to compare it with; empty: the one before it.
    pub compare: String,
    /// `zone/id` of the cluster to install on; empty: none chosen.
    pub cluster: String,
    /// Parameter values by name, as the form writes them.
    pub values: BTreeMap<String, String>,
}

impl EntryQuery {
    /// Reads a query string (`?` optional). The last value of a name wins, as for the values.
    pub fn parse(search: &str) -> Self {
        let pairs = query_pairs(search);
        let last = |key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        };
        Self {
            version: last("version"),
            compare: last("compare"),
            cluster: last("cluster"),
            values: form_values(&pairs),
        }
    }

    /// The address of entry `name`'s page with this query.
    pub fn href(&self, name: &str) -> String {
        let mut parts = Vec::new();
        for (key, value) in [
            ("version", &self.version),
            ("compare", &self.compare),
            ("cluster", &self.cluster),
        ] {
            if !value.is_empty() {
                parts.push(format!("{key}={}", encode(value)));
            }
        }
        let values = values_query(&self.values, "");
        if !values.is_empty() {
            parts.push(values);
        }
        if parts.is_empty() {
            format!("/catalog/{name}")
        } else {
            format!("/catalog/{name}?{}", parts.join("&"))
        }
    }

    /// This query made complete for `detail`: a version it has (the current one unless another
    /// is asked), the version to compare with (none with a single version), and a value for
    /// every parameter (the asked one, or the default). Unknown names are dropped.
    pub fn resolve(&self, detail: &EntryDetail) -> Self {
        let versions: Vec<&str> = detail
            .changelog
            .iter()
            .map(|c| c.version.as_str())
            .collect();
        let version = if versions.contains(&self.version.as_str()) {
            self.version.clone()
        } else {
            detail.summary.version.clone()
        };
        let compare = if self.compare != version && versions.contains(&self.compare.as_str()) {
            self.compare.clone()
        } else {
            default_compare(&versions, &version).unwrap_or_default()
        };
        let values = detail
            .params
            .iter()
            .map(|p| {
                let value = self.values.get(&p.name).unwrap_or(&p.default);
                (p.name.clone(), value.clone())
            })
            .collect();
        Self {
            version,
            compare,
            cluster: self.cluster.clone(),
            values,
        }
    }

    /// The `(zone, id)` of the chosen cluster, if the choice is well formed.
    fn cluster_key(&self) -> Option<(String, String)> {
        let (zone, id) = self.cluster.split_once('/')?;
        (!zone.is_empty() && !id.is_empty()).then(|| (zone.to_string(), id.to_string()))
    }
}

/// The version to compare `shown` with by default: the one just before it (versions are
/// newest first), or for the oldest, the newest other one. `None` with a single version.
pub fn default_compare(versions: &[&str], shown: &str) -> Option<String> {
    let position = versions.iter().position(|v| *v == shown)?;
    versions
        .get(position + 1)
        .or_else(|| versions.iter().find(|v| **v != shown))
        .map(|v| v.to_string())
}

/// A cluster the picker offers: its `zone/id` and what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ClusterChoice {
    value: String,
    label: String,
}

/// Everything the page shows when it is first rendered.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EntryPage {
    detail: EntryDetail,
    /// The address's query, resolved against the entry.
    query: EntryQuery,
    rendered: Rendered,
    diff: Option<ManifestDiff>,
    /// The organization's clusters, or why they could not be listed.
    clusters: Result<Vec<ClusterChoice>, String>,
    /// The chosen cluster, or why it cannot be used.
    cluster: Option<Result<CatalogCluster, String>>,
}

/// Loads the page for entry `name` and the query string `search`.
async fn load(name: String, search: String) -> Result<EntryPage, AppError> {
    let detail = get_catalog_entry(name.clone()).await?;
    let query = EntryQuery::parse(&search).resolve(&detail);
    let rendered =
        render_catalog_entry(name.clone(), query.version.clone(), query.values.clone()).await?;
    let diff = if query.compare.is_empty() {
        None
    } else {
        Some(
            diff_catalog_entry(
                name,
                query.compare.clone(),
                query.version.clone(),
                query.values.clone(),
            )
            .await?,
        )
    };
    let clusters = cluster_choices().await.map_err(|e| e.to_string());
    let cluster = chosen_cluster(&query).await;
    Ok(EntryPage {
        detail,
        query,
        rendered,
        diff,
        clusters,
        cluster,
    })
}

/// The organization's clusters for the picker, by name.
async fn cluster_choices() -> Result<Vec<ClusterChoice>, AppError> {
    let mut choices = Vec::new();
    let mut page = 1;
    loop {
        let list = list_clusters(ClusterQuery {
            page: Some(page),
            ..ClusterQuery::default()
        })
        .await?;
        choices.extend(list.rows.into_iter().map(|row| ClusterChoice {
            value: format!("{}/{}", row.zone, row.id),
            label: format!("{} ({})", row.name, row.zone),
        }));
        if page >= list.pages || page >= CLUSTER_PAGES {
            return Ok(choices);
        }
        page += 1;
    }
}

/// The chosen cluster, or why it cannot be used; `None` when none is chosen.
async fn chosen_cluster(query: &EntryQuery) -> Option<Result<CatalogCluster, String>> {
    if query.cluster.is_empty() {
        return None;
    }
    let Some((zone, id)) = query.cluster_key() else {
        return Some(Err("Choose a cluster from the list.".into()));
    };
    Some(
        get_catalog_cluster(zone, id)
            .await
            .map_err(|e| e.to_string()),
    )
}

/// The entry's page.
#[component]
pub fn CatalogEntryPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    // Keyed on the entry only: the query is read once per entry, because afterwards the page
    // itself writes it (and must not be rebuilt under the person's cursor when it does).
    let page = Resource::new(
        move || name.get(),
        move |name| load(name, location.search.get_untracked()),
    );
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                page.await.map(|page| view! { <EntryView name=name.get_untracked() page/> })
            })}
        </Loaded>
    }
}

/// The state of the page once it is interactive. Signals start from the server's render, so
/// the hydrated page matches it.
#[derive(Clone, Copy)]
struct Live {
    name: StoredValue<String>,
    /// Whether there are versions to compare.
    comparable: bool,
    /// What the form holds.
    query: RwSignal<EntryQuery>,
    rendered: RwSignal<Rendered>,
    diff: RwSignal<Option<ManifestDiff>>,
    cluster: RwSignal<Option<Result<CatalogCluster, String>>>,
    /// Why the last request failed (network, session), if it did.
    failure: RwSignal<Option<String>>,
    /// Whether a render is on its way.
    pending: RwSignal<bool>,
    /// Bumped for each render request; an answer for an older one is stale.
    generation: StoredValue<u64>,
    /// Bumped for each cluster request.
    cluster_generation: StoredValue<u64>,
    debounce: Debounce,
    navigate: Callback<String>,
}

impl Live {
    /// Sets a parameter's value; the manifests follow after a pause.
    fn set_value(self, name: &str, value: String) {
        self.query.update(|q| {
            q.values.insert(name.to_string(), value);
        });
        self.debounce.call(TYPING_PAUSE, move || self.refresh());
    }

    /// Shows another version; compared with the one before it when it was compared with itself.
    fn set_version(self, version: String, versions: &[&str]) {
        self.query.update(|q| {
            if q.compare == version {
                q.compare = default_compare(versions, &version).unwrap_or_default();
            }
            q.version = version;
        });
        self.refresh();
    }

    fn set_compare(self, compare: String) {
        self.query.update(|q| q.compare = compare);
        self.refresh();
    }

    /// Chooses the cluster to install on and asks for what the commands need of it.
    fn set_cluster(self, cluster: String) {
        self.query.update(|q| q.cluster = cluster);
        self.follow_address();
        let generation = bump(self.cluster_generation);
        let query = self.query.get_untracked();
        leptos::task::spawn_local(async move {
            let cluster = chosen_cluster(&query).await;
            if self.cluster_generation.try_get_value() == Some(generation) {
                self.cluster.set(cluster);
            }
        });
    }

    /// Rewrites the address to the form's state.
    fn follow_address(self) {
        let href = self
            .query
            .with_untracked(|q| q.href(&self.name.get_value()));
        self.navigate.run(href);
    }

    /// Renders (and compares) again with the form's state, now.
    fn refresh(self) {
        self.debounce.cancel();
        self.follow_address();
        let generation = bump(self.generation);
        let query = self.query.get_untracked();
        let name = self.name.get_value();
        let comparable = self.comparable;
        self.pending.set(true);
        leptos::task::spawn_local(async move {
            let rendered =
                render_catalog_entry(name.clone(), query.version.clone(), query.values.clone())
                    .await;
            let diff = if comparable && !query.compare.is_empty() {
                Some(diff_catalog_entry(name, query.compare, query.version, query.values).await)
            } else {
                None
            };
            if self.generation.try_get_value() != Some(generation) {
                return; // a newer request is on its way; its answer wins
            }
            let mut failure = None;
            match rendered {
                Ok(rendered) => self.rendered.set(rendered),
                Err(error) => failure = Some(error.to_string()),
            }
            match diff {
                Some(Ok(diff)) => self.diff.set(Some(diff)),
                Some(Err(error)) => failure = failure.or(Some(error.to_string())),
                None => self.diff.set(None),
            }
            self.failure.set(failure);
            self.pending.set(false);
        });
    }

    /// The error of parameter `name` in the last render, as the field shows it.
    fn error(self, name: &str) -> Option<String> {
        self.rendered.with(|r| {
            r.errors
                .iter()
                .find(|e| e.field == name)
                .map(|e| e.message.clone())
        })
    }

    /// The download address for the form's values and version.
    fn download_href(self) -> String {
        self.query.with(|q| {
            format!(
                "/catalog/{}/download?{}",
                self.name.get_value(),
                values_query(&q.values, &q.version)
            )
        })
    }

    fn file_name(self) -> String {
        self.query
            .with(|q| manifest_file_name(&self.name.get_value(), &q.version))
    }
}

/// Adds one to a generation counter and returns the new value.
fn bump(counter: StoredValue<u64>) -> u64 {
    counter.update_value(|g| *g += 1);
    counter.get_value()
}

#[component]
fn EntryView(name: String, page: EntryPage) -> impl IntoView {
    let navigate = use_navigate();
    let live = Live {
        name: StoredValue::new(name.clone()),
        comparable: page.detail.changelog.len() > 1,
        query: RwSignal::new(page.query),
        rendered: RwSignal::new(page.rendered),
        diff: RwSignal::new(page.diff),
        cluster: RwSignal::new(page.cluster),
        failure: RwSignal::new(None),
        pending: RwSignal::new(false),
        generation: StoredValue::new(0),
        cluster_generation: StoredValue::new(0),
        debounce: Debounce::new(),
        navigate: Callback::new(move |href: String| navigate(&href, in_place())),
    };
    let detail = page.detail;
    let title = format!("{} · Catalog · Capstan", detail.summary.title);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        live.refresh();
    };
    view! {
        <Title text=title/>
        <EntryHeader detail=detail.clone()/>
        <div class="grid items-start gap-6 lg:grid-cols-5">
            <section aria-labelledby="params-title" class=format!("{PANEL} lg:col-span-2")>
                <h2 id="params-title" class="text-base font-semibold">"Parameters"</h2>
                <p class=HINT>"The manifests follow as you type. The defaults suit a first try."</p>
                // The page's one form: the controls of the other sections join it with `form=`.
                <form id=FORM_ID method="get" action=format!("/catalog/{name}") novalidate on:submit=on_submit>
                    <div class="mt-4 space-y-4">
                        {detail.params.iter().cloned().map(|spec| view! { <ParamField live spec/> }).collect_view()}
                    </div>
                    <button type="submit" class=format!("{BUTTON} mt-4")>"Render"</button>
                </form>
            </section>
            <div class="space-y-6 lg:col-span-3">
                <Manifests live/>
                <Install live before=detail.before.clone() requires=detail.summary.requires.clone() clusters=page.clusters namespace=detail.namespace.clone()/>
            </div>
        </div>
        <div class="mt-6 grid items-start gap-6 lg:grid-cols-5">
            <section aria-labelledby="readme-title" class=format!("{PANEL} lg:col-span-3")>
                <h2 id="readme-title" class="text-base font-semibold">"About"</h2>
                <div class=README inner_html=detail.readme_html.clone()></div>
            </section>
            <Versions live changelog=detail.changelog.clone()/>
        </div>
    }
}

/// README HTML, styled without a typography plugin. Its first heading repeats the title.
const README: &str = "mt-2 space-y-3 text-sm leading-relaxed text-slate-700 dark:text-slate-300 [&>h1:first-child]:hidden [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:mt-5 [&_h2]:text-base [&_h2]:font-semibold [&_h2]:text-slate-900 dark:[&_h2]:text-slate-100 [&_h3]:mt-4 [&_h3]:font-semibold [&_ul]:list-disc [&_ul]:space-y-1 [&_ul]:pl-5 [&_ol]:list-decimal [&_ol]:space-y-1 [&_ol]:pl-5 [&_a]:text-sky-700 [&_a]:underline dark:[&_a]:text-sky-400 [&_code]:rounded [&_code]:bg-slate-100 [&_code]:px-1 [&_code]:py-0.5 [&_code]:font-mono [&_code]:text-xs dark:[&_code]:bg-slate-800 [&_pre]:whitespace-pre-wrap [&_pre]:wrap-anywhere [&_pre]:rounded-md [&_pre]:bg-slate-950 [&_pre]:p-3 [&_pre]:text-slate-100 [&_pre_code]:bg-transparent [&_pre_code]:p-0 [&_pre_code]:text-slate-100 [&_table]:w-full [&_table]:text-left [&_th]:border-b [&_th]:py-1 [&_td]:border-b [&_td]:border-slate-100 [&_td]:py-1 dark:[&_td]:border-slate-800";

/// Breadcrumb, title, badges, summary and, for an SKS add-on, the way to get it with a new
/// cluster.
#[component]
fn EntryHeader(detail: EntryDetail) -> impl IntoView {
    let summary = detail.summary.clone();
    let addon = summary.addon.clone().map(|addon| {
        let create = ClusterForm::with_addon(&addon).map(|form| form.create_url());
        let label = addon_label(&addon).to_string();
        view! {
            <div class="mt-4 flex flex-wrap items-center gap-3 rounded-lg border border-sky-200 bg-sky-50 p-4 text-sm dark:border-sky-900 dark:bg-sky-950">
                <p class="flex-1">
                    <span class="font-medium">{format!("{label} is an SKS add-on.")}</span>
                    " Exoscale runs it for you: turn it on when you create a cluster, or on an existing cluster in the cluster's Settings tab. The manifests here are for clusters where you run it yourself."
                </p>
                {create.map(|href| view! { <a href=href class=BUTTON>"Create a cluster with this add-on"</a> })}
            </div>
        }
    });
    view! {
        <nav aria-label="Breadcrumb" class="mb-2 text-sm">
            <a href="/catalog" class="text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400">"Catalog"</a>
            <span aria-hidden="true">" / "</span>
            <span>{summary.title.clone()}</span>
        </nav>
        <div class="mb-6">
            <div class="flex flex-wrap items-center gap-3">
                <h1 class="text-2xl font-semibold tracking-tight">{summary.title.clone()}</h1>
            </div>
            <p class="mt-1 max-w-3xl text-sm text-slate-600 dark:text-slate-400">{summary.summary.clone()}</p>
            <div class="mt-3 flex flex-wrap items-center gap-3">
                <EntryBadges entry=summary.clone()/>
                {detail.namespace.clone().map(|ns| view! {
                    <span class=BADGE>"Namespace "<code class="ml-1">{ns}</code></span>
                })}
            </div>
            {addon}
        </div>
    }
}

/// One parameter's field: label, input by kind, help and the error of the last render.
#[component]
fn ParamField(live: Live, spec: ParamSpec) -> impl IntoView {
    let id = format!("param-{}", spec.name);
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let described = format!("{help_id} {error_id}");
    let input_name = format!("{PARAM_PREFIX}{}", spec.name);
    let initial = live
        .query
        .with_untracked(|q| q.values.get(&spec.name).cloned())
        .unwrap_or_else(|| spec.default.clone());
    let name = StoredValue::new(spec.name.clone());
    let error = Memo::new(move |_| name.with_value(|n| live.error(n)));
    let invalid = move || error.with(Option::is_some).to_string();
    let set = move |value: String| name.with_value(|n| live.set_value(n, value));
    let label = spec.label.clone();
    let error_text = move || error.get().map(|message| format!("{label} {message}."));
    let mut help = spec.help.clone();
    match &spec.kind {
        ParamKind::Integer { min, max } => match (min, max) {
            (Some(min), Some(max)) => help.push_str(&format!(" From {min} to {max}.")),
            (Some(min), None) => help.push_str(&format!(" At least {min}.")),
            (None, Some(max)) => help.push_str(&format!(" At most {max}.")),
            (None, None) => {}
        },
        ParamKind::List { .. } => help.push_str(" One per line."),
        _ => {}
    }
    let help = view! { <p id=help_id class=HINT>{help}</p> };
    let error_line = view! { <p id=error_id class=ERROR_TEXT>{error_text}</p> };
    let input = match spec.kind {
        ParamKind::Boolean => {
            return view! {
                <div>
                    <input type="hidden" name=input_name.clone() value="false"/>
                    <div class="flex items-start gap-2">
                        <input
                            id=id.clone()
                            type="checkbox"
                            name=input_name
                            value="true"
                            checked=initial == "true"
                            class="mt-0.5 size-4 rounded border-slate-300 accent-sky-600"
                            aria-describedby=described
                            aria-invalid=invalid
                            on:change=move |ev| set(event_target_checked(&ev).to_string())
                        />
                        <div>
                            <label for=id class="block text-sm font-medium">{spec.label.clone()}</label>
                            {help}
                            {error_line}
                        </div>
                    </div>
                </div>
            }
            .into_any();
        }
        ParamKind::Integer { min, max } => view! {
            <input
                id=id.clone()
                type="number"
                inputmode="numeric"
                step="1"
                min=min.map(|m| m.to_string())
                max=max.map(|m| m.to_string())
                name=input_name
                value=initial
                class=format!("{INPUT} max-w-40")
                aria-describedby=described
                aria-invalid=invalid
                on:input=move |ev| set(event_target_value(&ev))
            />
        }
        .into_any(),
        ParamKind::Choice { options } => view! {
            <select
                id=id.clone()
                name=input_name
                class=INPUT
                aria-describedby=described
                aria-invalid=invalid
                on:change=move |ev| set(event_target_value(&ev))
            >
                {options.into_iter().map(|option| {
                    let selected = option == initial;
                    let text = option.clone();
                    view! { <option value=option selected=selected>{text}</option> }
                }).collect_view()}
            </select>
        }
        .into_any(),
        ParamKind::List { .. } => {
            let rows = (initial.lines().count() + 1).clamp(2, 8).to_string();
            view! {
                <textarea
                    id=id.clone()
                    name=input_name
                    rows=rows
                    class=format!("{INPUT} font-mono")
                    aria-describedby=described
                    aria-invalid=invalid
                    on:input=move |ev| set(event_target_value(&ev))
                >{initial}</textarea>
            }
            .into_any()
        }
        ParamKind::Text { .. } => view! {
            <input
                id=id.clone()
                type="text"
                autocomplete="off"
                spellcheck="false"
                name=input_name
                value=initial
                class=INPUT
                aria-describedby=described
                aria-invalid=invalid
                on:input=move |ev| set(event_target_value(&ev))
            />
        }
        .into_any(),
    };
    view! {
        <div>
            <label for=id class="block text-sm font-medium">{spec.label.clone()}</label>
            {input}
            {help}
            {error_line}
        </div>
    }
    .into_any()
}

/// The rendered manifests with Copy and Download, or why there are none.
#[component]
fn Manifests(live: Live) -> impl IntoView {
    let refused = move || live.rendered.with(|r| !r.errors.is_empty());
    let heading = move || {
        live.rendered.with(|r| {
            if r.errors.is_empty() {
                format!(
                    "version {} · {}",
                    r.version,
                    plural(r.objects, "object", "objects")
                )
            } else {
                format!("version {}", r.version)
            }
        })
    };
    let status = move || {
        if let Some(failure) = live.failure.get() {
            return format!("Could not render: {failure}. Change a value to try again.");
        }
        live.rendered.with(|r| match r.errors.len() {
            0 => String::new(),
            1 => "One value is refused: fix the field marked in Parameters. Nothing is rendered until then.".into(),
            n => format!("{n} values are refused: fix the fields marked in Parameters. Nothing is rendered until then."),
        })
    };
    let manifest = Signal::derive(move || live.rendered.with(|r| r.manifest.clone()));
    view! {
        <section aria-labelledby="manifests-title" class=PANEL aria-busy=move || live.pending.get().to_string()>
            <div class="flex flex-wrap items-center justify-between gap-2">
                <h2 id="manifests-title" class="text-base font-semibold">
                    "Manifests "
                    <span class="text-sm font-normal text-slate-500 dark:text-slate-400">{heading}</span>
                </h2>
                <div class="flex items-center gap-2">
                    {move || (!refused()).then(|| view! {
                        <CopyButton what="the manifests" text=manifest class=QUIET_BUTTON/>
                        <a href=move || live.download_href() download=move || live.file_name() class=QUIET_BUTTON>
                            "Download"<span class="sr-only">" the manifests"</span>
                        </a>
                    })}
                </div>
            </div>
            <p role="status" class=format!("{ERROR_TEXT} mt-2")>{status}</p>
            {move || (!refused()).then(|| view! {
                <div role="region" aria-label="Rendered manifests" tabindex="0" class=format!("{CODE_BLOCK} mt-3 max-h-[36rem]")>
                    <pre><code>{manifest}</code></pre>
                </div>
            })}
        </section>
    }
}

/// The commands that install the entry, for a chosen cluster (or a placeholder), and whether
/// it fits that cluster.
#[component]
fn Install(
    live: Live,
    before: Vec<BeforeStep>,
    requires: crate::catalog::Requirements,
    clusters: Result<Vec<ClusterChoice>, String>,
    namespace: Option<String>,
) -> impl IntoView {
    let steps = StoredValue::new(before.clone());
    let commands = Signal::derive(move || {
        let kubeconfig = live.cluster.with(|c| match c {
            Some(Ok(cluster)) => cluster.kubeconfig_file.clone(),
            _ => KUBECONFIG_PLACEHOLDER.to_string(),
        });
        steps
            .with_value(|steps| install_commands(steps, &kubeconfig, &live.file_name()))
            .join("\n")
    });
    let chosen = live.query.with_untracked(|q| q.cluster.clone());
    let requires = StoredValue::new(requires);
    let fit = move || {
        live.cluster.get().map(|cluster| match cluster {
            Err(reason) => view! { <p class=ERROR_TEXT>{reason}</p> }.into_any(),
            Ok(cluster) => {
                let reasons = requires.with_value(|r| unmet(r, &cluster.facts));
                if reasons.is_empty() {
                    view! { <p class="text-sm text-emerald-700 dark:text-emerald-400">{format!("Fits {}.", cluster.name)}</p> }.into_any()
                } else {
                    view! {
                        <p class="text-sm text-amber-700 dark:text-amber-400">
                            {format!("Does not fit {} yet: it {}.", cluster.name, reasons.join("; "))}
                        </p>
                    }
                    .into_any()
                }
            }
        })
    };
    let access = move || {
        live.cluster.with(|c| match c {
            Some(Ok(cluster)) => view! {
                <a href=format!("/clusters/{}/{}/access", cluster.zone, cluster.id) class=LINK>"the cluster's Access tab"</a>
            }
            .into_any(),
            _ => "the cluster's Access tab".into_any(),
        })
    };
    let picker = match clusters {
        Err(reason) => view! {
            <p class=ERROR_TEXT>{format!("The clusters could not be listed: {reason}")}</p>
        }
        .into_any(),
        Ok(choices) => {
            let none = choices.is_empty();
            view! {
                <div class="flex flex-wrap items-end gap-2">
                    <div class="min-w-56 flex-1">
                        <label for="install-cluster" class="block text-sm font-medium">"Cluster"</label>
                        <select
                            id="install-cluster"
                            name="cluster"
                            form=FORM_ID
                            class=INPUT
                            aria-describedby="install-fit"
                            on:change=move |ev| live.set_cluster(event_target_value(&ev))
                        >
                            <option value="" selected=chosen.is_empty()>"Choose a cluster"</option>
                            {choices.into_iter().map(|choice| {
                                let selected = choice.value == chosen;
                                view! { <option value=choice.value selected=selected>{choice.label}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" form=FORM_ID class=QUIET_BUTTON>"Show commands"</button>
                </div>
                {none.then(|| view! {
                    <p class=HINT>"This organization has no cluster yet: " <a href="/clusters/new" class=LINK>"create one"</a>"."</p>
                })}
            }
            .into_any()
        }
    };
    view! {
        <section aria-labelledby="install-title" class=PANEL>
            <h2 id="install-title" class="text-base font-semibold">"Install"</h2>
            <div class="mt-3 space-y-2">
                {picker}
                <div id="install-fit" role="status">{fit}</div>
            </div>
            {(!before.is_empty()).then(|| view! {
                <h3 class="mt-4 text-sm font-semibold">"First, the commands below run:"</h3>
                <ol class="mt-1 list-decimal space-y-1 pl-5 text-sm text-slate-700 dark:text-slate-300">
                    {before.iter().map(|step| view! { <li>{step.description.clone()}</li> }).collect_view()}
                </ol>
            })}
            <p class="mt-4 text-sm text-slate-700 dark:text-slate-300">
                "Download the manifests above (they save as "
                <code class="font-mono text-xs">{move || live.file_name()}</code>
                ") and the kubeconfig from " {access} " (user " <code class="font-mono text-xs">{KUBECONFIG_USER}</code>
                "), then run:"
            </p>
            <div class="mt-2 flex items-start gap-2">
                <div role="region" aria-label="Install commands" tabindex="0" class=format!("{CODE_BLOCK} flex-1")>
                    <pre><code>{commands}</code></pre>
                </div>
                <CopyButton what="the install commands" text=commands class=QUIET_BUTTON/>
            </div>
            {namespace.map(|ns| view! {
                <p class=HINT>"It installs into the namespace " <code class="font-mono">{ns}</code>"."</p>
            })}
        </section>
    }
}

/// The changelog and, with two versions or more, the version shown and the difference from
/// another one.
#[component]
fn Versions(live: Live, changelog: Vec<ChangelogEntry>) -> impl IntoView {
    let versions: Vec<String> = changelog.iter().map(|c| c.version.clone()).collect();
    let current = versions.first().cloned().unwrap_or_default();
    let compare = (versions.len() > 1).then(|| {
        let (shown, from) = live
            .query
            .with_untracked(|q| (q.version.clone(), q.compare.clone()));
        let all = StoredValue::new(versions.clone());
        let options = move |selected: &str| {
            versions
                .iter()
                .map(|v| {
                    let label = if *v == current {
                        format!("{v} (current)")
                    } else {
                        v.clone()
                    };
                    view! { <option value=v.clone() selected=*v == selected>{label}</option> }
                })
                .collect_view()
        };
        view! {
            <h3 class="mt-6 text-sm font-semibold">"Compare versions"</h3>
            <p class=HINT>"The version shown is the one the manifests, the download and the install commands use."</p>
            <div class="mt-2 flex flex-wrap items-end gap-2">
                <div>
                    <label for="version-shown" class="block text-sm font-medium">"Version shown"</label>
                    <select id="version-shown" name="version" form=FORM_ID class=INPUT
                        on:change=move |ev| {
                            let version = event_target_value(&ev);
                            all.with_value(|all| {
                                let all: Vec<&str> = all.iter().map(String::as_str).collect();
                                live.set_version(version, &all);
                            });
                        }>
                        {options(&shown)}
                    </select>
                </div>
                <div>
                    <label for="version-compare" class="block text-sm font-medium">"Compared with"</label>
                    <select id="version-compare" name="compare" form=FORM_ID class=INPUT
                        prop:value=move || live.query.with(|q| q.compare.clone())
                        on:change=move |ev| live.set_compare(event_target_value(&ev))>
                        {options(&from)}
                    </select>
                </div>
                <button type="submit" form=FORM_ID class=QUIET_BUTTON>"Compare"</button>
            </div>
            <Difference live/>
        }
    });
    view! {
        <section id="versions" aria-labelledby="versions-title" class=format!("{PANEL} lg:col-span-2")>
            <h2 id="versions-title" class="text-base font-semibold">"Versions"</h2>
            <ol class="mt-2 space-y-3">
                {changelog.into_iter().enumerate().map(|(index, entry)| view! {
                    <li>
                        <h3 class="text-sm font-semibold">
                            {entry.version}
                            {(index == 0).then(|| view! { <span class=format!("{ADDON_BADGE} ml-2")>"current"</span> })}
                        </h3>
                        <p class="text-xs text-slate-500 dark:text-slate-400"><time datetime=entry.date.clone()>{entry.date.clone()}</time></p>
                        <ul class="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-700 dark:text-slate-300">
                            {entry.changes.into_iter().map(|change| view! { <li>{change}</li> }).collect_view()}
                        </ul>
                    </li>
                }).collect_view()}
            </ol>
            {compare}
        </section>
    }
}

/// The unified difference, lines marked `+`/`-` (not by colour alone).
#[component]
fn Difference(live: Live) -> impl IntoView {
    let summary = move || {
        live.diff.with(|diff| match diff {
            None => String::new(),
            Some(diff) if !diff.errors.is_empty() => {
                "Fix the refused values in Parameters to compare.".to_string()
            }
            Some(diff) if diff.lines.is_empty() => {
                format!(
                    "No difference from {} to {} with these values.",
                    diff.from, diff.to
                )
            }
            Some(diff) => {
                let count = |kind| diff.lines.iter().filter(|l| l.kind == kind).count();
                format!(
                    "From {} to {} with these values: {} added, {} removed.",
                    diff.from,
                    diff.to,
                    plural(count(DiffKind::Added), "line", "lines"),
                    count(DiffKind::Removed)
                )
            }
        })
    };
    let lines = move || {
        live.diff.with(|diff| {
            let lines = diff.as_ref().map(|d| d.lines.clone()).unwrap_or_default();
            (!lines.is_empty()).then(|| {
                view! {
                    <div role="region" aria-label="Difference between versions" tabindex="0"
                        class="mt-2 max-h-[32rem] overflow-auto rounded-md border border-slate-200 bg-white font-mono text-xs leading-relaxed focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-800 dark:bg-slate-950">
                        <pre class="min-w-max py-2">
                            {lines.into_iter().map(|line| {
                                let (marker, class) = match line.kind {
                                    DiffKind::Added => ("+", "bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"),
                                    DiffKind::Removed => ("-", "bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-200"),
                                    DiffKind::Hunk => ("", "mt-1 text-slate-500 dark:text-slate-400"),
                                    DiffKind::Same => (" ", ""),
                                };
                                view! { <span class=format!("block px-3 {class}")>{format!("{marker}{}", line.text)}</span> }
                            }).collect_view()}
                        </pre>
                    </div>
                }
            })
        })
    };
    view! {
        <p role="status" class="mt-3 text-sm text-slate-700 dark:text-slate-300">{summary}</p>
        {lines}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{EntrySummary, Requirements};

    fn detail() -> EntryDetail {
        let param = |name: &str, default: &str| ParamSpec {
            name: name.into(),
            label: name.into(),
            help: String::new(),
            kind: ParamKind::Text {
                pattern_help: None,
                min_length: 1,
                max_length: None,
            },
            default: default.into(),
        };
        let version = |v: &str| ChangelogEntry {
            version: v.into(),
            date: "2026-01-01".into(),
            changes: vec![],
        };
        EntryDetail {
            summary: EntrySummary {
                name: "web".into(),
                title: "Web".into(),
                category: "apps".into(),
                summary: String::new(),
                version: "1.2.0".into(),
                keywords: vec![],
                addon: None,
                requires: Requirements::default(),
            },
            namespace: None,
            readme_html: String::new(),
            params: vec![param("name", "web"), param("host", "app.example.com")],
            before: vec![],
            changelog: vec![version("1.2.0"), version("1.1.0"), version("1.0.0")],
        }
    }

    #[test]
    fn the_query_round_trips_through_the_address() {
        let query = EntryQuery {
            version: "1.1.0".into(),
            compare: "1.0.0".into(),
            cluster: "ch-gva-2/abc".into(),
            values: [("name".to_string(), "my shop".to_string())].into(),
        };
        let href = query.href("web");
        assert_eq!(
            href,
            "/catalog/web?version=1.1.0&compare=1.0.0&cluster=ch-gva-2%2Fabc&p.name=my%20shop"
        );
        let (_, search) = href.split_once('?').unwrap();
        assert_eq!(EntryQuery::parse(search), query);
        assert_eq!(EntryQuery::default().href("web"), "/catalog/web");
    }

    #[test]
    fn a_checkbox_sent_twice_keeps_its_last_value() {
        let query = EntryQuery::parse("?p.tls=false&p.tls=true&version=1.0.0&version=1.1.0");
        assert_eq!(query.values["tls"], "true");
        assert_eq!(query.version, "1.1.0");
    }

    #[test]
    fn resolving_fills_defaults_and_picks_versions_that_exist() {
        let detail = detail();
        let resolved = EntryQuery::parse("p.name=shop&p.unknown=x").resolve(&detail);
        assert_eq!(resolved.version, "1.2.0", "current by default");
        assert_eq!(resolved.compare, "1.1.0", "the one before");
        assert_eq!(
            resolved.values,
            BTreeMap::from([
                ("host".to_string(), "app.example.com".to_string()),
                ("name".to_string(), "shop".to_string()),
            ])
        );
        let old = EntryQuery::parse("version=1.0.0&compare=1.0.0").resolve(&detail);
        assert_eq!(
            (old.version.as_str(), old.compare.as_str()),
            ("1.0.0", "1.2.0"),
            "the oldest is compared with the newest; never with itself"
        );
        let unknown = EntryQuery::parse("version=9.9.9&compare=0.1.0").resolve(&detail);
        assert_eq!(
            (unknown.version.as_str(), unknown.compare.as_str()),
            ("1.2.0", "1.1.0")
        );
        let mut single = detail;
        single.changelog.truncate(1);
        assert_eq!(EntryQuery::default().resolve(&single).compare, "");
    }

    #[test]
    fn only_well_formed_cluster_choices_are_used() {
        let with = |cluster: &str| EntryQuery {
            cluster: cluster.into(),
            ..EntryQuery::default()
        };
        assert_eq!(
            with("ch-gva-2/abc").cluster_key(),
            Some(("ch-gva-2".into(), "abc".into()))
        );
        assert_eq!(with("abc").cluster_key(), None);
        assert_eq!(with("/abc").cluster_key(), None);
    }
}
