//! Shapes shared by every area: references, labels, zones, operations, error bodies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use uuid::Uuid;

/// Labels: a string map (`labels`, `sks-cluster-labels`, `sks-nodepool-labels`).
pub type Labels = BTreeMap<String, String>;

/// A reference to another resource by id (`*-ref` schemas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ref {
    pub id: Uuid,
}

impl From<Uuid> for Ref {
    fn from(id: Uuid) -> Ref {
        Ref { id }
    }
}

wire_enum! {
    /// `zone-name`: the zones of the service.
    pub enum ZoneName {
        AtVie1 = "at-vie-1",
        AtVie2 = "at-vie-2",
        BgSof1 = "bg-sof-1",
        ChDk2 = "ch-dk-2",
        ChGva2 = "ch-gva-2",
        DeFra1 = "de-fra-1",
        DeMuc1 = "de-muc-1",
        HrZag1 = "hr-zag-1",
    }
}

impl ZoneName {
    /// The zone served at `/v2` without a zone prefix by the local orchestrator, and the
    /// default of Exoscale's clients.
    pub const DEFAULT: ZoneName = ZoneName::ChGva2;
}

/// `zone`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Zone {
    pub name: Option<ZoneName>,
    pub api_endpoint: Option<String>,
    pub sos_endpoint: Option<String>,
}

/// Response of `list-zones`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListZonesResponse {
    #[serde(default)]
    pub zones: Vec<Zone>,
}

wire_enum! {
    /// `operation.state`.
    pub enum OperationState {
        Failure = "failure",
        Pending = "pending",
        Success = "success",
        Timeout = "timeout",
    }
}

wire_enum! {
    /// `operation.reason`: why an operation failed.
    pub enum OperationReason {
        Busy = "busy",
        Conflict = "conflict",
        Fault = "fault",
        Forbidden = "forbidden",
        Incorrect = "incorrect",
        Interrupted = "interrupted",
        NotFound = "not-found",
        Partial = "partial",
        Unavailable = "unavailable",
        /// The wire value `unknown`: the service does not know why.
        UnknownReason = "unknown",
        Unsupported = "unsupported",
    }
}

/// `operation.reference`: the resource an operation acts on.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OperationReference {
    pub id: Option<Uuid>,
    /// Path of the resource, e.g. `/v2/sks-cluster/<id>`.
    pub link: Option<String>,
    /// The operation id of the command that reads it, e.g. `get-sks-cluster`.
    pub command: Option<String>,
}

/// `operation`: what every mutating call returns.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub id: Option<Uuid>,
    pub reason: Option<OperationReason>,
    pub reference: Option<OperationReference>,
    pub message: Option<String>,
    pub state: Option<OperationState>,
}

impl Operation {
    /// Whether the operation has ended (any state but `pending`).
    pub fn is_done(&self) -> bool {
        !matches!(self.state, Some(OperationState::Pending) | None)
    }
}

/// The error bodies clients must read (the spec's `x-error-bodies`): `{"message"}`,
/// `{"error"}`, problem+JSON, or plain text on 5xx.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<serde_json::Value>,
}

impl ErrorBody {
    /// The classic shape the local orchestrator answers with.
    pub fn message(message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            message: Some(message.into()),
            ..ErrorBody::default()
        }
    }

    /// The most useful human message in any of the shapes; `raw` is the body as received, used
    /// as is when it is not JSON (or carries none of the known fields).
    pub fn extract_message(raw: &str) -> String {
        let Ok(body) = serde_json::from_str::<ErrorBody>(raw) else {
            return raw.trim().to_owned();
        };
        let mut message = body
            .message
            .or(body.error)
            .or(body.detail)
            .or(body.title)
            .unwrap_or_else(|| raw.trim().to_owned());
        if let Some(serde_json::Value::Array(items)) = body.errors {
            let details: Vec<String> = items
                .iter()
                .filter_map(|item| match item {
                    serde_json::Value::String(text) => Some(text.clone()),
                    serde_json::Value::Object(fields) => {
                        let detail = fields.get("detail").and_then(|v| v.as_str())?;
                        let place = ["path", "pointer", "location"]
                            .iter()
                            .find_map(|key| fields.get(*key).and_then(|v| v.as_str()));
                        Some(match place {
                            Some(place) => format!("{place}: {detail}"),
                            None => detail.to_owned(),
                        })
                    }
                    _ => None,
                })
                .collect();
            if !details.is_empty() {
                message = format!("{message} ({})", details.join("; "));
            }
        }
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_read_from_every_shape() {
        assert_eq!(
            ErrorBody::extract_message(r#"{"message":"Invalid request signature"}"#),
            "Invalid request signature"
        );
        assert_eq!(
            ErrorBody::extract_message(r#"{"error":"internal failure"}"#),
            "internal failure"
        );
        assert_eq!(
            ErrorBody::extract_message(
                r##"{"type":"#/http-problem-types/not-found","title":"Not Found","detail":"The referenced model was not found."}"##
            ),
            "The referenced model was not found."
        );
        assert_eq!(
            ErrorBody::extract_message(
                r#"{"title":"Bad Request","errors":[{"pointer":"/name","detail":"too long"},"size: too small"]}"#
            ),
            "Bad Request (/name: too long; size: too small)"
        );
        assert_eq!(
            ErrorBody::extract_message("service unavailable\n"),
            "service unavailable"
        );
    }

    #[test]
    fn unknown_enum_values_survive_a_round_trip() {
        let state: OperationState = serde_json::from_str(r#""paused""#).unwrap();
        assert_eq!(state, OperationState::Unknown("paused".into()));
        assert_eq!(serde_json::to_string(&state).unwrap(), r#""paused""#);
        let reason: OperationReason = serde_json::from_str(r#""not-found""#).unwrap();
        assert_eq!(reason, OperationReason::NotFound);
    }

    #[test]
    fn operations_omit_absent_fields_and_ignore_unknown_ones() {
        let op: Operation = serde_json::from_str(
            r#"{"id":"4c6bd7a5-2d8a-4e1a-8b0b-1b3f3b0a2c11","state":"pending","future-field":1,
                "reference":{"id":"9a6b1f3c-6f0e-4d4f-9d56-5f6f7e2b9c01","link":"/v2/sks-cluster/9a6b1f3c-6f0e-4d4f-9d56-5f6f7e2b9c01","command":"get-sks-cluster"}}"#,
        )
        .unwrap();
        assert!(!op.is_done());
        let back = serde_json::to_value(&op).unwrap();
        assert!(back.get("reason").is_none());
        assert!(back.get("message").is_none());
        assert_eq!(back["reference"]["command"], "get-sks-cluster");
    }
}
