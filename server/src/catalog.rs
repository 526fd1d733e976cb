//! `GET /catalog/{name}/download`: an entry's manifests as a YAML file, for the download link
//! of the entry page (which works without JavaScript). The query carries the version and the
//! parameter values as the page's address does (`version=1.1.0&p.replicas=3`). Same session
//! and role check as the server functions; refused values answer 422 naming each field.

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use portal::Portal;
use portal::accounts::authz::Action;
use portal_types::catalog::{form_values, manifest_file_name, query_pairs};

/// `GET /catalog/{name}/download`.
pub async fn download(
    State(state): State<Portal>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let pairs = query_pairs(parts.uri.query().unwrap_or_default());
    if let Err(error) = state
        .authorize(&parts.headers, crate::peer(&parts), Action::Read)
        .await
    {
        return (error.status(), format!("{error}\n")).into_response();
    }
    let Some(entry) = state.catalog.get(&name) else {
        return (
            StatusCode::NOT_FOUND,
            format!("catalog entry {name} was not found\n"),
        )
            .into_response();
    };
    let version = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.as_str());
    let rendered = match entry.render(version, &form_values(&pairs)) {
        Ok(rendered) => rendered,
        Err(reason) if reason.contains(" has no version ") => {
            return (StatusCode::NOT_FOUND, format!("{reason}\n")).into_response();
        }
        Err(reason) => {
            tracing::error!(entry = name, %reason, "a catalog entry failed to render");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the catalog entry {name} could not be rendered\n"),
            )
                .into_response();
        }
    };
    if !rendered.errors.is_empty() {
        let lines: String = rendered
            .errors
            .iter()
            .map(|e| format!("{}: {}\n", e.field, e.message))
            .collect();
        return (StatusCode::UNPROCESSABLE_ENTITY, lines).into_response();
    }
    let file = manifest_file_name(&name, &rendered.version);
    (
        [
            (CONTENT_TYPE, "application/yaml; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        rendered.manifest,
    )
        .into_response()
}
