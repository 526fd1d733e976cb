//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::error_view::ErrorView;
use crate::components::layout::Layout;
use crate::components::theme_toggle::{ThemeContext, rendered_theme};
use crate::pages::activity::ActivityPage;
use crate::pages::catalog::CatalogPage;
use crate::pages::clusters::ClustersPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::settings::SettingsPage;

/// The whole HTML document, rendered on the server. The theme from the request's cookie is
/// written on `<html>` so the first paint already has the right colours.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = rendered_theme();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme.as_str()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" id="leptos" href="/pkg/capstan.css"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

/// The application: layout and routes. Unknown paths render the 404 page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(ThemeContext(RwSignal::new(rendered_theme())));

    // Marks the document once the wasm has taken over, for people debugging and for tests that
    // must wait for interactivity. Effects never run on the server.
    Effect::new(move |_| {
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title text="Capstan"/>
        <Router>
            <Layout>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=ClustersPage/>
                        <Route path=path!("/clusters") view=ClustersPage/>
                        <Route path=path!("/catalog") view=CatalogPage/>
                        <Route path=path!("/activity") view=ActivityPage/>
                        <Route path=path!("/settings") view=SettingsPage/>
                    </Routes>
                </ErrorBoundary>
            </Layout>
        </Router>
    }
}
