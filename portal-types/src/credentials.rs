//! The organization's orchestration credentials as the settings page shows them (never the
//! secret), and the checks on an Exoscale key, secret and zone list.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// What the settings page shows about the credentials (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsView {
    /// `embedded` or `exoscale`.
    pub kind: String,
    /// The API key, for owners only.
    pub api_key: Option<String>,
    pub zones: Vec<String>,
    /// When they were last set (RFC 3339, UTC).
    pub updated_at: String,
    /// Whether the viewer may change them.
    pub can_change: bool,
}

/// The checks on an Exoscale key, secret and zone list; the zones parsed.
pub fn credential_errors(
    api_key: &str,
    api_secret: &str,
    zones: &str,
) -> (Vec<FieldError>, Vec<String>) {
    let mut errors = Vec::new();
    let key = api_key.trim();
    let key_ok = key.len() >= 10
        && key.len() <= 64
        && key.starts_with("EXO")
        && key.chars().all(|c| c.is_ascii_alphanumeric());
    if !key_ok {
        errors.push(FieldError::new(
            "api_key",
            "An Exoscale API key starts with EXO followed by letters and digits.",
        ));
    }
    if api_secret.trim().is_empty() || api_secret.len() > 256 {
        errors.push(FieldError::new(
            "api_secret",
            "Enter the API secret that came with the key.",
        ));
    }
    let mut parsed = Vec::new();
    for zone in zones.split(',').map(str::trim).filter(|z| !z.is_empty()) {
        let known = sks_api::ZoneName::from_wire(zone);
        if !known.is_known() {
            errors.push(FieldError::new(
                "zones",
                format!(
                    "{zone:?} is not a zone; use some of: {}",
                    sks_api::ZoneName::allowed()
                ),
            ));
        } else if !parsed.contains(&zone.to_owned()) {
            parsed.push(zone.to_owned());
        }
    }
    if parsed.is_empty() && !errors.iter().any(|e| e.field == "zones") {
        errors.push(FieldError::new(
            "zones",
            "Name at least one zone, e.g. ch-gva-2.",
        ));
    }
    (errors, parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_secrets_and_zones_are_checked() {
        let (errors, zones) = credential_errors(
            "EXO1234567890abcdef",
            "secret",
            "ch-gva-2, de-fra-1, ch-gva-2",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(zones, ["ch-gva-2", "de-fra-1"]);
        let fields = |k: &str, s: &str, z: &str| {
            credential_errors(k, s, z)
                .0
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields("key", "secret", "ch-gva-2"), ["api_key"]);
        assert_eq!(fields("EXO1234567890", " ", "ch-gva-2"), ["api_secret"]);
        assert_eq!(fields("EXO1234567890", "s", "mars-1"), ["zones"]);
        assert_eq!(fields("EXO1234567890", "s", ""), ["zones"]);
    }
}
