//! The organization's audit log, filtered and paged.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};

/// Entries per page.
pub const PAGE: i64 = 50;

/// One audit log entry, as the Activity page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub user: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub operation_id: Option<String>,
    pub client_address: Option<String>,
}

/// A page of entries, newest first, and where the next (older) page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivitySlice {
    pub entries: Vec<ActivityEntry>,
    pub older_than: Option<i64>,
}

/// `YYYY-MM-DD` as Unix milliseconds at the start (or, with `end`, the end) of that UTC day.
pub fn day_ms(field: &str, value: &str, end: bool) -> Result<i64, FieldError> {
    let invalid = || FieldError::new(field, "Enter a date as YYYY-MM-DD.");
    let mut parts = value.trim().splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let (y, m, d): (i64, i64, i64) = (
        y.parse().map_err(|_| invalid())?,
        m.parse().map_err(|_| invalid())?,
        d.parse().map_err(|_| invalid())?,
    );
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return Err(invalid()),
    };
    if !(1970..=9999).contains(&y) || d < 1 || d > days_in_month {
        return Err(invalid());
    }
    // Days since 1970-01-01 (civil calendar, proleptic Gregorian).
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let start = days * 86_400_000;
    Ok(if end { start + 86_400_000 - 1 } else { start })
}

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
    use crate::ssr::accounts::AuditFilter;
    use crate::ssr::accounts::authz::Action;
    use crate::ssr::auth::{require, store_failure};

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
    let state = crate::ssr::app_state()?;
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
                at: crate::server_fns::portal::format_utc_ms(e.at),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_as_utc_day_bounds() {
        assert_eq!(day_ms("from", "1970-01-01", false), Ok(0));
        assert_eq!(day_ms("to", "1970-01-01", true), Ok(86_399_999));
        // 2026-11-27T00:00:00Z
        assert_eq!(day_ms("from", "2026-11-27", false), Ok(1_795_737_600_000));
        assert!(day_ms("from", "2024-02-29", false).is_ok());
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-1",
            "yesterday",
            "2026-04-31",
        ] {
            assert_eq!(
                day_ms("from", bad, false),
                Err(FieldError::new("from", "Enter a date as YYYY-MM-DD.")),
                "{bad}"
            );
        }
    }
}
