//! The browser entry point: hydrates the server-rendered page with the app's components.

// The future that hydrates the whole app has the app's full view type inside.
#![recursion_limit = "256"]

use leptos::prelude::document;
use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the hydration script the server embeds in every page. A lazy page (see
/// `app::pages::lazy`) is hydrated once its wasm chunk has arrived; until then it works as it
/// does without JavaScript.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // Marks the document once the wasm has taken over the whole page, chunk included, for
        // people debugging and for tests that must wait for interactivity.
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("data-hydrated", "true");
        }
    });
}
