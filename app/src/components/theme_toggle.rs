//! The theme switch in the header: System, Light, Dark.
//!
//! It is a form of three submit buttons posting to [`SetTheme`], so it works before the wasm
//! arrives and with JavaScript off (the server sets the cookie and sends the browser back).
//! Once hydrated, the change applies at once without a reload.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::components::icons::{MoonIcon, SunIcon, SystemIcon};
use crate::server_fns::theme::SetTheme;
use crate::theme::Theme;

/// The current theme, shared by the toggle and anything else that wants to know it.
#[derive(Clone, Copy)]
pub struct ThemeContext(pub RwSignal<Theme>);

/// The theme the page was rendered with: the request's cookie on the server, and on the client
/// the `data-theme` attribute the server wrote, so hydration sees the same value.
pub fn rendered_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        crate::ssr::request_theme()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("data-theme"))
            .and_then(|value| Theme::parse(&value))
            .unwrap_or_default()
    }
}

/// The three-way theme switch.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let ThemeContext(theme) = expect_context::<ThemeContext>();
    let action = ServerAction::<SetTheme>::new();

    // Apply a confirmed choice to the page; the cookie keeps it for the next load.
    Effect::new(move |_| {
        if let Some(Ok(chosen)) = action.value().get() {
            theme.set(chosen);
            if let Some(html) = document().document_element() {
                let _ = html.set_attribute("data-theme", chosen.as_str());
            }
        }
    });

    let buttons = Theme::ALL
        .into_iter()
        .map(|choice| {
            let icon = match choice {
                Theme::System => view! { <SystemIcon/> }.into_any(),
                Theme::Light => view! { <SunIcon/> }.into_any(),
                Theme::Dark => view! { <MoonIcon/> }.into_any(),
            };
            view! {
                <button
                    type="submit"
                    name="theme"
                    value=choice.as_str()
                    title=format!("{} theme", choice.label())
                    aria-pressed=move || (theme.get() == choice).to_string()
                    class="flex h-7 w-8 items-center justify-center rounded text-slate-500 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 aria-pressed:bg-white aria-pressed:text-slate-900 aria-pressed:shadow-sm dark:text-slate-400 dark:hover:text-white dark:aria-pressed:bg-slate-700 dark:aria-pressed:text-white"
                >
                    {icon}
                    <span class="sr-only">{choice.label()}</span>
                </button>
            }
        })
        .collect_view();

    view! {
        <ActionForm action=action>
            <div
                role="group"
                aria-label="Colour theme"
                class="flex items-center gap-0.5 rounded-md border border-slate-200 bg-slate-100 p-0.5 dark:border-slate-700 dark:bg-slate-800"
            >
                {buttons}
            </div>
        </ActionForm>
    }
}
