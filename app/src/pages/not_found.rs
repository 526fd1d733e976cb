//! The page for addresses that lead nowhere.

use leptos::prelude::*;
use leptos_meta::Title;

/// "Page not found", served with HTTP status 404.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Capstan"/>
        <section class="mx-auto mt-12 max-w-lg text-center">
            <p class="text-sm font-semibold text-sky-700 dark:text-sky-400">"404"</p>
            <h1 class="mt-2 text-2xl font-semibold tracking-tight">"Page not found"</h1>
            <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">
                "There is nothing at this address. It may have been mistyped, or what was here has been deleted."
            </p>
            <a
                href="/"
                class="mt-6 inline-block rounded-md bg-sky-700 px-4 py-2 text-sm font-medium text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500"
            >
                "Back to clusters"
            </a>
        </section>
    }
}
