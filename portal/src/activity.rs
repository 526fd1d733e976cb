//! An organization's audit log, filtered and paged, as the Activity page shows it.

use portal_types::activity::{ActivityEntry, ActivitySlice, PAGE, day_ms};
use portal_types::error::AppError;
use portal_types::roles::Role;

use crate::Portal;
use crate::accounts::AuditFilter;
use crate::auth::{Caller, store_failure};

/// The filters of the Activity page, as typed (blank means any).
#[derive(Debug, Clone, Default)]
pub struct ActivityQuery {
    pub user: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// A day, `YYYY-MM-DD` (from its start).
    pub from: Option<String>,
    /// A day, `YYYY-MM-DD` (to its end).
    pub to: Option<String>,
    /// The page after the entry with this id.
    pub before: Option<i64>,
}

/// `caller`'s organization's audit entries matching `query`, newest first, a page at a time.
/// Key ids are for owners' eyes and client addresses for admins'.
pub async fn list(
    portal: &Portal,
    caller: &Caller,
    query: ActivityQuery,
) -> Result<ActivitySlice, AppError> {
    let org = caller.org_id()?;
    let role = caller.org()?.role;
    let ActivityQuery {
        user,
        action,
        target,
        from,
        to,
        before,
    } = query;
    let owner = role == Role::Owner;
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
    let mut entries = portal
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
                at: crate::utc_rfc3339(e.at),
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
                client_address: e.client_address.filter(|_| role >= Role::Admin),
            })
            .collect(),
        older_than,
    })
}
