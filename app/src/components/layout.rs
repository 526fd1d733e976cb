//! The frame around every page: header with the product name and theme toggle, primary
//! navigation, the page itself, and a footer with the version.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::components::icons::{ActivityIcon, CatalogIcon, ClustersIcon, LogoMark, SettingsIcon};
use crate::components::theme_toggle::ThemeToggle;
use crate::components::user_menu::AccountArea;

/// One entry of the primary navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavEntry {
    pub label: &'static str,
    pub href: &'static str,
}

/// The primary navigation, in order.
pub const NAV: [NavEntry; 4] = [
    NavEntry {
        label: "Clusters",
        href: "/clusters",
    },
    NavEntry {
        label: "Catalog",
        href: "/catalog",
    },
    NavEntry {
        label: "Activity",
        href: "/activity",
    },
    NavEntry {
        label: "Settings",
        href: "/settings",
    },
];

/// Whether the navigation entry `href` is the section the page at `path` belongs to. The home
/// page is the cluster list.
pub fn nav_active(path: &str, href: &str) -> bool {
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/clusters" } else { path };
    path == href
        || path
            .strip_prefix(href)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The page frame. `children` is the page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <div class="flex min-h-screen flex-col">
            <a
                href="#main"
                class="sr-only focus:not-sr-only focus:absolute focus:left-3 focus:top-3 focus:z-50 focus:rounded-md focus:bg-sky-700 focus:px-3 focus:py-2 focus:text-white"
            >
                "Skip to content"
            </a>
            <header class="sticky top-0 z-40 flex h-14 items-center gap-3 border-b border-slate-200 bg-white/90 px-4 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
                <a
                    href="/"
                    class="flex items-center gap-2 rounded-md font-semibold tracking-tight focus-visible:outline-2 focus-visible:outline-sky-500"
                >
                    <LogoMark/>
                    <span class="text-lg">"Capstan"</span>
                </a>
                <span class="hidden rounded-full border border-slate-200 px-2 py-0.5 text-xs text-slate-500 sm:inline dark:border-slate-700 dark:text-slate-400">
                    "Managed Kubernetes"
                </span>
                <div class="ml-auto flex items-center gap-4">
                    <AccountArea/>
                    <ThemeToggle/>
                </div>
            </header>
            <div class="flex flex-1 flex-col md:flex-row">
                <PrimaryNav/>
                <main id="main" tabindex="-1" class="min-w-0 flex-1 px-4 py-6 sm:px-8">
                    {children()}
                </main>
            </div>
            <Footer/>
        </div>
    }
}

/// The primary navigation: a sidebar on wide screens, a row of tabs on narrow ones.
#[component]
fn PrimaryNav() -> impl IntoView {
    let location = use_location();
    let entries = NAV
        .into_iter()
        .map(|entry| {
            let active = move || nav_active(&location.pathname.get(), entry.href);
            view! {
                <li>
                    <a
                        href=entry.href
                        aria-current=move || active().then_some("page")
                        class="flex items-center gap-3 whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 aria-[current=page]:bg-sky-50 aria-[current=page]:text-sky-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white dark:aria-[current=page]:bg-sky-950 dark:aria-[current=page]:text-sky-300"
                    >
                        {nav_icon(entry.label)}
                        <span>{entry.label}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav
            aria-label="Primary"
            class="border-b border-slate-200 bg-white px-2 py-2 md:w-56 md:shrink-0 md:border-b-0 md:border-r md:py-4 dark:border-slate-800 dark:bg-slate-900"
        >
            <ul class="flex gap-1 overflow-x-auto md:flex-col">{entries}</ul>
        </nav>
    }
}

fn nav_icon(label: &str) -> AnyView {
    match label {
        "Clusters" => view! { <ClustersIcon/> }.into_any(),
        "Catalog" => view! { <CatalogIcon/> }.into_any(),
        "Activity" => view! { <ActivityIcon/> }.into_any(),
        _ => view! { <SettingsIcon/> }.into_any(),
    }
}

/// The footer, with the portal's version.
#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="border-t border-slate-200 px-4 py-3 text-xs text-slate-500 sm:px-8 dark:border-slate-800 dark:text-slate-400">
            <div class="flex flex-wrap items-center gap-x-4 gap-y-1">
                <span>"Capstan " <span data-testid="version">{format!("v{}", crate::VERSION)}</span></span>
                <span>"Speaks the Exoscale API v2 (SKS)"</span>
            </div>
        </footer>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_page_belongs_to_clusters() {
        assert!(nav_active("/", "/clusters"));
        assert!(nav_active("", "/clusters"));
        assert!(!nav_active("/", "/catalog"));
    }

    #[test]
    fn sections_include_their_sub_pages_only() {
        assert!(nav_active("/clusters", "/clusters"));
        assert!(nav_active("/clusters/", "/clusters"));
        assert!(nav_active("/clusters/abc/nodepools", "/clusters"));
        assert!(!nav_active("/clustersx", "/clusters"));
        assert!(!nav_active("/settings", "/clusters"));
    }

    #[test]
    fn every_entry_is_reachable_and_distinct() {
        for (i, a) in NAV.iter().enumerate() {
            assert!(nav_active(a.href, a.href));
            for b in NAV.iter().skip(i + 1) {
                assert!(!nav_active(a.href, b.href), "{} vs {}", a.href, b.href);
            }
        }
    }
}
