//! The organization's audit log as the Activity page shows it: entries, a page of them, and
//! the reading of the date filters.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

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
