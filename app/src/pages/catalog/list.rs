//! `/catalog`: every entry as a card, with a search box and category filters. The list is
//! driven by the address (`?q=…&category=…`): without JavaScript the form is a plain GET; with
//! it, typing and picking a category rewrite the address in place and the list follows.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::{Debounce, EntryBadges, LINK, PANEL, TYPING_PAUSE, in_place};
use crate::catalog::CatalogList;
use crate::catalog::{CATEGORIES, EntrySummary, category_label, encode};
use crate::components::page::{Loaded, PageHeader};
use crate::components::style::{INPUT, QUIET_BUTTON};
use crate::server_fns::catalog::list_catalog;

/// The address of the list for a search (`q` trimmed; empty parts left out).
pub fn list_href(q: &str, category: &str) -> String {
    let mut params = Vec::new();
    if !q.trim().is_empty() {
        params.push(format!("q={}", encode(q.trim())));
    }
    if !category.is_empty() {
        params.push(format!("category={}", encode(category)));
    }
    if params.is_empty() {
        "/catalog".into()
    } else {
        format!("/catalog?{}", params.join("&"))
    }
}

/// The catalog's list page.
#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let search = Memo::new(move |_| {
        let query = query.read();
        (
            query.get("q").unwrap_or_default(),
            query.get("category").unwrap_or_default(),
        )
    });
    let list = Resource::new(
        move || search.get(),
        |(q, category)| list_catalog(q, category),
    );
    // What the form shows; the address follows it (after a pause when typing).
    let (q0, category0) = search.get_untracked();
    let q = RwSignal::new(q0);
    let category = RwSignal::new(category0);
    let navigate = use_navigate();
    let debounce = Debounce::new();
    let follow = move || {
        debounce.cancel();
        let href = list_href(&q.get_untracked(), &category.get_untracked());
        navigate(&href, in_place());
    };
    let follow_later = {
        let follow = follow.clone();
        move || debounce.call(TYPING_PAUSE, follow.clone())
    };
    // "Clear the search" is a link (it works without JavaScript); the form follows it.
    let clear = Callback::new(move |()| {
        q.set(String::new());
        category.set(String::new());
    });
    view! {
        <Title text="Catalog · Capstan"/>
        <PageHeader
            title="Catalog"
            description="Blueprints and add-ons that make a new cluster useful in minutes: fill in a few values, then apply the manifests."
        />
        <form
            method="get"
            action="/catalog"
            role="search"
            class=format!("{PANEL} mb-4 space-y-3")
            on:submit={
                let follow = follow.clone();
                move |ev| {
                    ev.prevent_default();
                    follow();
                }
            }
        >
            <div class="flex flex-wrap items-end gap-2">
                <div class="min-w-64 flex-1">
                    <label for="catalog-q" class="block text-sm font-medium">"Search the catalog"</label>
                    <input
                        id="catalog-q"
                        name="q"
                        type="search"
                        autocomplete="off"
                        placeholder="ingress, tls, backup, gpu…"
                        class=INPUT
                        value=q.get_untracked()
                        prop:value=move || q.get()
                        on:input=move |ev| {
                            q.set(event_target_value(&ev));
                            follow_later();
                        }
                    />
                </div>
                <button type="submit" class=QUIET_BUTTON>"Search"</button>
            </div>
            <fieldset>
                <legend class="text-sm font-medium">"Category"</legend>
                <div class="mt-1 flex flex-wrap gap-2">
                    {std::iter::once(("", "All")).chain(CATEGORIES.iter().copied()).map(|(id, label)| {
                        let follow = follow.clone();
                        view! {
                            <label class="cursor-pointer rounded-full border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 has-checked:border-sky-600 has-checked:bg-sky-700 has-checked:text-white has-focus-visible:outline-2 has-focus-visible:outline-offset-2 has-focus-visible:outline-sky-500 dark:border-slate-700 dark:hover:bg-slate-800 dark:has-checked:bg-sky-700">
                                <input
                                    type="radio"
                                    name="category"
                                    value=id
                                    class="sr-only"
                                    checked=category.get_untracked() == id
                                    prop:checked=move || category.get() == id
                                    on:change=move |_| {
                                        category.set(id.to_string());
                                        follow();
                                    }
                                />
                                {label}
                            </label>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
        </form>
        <Loaded loading="Loading the catalog…">
            {move || Suspend::new(async move {
                let (q, category) = search.get();
                list.await.map(|list| view! { <Results list q category clear/> })
            })}
        </Loaded>
    }
}

/// The count, the cards, or why there are none.
#[component]
fn Results(
    list: CatalogList,
    q: String,
    category: String,
    /// Empties the form when "clear the search" is followed.
    clear: Callback<()>,
) -> impl IntoView {
    let count = format!("{} of {} entries", list.entries.len(), list.total);
    if list.entries.is_empty() {
        let what = match (q.trim().is_empty(), category.is_empty()) {
            (false, true) => format!("“{}”", q.trim()),
            (true, false) => format!("the {} category", category_label(&category)),
            (false, false) => format!("“{}” in {}", q.trim(), category_label(&category)),
            (true, true) => "an empty search".into(),
        };
        return view! {
            <p role="status" class="mb-2 text-sm text-slate-600 dark:text-slate-400">{count}</p>
            <section class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center dark:border-slate-700 dark:bg-slate-900">
                <h2 class="text-base font-semibold">{format!("No entry matches {what}")}</h2>
                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                    "Try fewer or other words, or "
                    <a href="/catalog" class=LINK on:click=move |_| clear.run(())>"clear the search"</a>
                    "."
                </p>
            </section>
        }
        .into_any();
    }
    view! {
        <p role="status" class="mb-2 text-sm text-slate-600 dark:text-slate-400">{count}</p>
        <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Catalog entries">
            {list.entries.into_iter().map(|entry| view! { <EntryCard entry/> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// One entry as a card: its title links to its page.
#[component]
fn EntryCard(entry: EntrySummary) -> impl IntoView {
    let href = format!("/catalog/{}", entry.name);
    let heading = format!("entry-{}", entry.name);
    let labelled_by = heading.clone();
    view! {
        <li>
            <article aria-labelledby=labelled_by class=format!("{PANEL} flex h-full flex-col gap-3")>
                <h2 id=heading class="text-base font-semibold">
                    <a href=href class=LINK>{entry.title.clone()}</a>
                </h2>
                <p class="flex-1 text-sm text-slate-600 dark:text-slate-400">{entry.summary.clone()}</p>
                <EntryBadges entry/>
            </article>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::list_href;

    #[test]
    fn list_addresses_leave_out_empty_parts() {
        assert_eq!(list_href("", ""), "/catalog");
        assert_eq!(list_href("  web app ", ""), "/catalog?q=web%20app");
        assert_eq!(list_href("", "apps"), "/catalog?category=apps");
        assert_eq!(
            list_href("tls", "security"),
            "/catalog?q=tls&category=security"
        );
    }
}
