//! A cluster's health, as the Overview's Health card shows it: the checks of the service's
//! inspection (`get-sks-cluster-inspection`), each with its status and message, and the
//! deprecated APIs the workloads still use.
//!
//! The API documents the inspection only as "a free-form object", so [`read_inspection`] takes
//! what it is given: a `checks` list of `{name, status, message}` (what the local orchestrator
//! answers), or else one check per top-level key, its status read from the usual words.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::upgrades::DeprecatedApi;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HealthStatus {
    Ok,
    Warning,
    Error,
    /// The report said something this portal does not read as good or bad.
    Unknown,
}

impl HealthStatus {
    /// The word the badge shows.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Ok => "ok",
            HealthStatus::Warning => "warning",
            HealthStatus::Error => "error",
            HealthStatus::Unknown => "unknown",
        }
    }

    /// Reads a status word or flag of a report.
    pub fn read(value: &Value) -> HealthStatus {
        match value {
            Value::Bool(true) => HealthStatus::Ok,
            Value::Bool(false) => HealthStatus::Error,
            Value::String(word) => match word.trim().to_ascii_lowercase().as_str() {
                "ok" | "pass" | "passed" | "healthy" | "running" | "success" | "ready"
                | "green" => HealthStatus::Ok,
                "warn" | "warning" | "degraded" | "pending" | "yellow" => HealthStatus::Warning,
                "error" | "fail" | "failed" | "failure" | "critical" | "unhealthy" | "red" => {
                    HealthStatus::Error
                }
                _ => HealthStatus::Unknown,
            },
            _ => HealthStatus::Unknown,
        }
    }
}

/// One check of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub name: String,
    pub status: HealthStatus,
    pub message: String,
}

/// What the Health card shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterHealth {
    /// When the service ran its checks, as it says (RFC 3339), if it says.
    pub checked_at: Option<String>,
    pub checks: Vec<HealthCheck>,
    /// Why there are no checks, when the inspection could not be read.
    pub unavailable: Option<String>,
    pub deprecated: Vec<DeprecatedApi>,
    /// When the portal asked (Unix ms).
    pub asked_at_ms: i64,
}

impl ClusterHealth {
    /// The worst status of its checks (a deprecated API in use is a warning).
    pub fn overall(&self) -> HealthStatus {
        let rank = |s: HealthStatus| match s {
            HealthStatus::Ok => 0,
            HealthStatus::Unknown => 1,
            HealthStatus::Warning => 2,
            HealthStatus::Error => 3,
        };
        let mut worst = if self.deprecated.is_empty() {
            HealthStatus::Ok
        } else {
            HealthStatus::Warning
        };
        for check in &self.checks {
            if rank(check.status) > rank(worst) {
                worst = check.status;
            }
        }
        if self.checks.is_empty() && rank(worst) < 1 {
            HealthStatus::Unknown
        } else {
            worst
        }
    }
}

/// Keys of a report that are about the report, not checks.
const ABOUT: [&str; 4] = ["checked-at", "checked_at", "note", "timestamp"];

/// A value in words: a string as it is, anything else as compact JSON.
fn words(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The first of `keys` present in `object`.
fn first<'a>(object: &'a serde_json::Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| object.get(*k))
}

