//! What both benches need: reading a sign-up's answer.

use anyhow::{Context as _, ensure};
use http::{HeaderMap, StatusCode, header};

/// The session cookie (`capstan_session=…`) a plain-form sign-up answered with its redirect.
pub fn signed_up_session(status: StatusCode, headers: &HeaderMap) -> anyhow::Result<String> {
    ensure!(status == StatusCode::FOUND, "signing up answered {status}");
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("capstan_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .context("signing up sets the session cookie")
}
