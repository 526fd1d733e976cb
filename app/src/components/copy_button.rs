//! A button that copies a text to the clipboard. It needs JavaScript, so it appears only once
//! the page is hydrated: without JavaScript the text stays selectable and nothing is a dead
//! button.

use std::time::Duration;

use leptos::prelude::*;

/// How long "Copied" shows before the button reads its label again.
const FEEDBACK: Duration = Duration::from_secs(2);

/// What the last copy did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copy {
    Idle,
    Done,
    Failed,
}

/// Copies `text` (as it is when clicked) and says so.
#[component]
pub fn CopyButton(
    /// What is copied, said to screen readers after "Copy": "the manifests".
    what: &'static str,
    #[prop(into)] text: Signal<String>,
    /// The button's classes.
    class: &'static str,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser, once hydrated.
    Effect::new(move |_| hydrated.set(true));
    let state = RwSignal::new(Copy::Idle);
    let copy = move |_| {
        let text = text.get_untracked();
        leptos::task::spawn_local(async move {
            let copied = write_clipboard(text).await;
            state.set(if copied { Copy::Done } else { Copy::Failed });
            set_timeout(move || state.set(Copy::Idle), FEEDBACK);
        });
    };
    move || {
        hydrated.get().then(|| {
            view! {
                <button type="button" class=class on:click=copy>
                    {move || match state.get() {
                        Copy::Idle => view! { "Copy"<span class="sr-only">" "{what}</span> }.into_any(),
                        Copy::Done => "Copied".into_any(),
                        Copy::Failed => "Copy failed: select the text".into_any(),
                    }}
                </button>
            }
        })
    }
}

/// Writes `text` to the clipboard; `false` when the browser refuses (no clipboard outside
/// secure pages, or permission denied).
#[cfg(feature = "hydrate")]
async fn write_clipboard(text: String) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = window.navigator().clipboard();
    if clipboard.is_undefined() {
        return false;
    }
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
        .await
        .is_ok()
}

#[cfg(not(feature = "hydrate"))]
async fn write_clipboard(_text: String) -> bool {
    false
}
