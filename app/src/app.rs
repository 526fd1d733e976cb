//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use crate::components::error_view::ErrorView;
use crate::components::layout::Layout;
use crate::components::theme_toggle::{ThemeContext, rendered_theme};
use crate::pages::clusters::list::ClustersPage;
use crate::pages::lazy::{
    AccountRoute, ActivityRoute, CatalogEntryRoute, CatalogRoute, ClusterAccessRoute,
    ClusterActivityRoute, ClusterDeleteRoute, ClusterDetailRoute, ClusterNewRoute,
    ClusterNodepoolsRoute, ClusterSettingsRoute, ClusterUpgradeRoute, InviteRoute,
    NodepoolDeleteRoute, NodepoolEditRoute, NodepoolNewRoute, NodepoolRecycleRoute,
    NodepoolScaleRoute, SettingsRoute, SignInRoute, SignUpRoute,
};
use crate::pages::not_found::NotFoundPage;

/// Sections of the portal that need a signed-in session (and their sub-pages). Signed-out
/// browsers asking for one are sent to the sign-in page by the server.
const SIGNED_IN_SECTIONS: [&str; 5] = [
    "/clusters",
    "/catalog",
    "/activity",
    "/settings",
    "/account",
];

/// Whether the page at `path` needs a signed-in session. Unknown addresses do not: they get
/// the 404 page.
pub fn requires_session(path: &str) -> bool {
    path == "/"
        || SIGNED_IN_SECTIONS.iter().any(|section| {
            path == *section
                || path
                    .strip_prefix(section)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// The whole HTML document, rendered on the server. The theme from the request's cookie is
/// written on `<html>` so the first paint already has the right colours; the inline scripts carry
/// the nonce the server chose for this page, which its Content-Security-Policy names.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ssr::security::use_page_nonce();
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
#[cfg(test)]
mod tests {
    use super::requires_session;

    #[test]
    fn portal_pages_need_a_session_and_the_rest_does_not() {
        for path in [
            "/",
            "/clusters",
            "/clusters/abc",
            "/settings",
            "/account",
            "/activity",
        ] {
            assert!(requires_session(path), "{path}");
        }
        for path in [
            "/sign-in",
            "/sign-up",
            "/invite/x",
            "/nope",
            "/clustersx",
            "/pkg/capstan.js",
        ] {
            assert!(!requires_session(path), "{path}");
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(ThemeContext(RwSignal::new(rendered_theme())));

    // Pages render whole before the first byte (SsrMode::Async): they read and work without
    // JavaScript (out-of-order streaming needs a script to put late parts in place), and an
    // error met while loading data sets the page's status (404, 403…) before it is sent.
    view! {
        <Title text="Capstan"/>
        <Router>
            <Layout>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=ClustersPage ssr=SsrMode::Async/>
                        <Route path=path!("/clusters") view=ClustersPage ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/new") view={Lazy::<ClusterNewRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id") view={Lazy::<ClusterDetailRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/access") view={Lazy::<ClusterAccessRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/activity") view={Lazy::<ClusterActivityRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/nodepools") view={Lazy::<ClusterNodepoolsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/nodepools/new") view={Lazy::<NodepoolNewRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/settings") view={Lazy::<ClusterSettingsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/upgrade") view={Lazy::<ClusterUpgradeRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/delete") view={Lazy::<ClusterDeleteRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/nodepools/:nodepool/delete") view={Lazy::<NodepoolDeleteRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/nodepools/:nodepool/edit") view={Lazy::<NodepoolEditRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/nodepools/:nodepool/recycle") view={Lazy::<NodepoolRecycleRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/clusters/:zone/:id/nodepools/:nodepool/scale") view={Lazy::<NodepoolScaleRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/catalog") view={Lazy::<CatalogRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/catalog/:name") view={Lazy::<CatalogEntryRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/activity") view={Lazy::<ActivityRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/sign-in") view={Lazy::<SignInRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/sign-up") view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async/>
                    </Routes>
                </ErrorBoundary>
            </Layout>
        </Router>
    }
}
