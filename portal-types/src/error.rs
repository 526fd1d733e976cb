//! The error every server function returns, and how each kind maps to an HTTP status and to
//! what a person can do next.
//!
//! Kinds stay distinct all the way to the browser (the type is serialized), so a page can show
//! a field error next to its field, offer a retry for an unreachable upstream, or a sign-in link
//! for an expired session, instead of a generic message.

use http::StatusCode;
use serde::{Deserialize, Serialize};
#[cfg(feature = "server-fn")]
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// One rejected input field: which one, and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's name as the form and the API know it.
    pub field: String,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Errors of the portal, as the browser receives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session: the person must sign in (again).
    #[error("sign in to continue")]
    Unauthenticated,
    /// Too many attempts: wait this many seconds.
    #[error("too many attempts; try again in {0} s")]
    RateLimited(u64),
    /// The thing asked for does not exist (or is not visible to this account).
    #[error("{0} was not found")]
    NotFound(String),
    /// The account may not do this.
    #[error("you are not allowed to {0}")]
    Forbidden(String),
    /// The request clashes with the current state; waiting or refreshing may help.
    #[error("{0}")]
    Conflict(String),
    /// Some inputs were rejected; each error names its field.
    #[error("{} input field(s) need attention", fields.len())]
    Validation { fields: Vec<FieldError> },
    /// A service Capstan depends on (database, orchestration API) failed or is unreachable.
    #[error("{service} is unavailable: {message}")]
    Unavailable { service: String, message: String },
    /// Something failed inside Capstan; the message is safe to show, details are in the logs.
    #[error("internal error: {0}")]
    Internal(String),
    /// The request never reached the server function or its answer could not be read.
    #[error("request failed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a page or response carrying this error is served with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Transport(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// A short headline for an error page.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "Signed out",
            AppError::RateLimited(_) => "Too many attempts",
            AppError::NotFound(_) => "Not found",
            AppError::Forbidden(_) => "Not allowed",
            AppError::Conflict(_) => "Conflict",
            AppError::Validation { .. } => "Please check your input",
            AppError::Unavailable { .. } => "Service unavailable",
            AppError::Internal(_) => "Something went wrong",
            AppError::Transport(_) => "Connection problem",
        }
    }

    /// What the person can do about it.
    pub fn advice(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "Your session ended. Sign in again to continue.",
            AppError::RateLimited(_) => "Wait a moment, then try again.",
            AppError::NotFound(_) => "Check the address, or go back to the list.",
            AppError::Forbidden(_) => "Ask an owner or admin of your organization for access.",
            AppError::Conflict(_) => "Refresh to see the current state, then try again.",
            AppError::Validation { .. } => "Correct the highlighted fields and submit again.",
            AppError::Unavailable { .. } | AppError::Transport(_) => {
                "This is usually temporary. Try again in a moment."
            }
            AppError::Internal(_) => {
                "Try again. If it keeps happening, the server logs have the details."
            }
        }
    }

    /// The message for one field, when this is a validation error that names it.
    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            AppError::Validation { fields } => fields
                .iter()
                .find(|f| f.field == name)
                .map(|f| f.message.as_str()),
            _ => None,
        }
    }
}

/// The error of every server function: how the server-function machinery's own failures
/// (arguments that do not parse, a request that did not arrive) read as the app's.
#[cfg(feature = "server-fn")]
impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::Validation {
                    fields: vec![FieldError::new("request", message)],
                }
            }
            ServerFnErrorErr::ServerError(message) => AppError::Internal(message),
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_own_status() {
        let cases = [
            (AppError::Unauthenticated, 401),
            (AppError::RateLimited(3), 429),
            (AppError::NotFound("cluster".into()), 404),
            (AppError::Forbidden("delete clusters".into()), 403),
            (AppError::Conflict("busy".into()), 409),
            (AppError::Validation { fields: vec![] }, 422),
            (
                AppError::Unavailable {
                    service: "database".into(),
                    message: "down".into(),
                },
                503,
            ),
            (AppError::Internal("x".into()), 500),
            (AppError::Transport("x".into()), 502),
        ];
        for (error, status) in cases {
            assert_eq!(error.status().as_u16(), status, "{error:?}");
        }
    }

    #[test]
    fn validation_errors_are_found_by_field() {
        let error = AppError::Validation {
            fields: vec![
                FieldError::new("name", "must be 1 to 255 characters"),
                FieldError::new("size", "must be at least 1"),
            ],
        };
        assert_eq!(error.field("size"), Some("must be at least 1"));
        assert_eq!(error.field("zone"), None);
        assert_eq!(error.to_string(), "2 input field(s) need attention");
    }

    #[cfg(feature = "server-fn")]
    #[test]
    fn survives_the_trip_to_the_browser() {
        let error = AppError::Validation {
            fields: vec![FieldError::new("theme", "must be system, light or dark")],
        };
        let back = AppError::de(error.ser());
        assert_eq!(back, error);
    }

    #[cfg(feature = "server-fn")]
    #[test]
    fn bad_arguments_become_a_validation_error() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad".into()));
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
