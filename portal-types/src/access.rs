//! Access to a cluster, as the portal shows it: the Access tab (authorities, rotations, what the
//! caller may do), an issued kubeconfig, the lifetimes offered, and the pure rules for groups,
//! file names and rotations.

use serde::{Deserialize, Serialize};

/// Kubernetes' group with full control, which RBAC cannot restrict.
pub const MASTERS: &str = "system:masters";

/// `7 days`, `1 year`: a lifetime in hours as the form offers it.
pub fn hours_in_words(hours: i64) -> String {
    TTL_CHOICES.iter().find(|(h, _)| *h == hours).map_or_else(
        || format!("{hours} hours"),
        |(_, label)| (*label).to_owned(),
    )
}

/// Lifetimes offered for a kubeconfig, in hours (the service's default is 30 days); each role
/// is offered those up to [`crate::roles::Role::kubeconfig_max_hours`].
pub const TTL_CHOICES: [(i64, &str); 5] = [
    (1, "1 hour"),
    (24, "1 day"),
    (24 * 7, "7 days"),
    (24 * 30, "30 days"),
    (24 * 365, "1 year"),
];

/// A freshly issued kubeconfig.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedKubeconfig {
    /// A file name for the download, e.g. `web-prod-admin.kubeconfig`.
    pub file_name: String,
    /// The kubeconfig YAML.
    pub content: String,
    pub user: String,
    pub groups: Vec<String>,
    pub ttl_hours: i64,
}

/// One certificate authority of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityCert {
    /// `control-plane`, `aggregation` or `kubelet`.
    pub authority: String,
    /// What it signs, in a sentence.
    pub purpose: String,
    /// The PEM certificate (empty when it could not be fetched).
    pub pem: String,
}

/// A kubeconfig issued through the portal, as the Access tab lists it (never its key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedRecord {
    pub user: String,
    pub groups: Vec<String>,
    /// Who issued it, in words (`Ada <ada@example.com>`).
    pub issued_by: String,
    /// Unix ms.
    pub issued_at_ms: i64,
    pub expires_at_ms: i64,
}

/// Where an issued kubeconfig stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validity {
    Valid,
    /// Less than a quarter of its lifetime left, and less than a week.
    ExpiresSoon,
    Expired,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

impl IssuedRecord {
    /// Where it stands at `now_ms`.
    pub fn validity(&self, now_ms: i64) -> Validity {
        let left = self.expires_at_ms - now_ms;
        let lifetime = (self.expires_at_ms - self.issued_at_ms).max(1);
        if left <= 0 {
            Validity::Expired
        } else if left < (lifetime / 4).min(7 * DAY_MS) {
            Validity::ExpiresSoon
        } else {
            Validity::Valid
        }
    }

    /// "12 days left", "5 hours left", "expired".
    pub fn time_left(&self, now_ms: i64) -> String {
        let left = self.expires_at_ms - now_ms;
        if left <= 0 {
            "expired".into()
        } else if left >= DAY_MS {
            let days = left / DAY_MS;
            format!("{days} day{} left", if days == 1 { "" } else { "s" })
        } else {
            let hours = (left / 3_600_000).max(1);
            format!("{hours} hour{} left", if hours == 1 { "" } else { "s" })
        }
    }
}

/// A Unix time in ms as `2026-12-07 14:05 UTC`.
pub fn utc_text(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000);
    let (days, minute_of_day) = (minutes.div_euclid(1440), minutes.rem_euclid(1440));
    // Days since 1970-01-01 to a civil date (proleptic Gregorian), by 400-year eras.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// What the Access tab shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterAccess {
    pub name: String,
    pub state: String,
    pub endpoint: Option<String>,
    pub authorities: Vec<AuthorityCert>,
    /// Rotations this cluster supports: (`which` for `rotate_credentials`, label).
    pub rotations: Vec<(String, String)>,
    pub may_issue: bool,
    pub may_rotate: bool,
    /// The caller's role: the lifetimes and groups the form offers follow it.
    pub role: crate::roles::Role,
    /// The kubeconfigs issued through the portal for this cluster, newest first.
    #[serde(default)]
    pub issued: Vec<IssuedRecord>,
    /// When the list was read (Unix ms): what "days left" counts from.
    #[serde(default)]
    pub now_ms: i64,
}

/// Splits the groups field: commas or white space separate groups.
pub fn parse_groups(value: &str) -> Vec<String> {
    value
        .split([',', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A file name made of the cluster and user names, safe on every system.
pub fn kubeconfig_file_name(cluster: &str, user: &str) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!("{}-{}.kubeconfig", safe(cluster), safe(user))
}

/// Rotations by the add-ons they need: (`which`, label, add-on required).
pub const ROTATIONS: [(&str, &str, Option<&str>); 4] = [
    ("operators-ca", "Operators certificate authority", None),
    (
        "ccm",
        "Cloud controller credentials",
        Some("exoscale-cloud-controller"),
    ),
    (
        "csi",
        "Storage (CSI) credentials",
        Some("exoscale-container-storage-interface"),
    ),
    ("karpenter", "Karpenter credentials", Some("karpenter")),
];

/// The audit target prefix of a cluster (its own entries and its nodepools').
pub fn audit_target(zone: &str, id: &str) -> String {
    format!("cluster/{zone}/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_split_on_commas_and_spaces() {
        assert_eq!(
            parse_groups("system:masters, devs  ops\n"),
            ["system:masters", "devs", "ops"]
        );
        assert!(parse_groups(" , ").is_empty());
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(
            kubeconfig_file_name("web prod", "ann@example.com"),
            "web-prod-ann-example-com.kubeconfig"
        );
    }

    #[test]
    fn an_issued_kubeconfig_expires_soon_in_its_last_quarter_and_last_week() {
        let day = 24 * 3600 * 1000;
        let month = IssuedRecord {
            user: "ada".into(),
            groups: vec![],
            issued_by: "Ada".into(),
            issued_at_ms: 0,
            expires_at_ms: 30 * day,
        };
        assert_eq!(month.validity(10 * day), Validity::Valid);
        assert_eq!(month.validity(22 * day), Validity::Valid, "8 days left");
        assert_eq!(
            month.validity(24 * day),
            Validity::ExpiresSoon,
            "6 days left"
        );
        assert_eq!(month.validity(30 * day), Validity::Expired);
        assert_eq!(month.time_left(18 * day), "12 days left");
        assert_eq!(month.time_left(29 * day), "1 day left");
        let hour = IssuedRecord {
            expires_at_ms: 3_600_000,
            ..month.clone()
        };
        assert_eq!(
            hour.validity(1_000),
            Validity::Valid,
            "a short one is not always 'soon'"
        );
        assert_eq!(hour.validity(3_000_000), Validity::ExpiresSoon);
        assert_eq!(hour.time_left(3_000_000), "1 hour left");
    }

    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_text(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc_text(1_796_652_300_000), "2026-12-07 14:05 UTC");
        assert_eq!(utc_text(4_107_542_399_000), "2100-02-28 23:59 UTC");
    }
}
