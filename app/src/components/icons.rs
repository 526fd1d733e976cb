//! Small inline SVG icons drawn for Capstan. Decorative: hidden from screen readers, so the
//! element that carries one must also carry text or an accessible label.

use leptos::prelude::*;

/// Common attributes of a 20×20 stroked icon.
#[component]
fn Svg(children: Children, #[prop(optional, into)] class: String) -> impl IntoView {
    let class = if class.is_empty() {
        "h-5 w-5".to_owned()
    } else {
        class
    };
    view! {
        <svg
            class=class
            viewBox="0 0 20 20"
            fill="none"
            stroke="currentColor"
            stroke-width="1.6"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
        >
            {children()}
        </svg>
    }
}

/// The Capstan mark: a winch drum seen from above, with its bars.
#[component]
pub fn LogoMark() -> impl IntoView {
    view! {
        <Svg class="h-7 w-7 text-sky-500">
            <circle cx="10" cy="10" r="4.2"></circle>
            <circle cx="10" cy="10" r="1.4" fill="currentColor"></circle>
            <path d="M10 1.5v4.3M10 14.2v4.3M1.5 10h4.3M14.2 10h4.3"></path>
        </Svg>
    }
}

/// Clusters: three nodes joined.
#[component]
pub fn ClustersIcon() -> impl IntoView {
    view! {
        <Svg>
            <rect x="2.5" y="2.5" width="6" height="6" rx="1.2"></rect>
            <rect x="11.5" y="2.5" width="6" height="6" rx="1.2"></rect>
            <rect x="7" y="11.5" width="6" height="6" rx="1.2"></rect>
            <path d="M5.5 8.5v1.5h9V8.5M10 10v1.5"></path>
        </Svg>
    }
}

/// Catalog: a shelf of entries.
#[component]
pub fn CatalogIcon() -> impl IntoView {
    view! {
        <Svg>
            <path d="M3 3.5h4v13H3zM8.5 3.5h4v13h-4z"></path>
            <path d="M14 4.2l3.2 .9-3 11.6-3.2-.9"></path>
        </Svg>
    }
}

/// Activity: a pulse line.
#[component]
pub fn ActivityIcon() -> impl IntoView {
    view! {
        <Svg>
            <path d="M1.5 10h3.5l2-5 3.5 10 2.2-6.5 1.3 1.5h4.5"></path>
        </Svg>
    }
}

/// Settings: three sliders.
#[component]
pub fn SettingsIcon() -> impl IntoView {
    view! {
        <Svg>
            <path d="M3 5h14M3 10h14M3 15h14"></path>
            <circle cx="7" cy="5" r="1.8" fill="currentColor"></circle>
            <circle cx="13" cy="10" r="1.8" fill="currentColor"></circle>
            <circle cx="9" cy="15" r="1.8" fill="currentColor"></circle>
        </Svg>
    }
}

/// A monitor: follow the system theme.
#[component]
pub fn SystemIcon() -> impl IntoView {
    view! {
        <Svg class="h-4 w-4">
            <rect x="2.5" y="3.5" width="15" height="10" rx="1.5"></rect>
            <path d="M7 17h6M10 13.5V17"></path>
        </Svg>
    }
}

/// A sun: light theme.
#[component]
pub fn SunIcon() -> impl IntoView {
    view! {
        <Svg class="h-4 w-4">
            <circle cx="10" cy="10" r="3.3"></circle>
            <path d="M10 1.8v2M10 16.2v2M1.8 10h2M16.2 10h2M4.2 4.2l1.4 1.4M14.4 14.4l1.4 1.4M4.2 15.8l1.4-1.4M14.4 5.6l1.4-1.4"></path>
        </Svg>
    }
}

/// A crescent moon: dark theme.
#[component]
pub fn MoonIcon() -> impl IntoView {
    view! {
        <Svg class="h-4 w-4">
            <path d="M16.5 12.2A7 7 0 0 1 7.8 3.5a7 7 0 1 0 8.7 8.7z"></path>
        </Svg>
    }
}

/// A triangle with an exclamation mark: something needs attention.
#[component]
pub fn WarningIcon() -> impl IntoView {
    view! {
        <Svg class="h-6 w-6">
            <path d="M10 2.5l8 14H2z"></path>
            <path d="M10 8v3.5M10 14h.01"></path>
        </Svg>
    }
}
