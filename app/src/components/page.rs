//! Building blocks shared by pages: the title block, the frame of what loads, and the notice
//! for unfinished pages.

use leptos::prelude::*;

use crate::components::error_view::ErrorView;

/// A page's title, one-line description and (optionally) its main actions.
#[component]
pub fn PageHeader(
    /// The page's `h1`.
    title: &'static str,
    /// One sentence saying what the page is for.
    description: &'static str,
    /// Buttons or links at the right of the title.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{description}</p>
            </div>
            {children.map(|c| view! { <div class="flex gap-2">{c()}</div> })}
        </div>
    }
}

/// Says plainly that a page is not built yet, and what it will hold.
#[component]
pub fn Placeholder(
    /// What the finished page will let people do, one item per line.
    upcoming: &'static [&'static str],
) -> impl IntoView {
    view! {
        <section
            aria-labelledby="placeholder-title"
            class="rounded-lg border border-dashed border-slate-300 bg-white p-6 dark:border-slate-700 dark:bg-slate-900"
        >
            <p class="text-xs font-semibold uppercase tracking-wide text-amber-700 dark:text-amber-400">
                "Placeholder"
            </p>
            <h2 id="placeholder-title" class="mt-1 text-base font-semibold">
                "This page is not built yet"
            </h2>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                "It is part of the portal's plan. When finished, it will let you:"
            </p>
            <ul class="mt-3 list-disc space-y-1 pl-5 text-sm text-slate-700 dark:text-slate-300">
                {upcoming.iter().map(|item| view! { <li>{*item}</li> }).collect_view()}
            </ul>
        </section>
    }
}

/// The frame of everything that loads: `loading` until the data first arrives, the content
/// kept in place while newer data loads (a `Transition`, so nothing flickers back to
/// "Loading…"), and the error page ([`ErrorView`], which also sets the HTTP status) instead of
/// the content when loading failed. The children read the page's resources inside a `Suspend`.
#[component]
pub fn Loaded(
    /// What the placeholder says while the data first loads.
    #[prop(default = "Loading…")]
    loading: &'static str,
    /// Inside a card, under its heading: the placeholder keeps its distance from the heading.
    #[prop(optional)]
    in_card: bool,
    children: Children,
) -> impl IntoView {
    let placeholder = if in_card {
        "mt-3 text-sm text-slate-500 dark:text-slate-400"
    } else {
        "text-sm text-slate-500 dark:text-slate-400"
    };
    view! {
        <Transition fallback=move || view! { <p class=placeholder>{loading}</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>{children()}</ErrorBoundary>
        </Transition>
    }
}
