//! Form building blocks: a labelled field with its error, and the summary of a form's errors.
//! Errors come from the server function (the same rules run in the browser and the server)
//! and are tied to their field for screen readers.

use leptos::prelude::*;

use crate::error::AppError;

/// A labelled input. `error` gives the field's message, if the last submission was refused
/// for it.
#[component]
pub fn Field(
    /// The visible label.
    label: &'static str,
    /// The form field name (as the server function names its argument).
    name: &'static str,
    /// The input type: text, email, password…
    #[prop(default = "text")]
    kind: &'static str,
    /// The browser's autofill hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Help shown under the field.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The error for this field, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let described = format!("{id}-help {id}-error");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=true
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described
                class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-sky-500 focus:outline-2 focus:outline-sky-500 aria-[invalid=true]:border-red-500 dark:border-slate-700 dark:bg-slate-950"
            />
            {hint.map(|hint| view! {
                <p id=format!("{id}-help") class="text-xs text-slate-500 dark:text-slate-400">{hint}</p>
            })}
            <p id=format!("{id}-error") class="text-sm text-red-600 dark:text-red-400">
                {move || error.get()}
            </p>
        </div>
    }
}

/// The message for `field` in the last refusal, if any.
pub fn field_error(error: Option<AppError>, field: &str) -> Option<String> {
    error.and_then(|e| e.field(field).map(str::to_owned))
}

/// Everything wrong with the last submission, announced to screen readers.
#[component]
pub fn ErrorSummary(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let items = match &error {
                AppError::Validation { fields } => {
                    fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>()
                }
                other => vec![other.to_string()],
            };
            view! {
                <div
                    role="alert"
                    class="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
                >
                    <p class="font-medium">{error.title()}</p>
                    <ul class="mt-1 list-disc pl-5">
                        {items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

/// The card the sign-in and sign-up pages sit in.
#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section
            aria-labelledby="auth-title"
            class="mx-auto mt-10 max-w-md rounded-lg border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900"
        >
            <h1 id="auth-title" class="text-xl font-semibold tracking-tight">{title}</h1>
            <div class="mt-6">{children()}</div>
        </section>
    }
}