/// The checks and time of an inspection report (any JSON object).
pub fn read_inspection(report: &Value) -> (Vec<HealthCheck>, Option<String>) {
    let Some(object) = report.as_object() else {
        return (vec![], None);
    };
    let checked_at = first(object, &["checked-at", "checked_at", "timestamp"]).map(words);
    if let Some(list) = object.get("checks").and_then(Value::as_array) {
        let checks = list
            .iter()
            .enumerate()
            .map(|(index, item)| match item.as_object() {
                Some(check) => HealthCheck {
                    name: first(check, &["name", "id", "check"])
                        .map(words)
                        .unwrap_or_else(|| format!("check {}", index + 1)),
                    status: first(check, &["status", "state", "result", "ok", "healthy"])
                        .map(HealthStatus::read)
                        .unwrap_or(HealthStatus::Unknown),
                    message: first(check, &["message", "detail", "details", "description"])
                        .map(words)
                        .unwrap_or_default(),
                },
                None => HealthCheck {
                    name: format!("check {}", index + 1),
                    status: HealthStatus::Unknown,
                    message: words(item),
                },
            })
            .collect();
        return (checks, checked_at);
    }
    let checks = object
        .iter()
        .filter(|(key, _)| !ABOUT.contains(&key.as_str()))
        .map(|(key, value)| {
            let (status, message) = match value {
                Value::Object(fields) => {
                    let status = first(fields, &["status", "state", "result", "ok", "healthy"])
                        .map(HealthStatus::read)
                        .unwrap_or(HealthStatus::Unknown);
                    let message = match first(fields, &["message", "detail", "description"]) {
                        Some(text) => words(text),
                        None => fields
                            .iter()
                            .map(|(k, v)| format!("{k}: {}", words(v)))
                            .collect::<Vec<_>>()
                            .join(", "),
                    };
                    (status, message)
                }
                other => (HealthStatus::read(other), words(other)),
            };
            HealthCheck {
                name: key.clone(),
                status,
                message,
            }
        })
        .collect();
    (checks, checked_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_of_checks_is_read_as_it_is() {
        let report = json!({
            "checked-at": "2026-12-07T10:00:00Z",
            "checks": [
                {"name": "control-plane", "status": "ok", "message": "answers"},
                {"name": "nodes-ready", "status": "warning", "message": "1 of 2 nodes ready"},
                {"id": "dns", "result": "FAILED"},
                "something odd",
            ],
        });
        let (checks, at) = read_inspection(&report);
        assert_eq!(at.as_deref(), Some("2026-12-07T10:00:00Z"));
        let read: Vec<(&str, HealthStatus, &str)> = checks
            .iter()
            .map(|c| (c.name.as_str(), c.status, c.message.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                ("control-plane", HealthStatus::Ok, "answers"),
                ("nodes-ready", HealthStatus::Warning, "1 of 2 nodes ready"),
                ("dns", HealthStatus::Error, ""),
                ("check 4", HealthStatus::Unknown, "something odd"),
            ]
        );
    }

    #[test]
    fn any_other_object_is_read_key_by_key() {
        let report = json!({
            "timestamp": "t",
            "note": "about the report",
            "control-plane": {"state": "running", "version": "1.36.3"},
            "nodes": {"ready": 2, "total": 3},
            "konnectivity": false,
        });
        let (checks, at) = read_inspection(&report);
        assert_eq!(at.as_deref(), Some("t"));
        let read: Vec<(&str, HealthStatus, &str)> = checks
            .iter()
            .map(|c| (c.name.as_str(), c.status, c.message.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                (
                    "control-plane",
                    HealthStatus::Ok,
                    "state: running, version: 1.36.3"
                ),
                ("konnectivity", HealthStatus::Error, "false"),
                ("nodes", HealthStatus::Unknown, "ready: 2, total: 3"),
            ]
        );
        assert_eq!(read_inspection(&json!("not an object")).0, vec![]);
    }

    #[test]
    fn the_overall_status_is_the_worst_one() {
        let check = |status| HealthCheck {
            name: "x".into(),
            status,
            message: String::new(),
        };
        let mut health = ClusterHealth {
            checked_at: None,
            checks: vec![check(HealthStatus::Ok), check(HealthStatus::Ok)],
            unavailable: None,
            deprecated: vec![],
            asked_at_ms: 0,
        };
        assert_eq!(health.overall(), HealthStatus::Ok);
        health.deprecated.push(DeprecatedApi {
            api: "policy/v1beta1 podsecuritypolicies".into(),
            removed_in: "1.25".into(),
        });
        assert_eq!(health.overall(), HealthStatus::Warning);
        health.checks.push(check(HealthStatus::Error));
        assert_eq!(health.overall(), HealthStatus::Error);
        health.checks.clear();
        health.deprecated.clear();
        assert_eq!(health.overall(), HealthStatus::Unknown, "nothing checked");
    }
}
