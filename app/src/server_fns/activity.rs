//! The organization's audit log, filtered and paged.

use leptos::prelude::*;

use crate::activity::ActivitySlice;
#[cfg(feature = "ssr")]
use crate::activity::{ActivityEntry, PAGE, day_ms};
use crate::error::AppError;

/// The organization's audit entries matching the filters, newest first, a page at a time.
#[server(endpoint = "list_activity")]
pub async fn list_activity(
    user: Option<String>,
    action: Option<String>,
    target: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<ActivitySlice, AppError> {
    use crate::ssr::auth::require;
    use portal::accounts::AuditFilter;
    use portal::accounts::authz::Action;
    use portal::auth::store_failure;

    let caller = require(Action::Read).await?;
    let (org, _, role) = caller.org()?;
    let owner = role == crate::roles::Role::Owner;
    let blank = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut errors = Vec::new();
    let mut day = |field: &str, value: Option<String>, end: bool| match blank(value) {
        Some(value) => match day_ms(field, &value, end) {
            Ok(ms) => Some(ms),
            Err(error) => {
                errors.push(error);
                None
            }
        },
        None => None,
    };
    let from_ms = day("from", from, false);
    let to_ms = day("to", to, true);
    if !errors.is_empty() {
        return Err(AppError::Validation { fields: errors });
    }
    let filter = AuditFilter {
        user_email: blank(user),
        action: blank(action),
        target: blank(target),
        from_ms,
        to_ms,
        before_id: before,
    };
    let state = crate::ssr::portal()?;
    let mut entries = state
        .accounts
        .audit(org, &filter, PAGE + 1)
        .await
        .map_err(store_failure)?;
    let more = entries.len() as i64 > PAGE;
    entries.truncate(PAGE as usize);
    let older_than = more.then(|| entries.last().map(|e| e.id)).flatten();
    Ok(ActivitySlice {
        entries: entries
            .into_iter()
            .map(|e| ActivityEntry {
                id: e.id,
                at: portal::utc_rfc3339(e.at),
                user: e.user_email,
                // An Exoscale API key id is for owners' eyes, as on the credentials card.
                target: if e.action == "credentials.set"
                    && !owner
                    && e.target.as_deref() != Some("local orchestrator")
                {
                    Some("an Exoscale API key (shown to owners)".to_owned())
                } else {
                    e.target
                },
                action: e.action,
                outcome: e.outcome,
                operation_id: e.operation_id,
                // Where members connect from is for those who manage them.
                client_address: e
                    .client_address
                    .filter(|_| role >= crate::roles::Role::Admin),
            })
            .collect(),
        older_than,
    })
}
