//! Keeping the browser's colour theme.

use leptos::prelude::*;

use crate::error::AppError;
use crate::theme::Theme;

/// Keeps the browser's colour theme choice (`system`, `light` or `dark`) in a cookie.
///
/// A per-browser preference: it needs no account and touches no stored data. Without
/// JavaScript the form posts here and the browser is sent back to the page it came from.
#[server(endpoint = "set_theme")]
pub async fn set_theme(theme: String) -> Result<Theme, AppError> {
    use crate::error::FieldError;
    use http::header::{HeaderValue, SET_COOKIE};

    let theme = Theme::parse(&theme).ok_or_else(|| AppError::Validation {
        fields: vec![FieldError::new(
            "theme",
            "must be one of: system, light, dark",
        )],
    })?;
    let cookie = HeaderValue::from_str(&theme.set_cookie_value())
        .map_err(|e| AppError::Internal(format!("theme cookie: {e}")))?;
    expect_context::<leptos_axum::ResponseOptions>().append_header(SET_COOKIE, cookie);
    Ok(theme)
}
