//! Pages whose browser code is left out of the main wasm bundle: `cargo leptos build --split`
//! moves each `view` below (and the code only it reaches) into a chunk of its own under
//! `/pkg`, fetched the first time the page is shown. The first load of any page carries the
//! shell plus that page, not every page of the portal.
//!
//! Invariants: the site must be built with `--split` (without it the bundle imports a
//! `__wasm_split` module that does not exist), and the browser must hydrate asynchronously
//! (`frontend` does), waiting for the page's chunk before taking over the server's HTML. On
//! the server the views run in place; the server only notes which chunks the page needs and
//! links them as preloads in `<head>`, so the chunk downloads alongside the main bundle.
//!
//! The pages load their data themselves (resources inside the page), so `data()` is empty:
//! on a first load the data comes with the HTML, and on a client-side navigation the chunk
//! (tens of kB up to two hundred gzipped, cached after the first time) comes before the data
//! request.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::pages::account::AccountPage;
use crate::pages::activity::ActivityPage;
use crate::pages::auth::{SignInPage, SignUpPage};
use crate::pages::catalog::entry::CatalogEntryPage;
use crate::pages::catalog::list::CatalogPage;
use crate::pages::clusters::access::ClusterAccessPage;
use crate::pages::clusters::activity::ClusterActivityPage;
use crate::pages::clusters::delete::ClusterDeletePage;
use crate::pages::clusters::detail::ClusterDetailPage;
use crate::pages::clusters::new::ClusterNewPage;
use crate::pages::clusters::nodepool_delete::NodepoolDeletePage;
use crate::pages::clusters::nodepool_edit::NodepoolEditPage;
use crate::pages::clusters::nodepool_new::NodepoolNewPage;
use crate::pages::clusters::nodepool_recycle::NodepoolRecyclePage;
use crate::pages::clusters::nodepools::ClusterNodepoolsPage;
use crate::pages::clusters::scale::NodepoolScalePage;
use crate::pages::clusters::settings::ClusterSettingsPage;
use crate::pages::clusters::upgrade::ClusterUpgradePage;
use crate::pages::invite::InvitePage;
use crate::pages::settings::SettingsPage;

/// One route type per page: `Lazy::<Route>::new()` in the route table shows `page`.
macro_rules! lazy_pages {
    ($($(#[$doc:meta])* $route:ident => $page:ident;)*) => {$(
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_route: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    /// `/clusters/{zone}/{id}`.
    ClusterDetailRoute => ClusterDetailPage;
    /// `/clusters/new`, the wizard.
    ClusterNewRoute => ClusterNewPage;
    /// `/clusters/{zone}/{id}/access`.
    ClusterAccessRoute => ClusterAccessPage;
    /// `/clusters/{zone}/{id}/activity`.
    ClusterActivityRoute => ClusterActivityPage;
    /// `/clusters/{zone}/{id}/nodepools`.
    ClusterNodepoolsRoute => ClusterNodepoolsPage;
    /// `/clusters/{zone}/{id}/nodepools/new`.
    NodepoolNewRoute => NodepoolNewPage;
    /// `/clusters/{zone}/{id}/nodepools/{nodepool}/delete`.
    NodepoolDeleteRoute => NodepoolDeletePage;
    /// `/clusters/{zone}/{id}/nodepools/{nodepool}/edit`.
    NodepoolEditRoute => NodepoolEditPage;
    /// `/clusters/{zone}/{id}/nodepools/{nodepool}/recycle`.
    NodepoolRecycleRoute => NodepoolRecyclePage;
    /// `/clusters/{zone}/{id}/settings`.
    ClusterSettingsRoute => ClusterSettingsPage;
    /// `/clusters/{zone}/{id}/upgrade`.
    ClusterUpgradeRoute => ClusterUpgradePage;
    /// `/clusters/{zone}/{id}/delete`.
    ClusterDeleteRoute => ClusterDeletePage;
    /// `/clusters/{zone}/{id}/nodepools/{nodepool}/scale`.
    NodepoolScaleRoute => NodepoolScalePage;
    /// `/catalog`.
    CatalogRoute => CatalogPage;
    /// `/catalog/{name}`.
    CatalogEntryRoute => CatalogEntryPage;
    /// `/activity`.
    ActivityRoute => ActivityPage;
    /// `/settings`.
    SettingsRoute => SettingsPage;
    /// `/account`.
    AccountRoute => AccountPage;
    /// `/sign-in`.
    SignInRoute => SignInPage;
    /// `/sign-up`.
    SignUpRoute => SignUpPage;
    /// `/invite/{token}`.
    InviteRoute => InvitePage;
}
