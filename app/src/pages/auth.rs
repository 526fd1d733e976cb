//! Signing in and creating an account. These are plain HTML forms (with or without
//! JavaScript): a sign-in changes everything on the page, so the browser loads it anew.

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::forms::{AuthCard, ErrorSummary, Field, field_error};
use crate::server_fns::auth::{SignIn, SignUp};

use crate::components::style::LARGE_BUTTON;

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    // Reads the refusal of the last (JavaScript-free) submission, passed back in the address.
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <Title text="Sign in · Capstan"/>
        <AuthCard title="Sign in to Capstan">
            <form method="post" action=SignIn::PATH class="space-y-4">
                <input type="hidden" name="next" value=next/>
                <ErrorSummary error/>
                <Field
                    label="Email"
                    name="email"
                    kind="email"
                    autocomplete="username"
                    error=Signal::derive(move || field_error(error.get(), "email"))
                />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error=Signal::derive(move || field_error(error.get(), "password"))
                />
                <button type="submit" class=format!("w-full {LARGE_BUTTON}")>"Sign in"</button>
            </form>
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-400">
                "No account yet? "
                <a class="font-medium text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400" href="/sign-up">
                    "Create one"
                </a>
            </p>
        </AuthCard>
    }
}

/// The sign-up page; `?invitation=TOKEN` joins the organization that sent the link, and
/// `?bootstrap=TOKEN` (the link the portal logs at start when it listens beyond loopback)
/// creates the first account.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let query = use_query_map();
    let invitation = move || query.read().get("invitation").unwrap_or_default();
    let invited = move || !invitation().is_empty();
    let bootstrap = move || query.read().get("bootstrap").unwrap_or_default();
    view! {
        <Title text="Create an account · Capstan"/>
        <AuthCard title="Create your Capstan account">
            <Show when=invited>
                <p class="mb-4 rounded-md bg-sky-50 p-3 text-sm text-sky-900 dark:bg-sky-950 dark:text-sky-100">
                    "You were invited to an organization. Your account joins it once created."
                </p>
            </Show>
            <form method="post" action=SignUp::PATH class="space-y-4">
                <input type="hidden" name="invitation" value=invitation/>
                <input type="hidden" name="bootstrap" value=bootstrap/>
                <ErrorSummary error/>
                <Field
                    label="Name"
                    name="name"
                    autocomplete="name"
                    error=Signal::derive(move || field_error(error.get(), "name"))
                />
                <Field
                    label="Email"
                    name="email"
                    kind="email"
                    autocomplete="email"
                    error=Signal::derive(move || field_error(error.get(), "email"))
                />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 10 characters."
                    error=Signal::derive(move || field_error(error.get(), "password"))
                />
                <button type="submit" class=format!("w-full {LARGE_BUTTON}")>"Create account"</button>
            </form>
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-400">
                "Already have an account? "
                <a class="font-medium text-sky-700 underline underline-offset-2 hover:decoration-2 dark:text-sky-400" href="/sign-in">
                    "Sign in"
                </a>
            </p>
        </AuthCard>
    }
}
