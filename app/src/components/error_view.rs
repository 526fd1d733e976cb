//! How an error is shown to a person: what happened, and what to do next. On the server it
//! also sets the response's HTTP status, so an error page is never served as 200.

use leptos::prelude::*;

use crate::components::icons::WarningIcon;
use crate::error::AppError;

/// The errors caught by an `ErrorBoundary`, shown as an error page.
#[component]
pub fn ErrorView(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let app_errors = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| {
                error
                    .downcast_ref::<AppError>()
                    .cloned()
                    .unwrap_or_else(|| AppError::Internal(error.to_string()))
            })
            .collect::<Vec<_>>()
    };

    #[cfg(feature = "ssr")]
    {
        if let (Some(first), Some(response)) = (
            app_errors().first(),
            use_context::<leptos_axum::ResponseOptions>(),
        ) {
            response.set_status(first.status());
        }
    }

    view! {
        <section
            role="alert"
            class="mx-auto mt-8 max-w-xl rounded-lg border border-red-200 bg-white p-6 dark:border-red-900 dark:bg-slate-900"
        >
            <For
                each=app_errors
                key=|error| error.to_string()
                children=|error: AppError| {
                    view! {
                        <div class="flex gap-3">
                            <span class="text-red-600 dark:text-red-400">
                                <WarningIcon/>
                            </span>
                            <div>
                                <h1 class="text-lg font-semibold">{error.title()}</h1>
                                <p class="mt-1 text-sm text-slate-700 dark:text-slate-300">
                                    {error.to_string()}
                                </p>
                                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                                    {error.advice()}
                                </p>
                            </div>
                        </div>
                    }
                }
            />
            <div class="mt-5 flex gap-3 text-sm">
                <a
                    href="/"
                    class="rounded-md bg-sky-700 px-3 py-1.5 font-medium text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500"
                >
                    "Go to clusters"
                </a>
            </div>
        </section>
    }
}
