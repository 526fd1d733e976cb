//! A typed async client for the API (feature `client`): one method per operation, signed
//! requests, timeouts, retries for idempotent calls, typed errors, and an operation waiter.
//!
//! The same code drives Exoscale (`https://api-{zone}.exoscale.com/v2`) and the local
//! orchestrator (`http://127.0.0.1:8081/{zone}/v2`): only the endpoint template differs.
//!
//! Retries: only idempotent methods (GET, PUT, DELETE) are retried, on 429, 502, 503, 504 and
//! on connection failures, with exponential backoff and full jitter (and at least the server's
//! `Retry-After`). A POST is never retried: it could create a second resource.

mod operations;
mod wait;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{ErrorBody, Operation, ZoneName};
use crate::sign::{self, Credentials};
use crate::validate::Invalid;

pub use wait::{WaitOptions, poll_interval};

/// The endpoint template of Exoscale's API.
pub const EXOSCALE_ENDPOINT: &str = "https://api-{zone}.exoscale.com/v2";

/// How the client reaches the API.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL with a `{zone}` placeholder, ending in `/v2`.
    pub endpoint: String,
    /// Longest wait to open a connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole response.
    pub request_timeout: Duration,
    /// Retries after the first attempt, for idempotent calls only.
    pub max_retries: u32,
    /// First backoff; each retry doubles it, with full jitter, up to [`ClientConfig::max_backoff`].
    pub retry_base: Duration,
    /// Longest backoff between two attempts.
    pub max_backoff: Duration,
}

impl ClientConfig {
    /// Exoscale's API with the defaults.
    pub fn exoscale() -> ClientConfig {
        ClientConfig::with_endpoint(EXOSCALE_ENDPOINT)
    }

    /// Any endpoint template (`…{zone}…/v2`) with the defaults.
    pub fn with_endpoint(endpoint: impl Into<String>) -> ClientConfig {
        ClientConfig {
            endpoint: endpoint.into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_retries: 3,
            retry_base: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
        }
    }

    /// The same, with each attempt cut off after `timeout` (and connecting after at most
    /// that long too). Idempotent calls are tried `1 + max_retries` times, so a hanging API
    /// answers a GET in about `(1 + max_retries) × timeout` plus the backoffs.
    pub fn with_timeout(self, timeout: Duration) -> ClientConfig {
        ClientConfig {
            connect_timeout: self.connect_timeout.min(timeout),
            request_timeout: timeout,
            ..self
        }
    }

    /// The base URL of a zone.
    pub fn base_url(&self, zone: &ZoneName) -> Result<Url, Error> {
        let url = self.endpoint.replace("{zone}", zone.as_str());
        Url::parse(url.trim_end_matches('/'))
            .map_err(|e| Error::Config(format!("endpoint {url:?}: {e}")))
    }
}

/// What a call can end in, besides success.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API answered with an error status; `message` is its explanation in any of the
    /// documented body shapes.
    #[error("the API answered {status}: {message}")]
    Api { status: u16, message: String },
    /// The API could not be reached (connection refused, DNS, TLS) or did not answer in time.
    #[error("cannot reach the API at {url}: {message}")]
    Unreachable { url: String, message: String },
    /// The answer was not what the contract promises.
    #[error("unexpected answer from {url}: {message}")]
    Decode { url: String, message: String },
    /// The request breaks the contract's rules; nothing was sent.
    #[error("invalid request: {0}")]
    Invalid(#[from] Invalid),
    /// An operation ended in `failure` or `timeout`.
    #[error("operation {} ended in {}: {}", operation_id(.0), operation_state(.0), .0.message.as_deref().unwrap_or("no message"))]
    OperationFailed(Box<Operation>),
    /// The waiter gave up (deadline passed, or too many polling errors in a row).
    #[error("stopped waiting for operation {id}: {reason}")]
    WaitAbandoned { id: String, reason: String },
    /// The client itself is misconfigured.
    #[error("client configuration: {0}")]
    Config(String),
}

fn operation_id(operation: &Operation) -> String {
    operation
        .id
        .map(|id| id.to_string())
        .unwrap_or_else(|| "?".into())
}

fn operation_state(operation: &Operation) -> String {
    operation
        .state
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "?".into())
}

impl Error {
    /// The HTTP status the API answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the API answered that the resource does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether the API refused the call as things stand (409: the resource is busy with
    /// another change, or already being deleted); the same call may pass later.
    pub fn is_busy(&self) -> bool {
        self.status() == Some(409)
    }

    /// Whether the API is out rather than refusing this call: it could not be reached or did
    /// not answer in time, or it answered a server error (5xx) or 429. Waiting for it to come
    /// back and trying again is the answer; the request itself is not at fault.
    pub fn is_outage(&self) -> bool {
        match self {
            Error::Api { status, .. } => *status >= 500 || *status == 429,
            Error::Unreachable { .. } => true,
            _ => false,
        }
    }

    /// Whether waiting and trying again may help.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Api { status, .. } => is_retryable_status(*status),
            Error::Unreachable { .. } => true,
            _ => false,
        }
    }
}

fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Whether a method can be sent twice with the effect of once.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::PUT | Method::DELETE | Method::HEAD
    )
}

/// A client of the API, bound to one key.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
    credentials: Credentials,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.config.endpoint)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// A request before it is signed and sent.
struct Call<'a> {
    method: Method,
    zone: &'a ZoneName,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    signed: bool,
}

impl Client {
    /// A client for `config.endpoint`, signing with `credentials`.
    pub fn new(config: ClientConfig, credentials: Credentials) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("capstan-sks-api/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Client {
            http,
            config,
            credentials,
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends `call`, retrying when allowed, and returns the body of a 2xx answer.
    async fn execute(&self, call: Call<'_>) -> Result<Vec<u8>, Error> {
        let base = self.config.base_url(call.zone)?;
        let mut url = Url::parse(&format!("{}{}", base.as_str(), call.path))
            .map_err(|e| Error::Config(format!("path {:?}: {e}", call.path)))?;
        if !call.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &call.query {
                pairs.append_pair(name, value);
            }
        }
        let retries = if is_idempotent(&call.method) {
            self.config.max_retries
        } else {
            0
        };
        let mut attempt = 0;
        loop {
            match self.attempt(&call, &url).await {
                Ok(body) => return Ok(body),
                Err((error, retry_after)) if error.is_transient() && attempt < retries => {
                    let wait = backoff(&self.config, attempt)
                        .max(retry_after.unwrap_or_default())
                        .min(self.config.max_backoff);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err((error, _)) => return Err(error),
            }
        }
    }

    /// One signed attempt. On failure, also returns the server's `Retry-After`, if any.
    async fn attempt(
        &self,
        call: &Call<'_>,
        url: &Url,
    ) -> Result<Vec<u8>, (Error, Option<Duration>)> {
        let mut request = self.http.request(call.method.clone(), url.clone());
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        if call.signed {
            let query: Vec<(&str, &str)> = call
                .query
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            let header = sign::authorization(
                &self.credentials,
                call.method.as_str(),
                url.path(),
                &query,
                call.body.as_deref().unwrap_or_default(),
                unix_now() + sign::DEFAULT_VALIDITY_SECONDS,
            )
            .map_err(|e| (Error::Config(e.to_string()), None))?;
            let value = HeaderValue::from_str(&header)
                .map_err(|e| (Error::Config(format!("authorization header: {e}")), None))?;
            request = request.header(AUTHORIZATION, value);
        }
        let response = request.send().await.map_err(|e| {
            (
                Error::Unreachable {
                    url: redact_query(url),
                    message: describe(&e),
                },
                None,
            )
        })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.map_err(|e| {
            (
                Error::Unreachable {
                    url: redact_query(url),
                    message: describe(&e),
                },
                None,
            )
        })?;
        if status.is_success() {
            Ok(bytes.to_vec())
        } else {
            Err((api_error(status, &bytes), retry_after))
        }
    }

    /// Sends a call and decodes its JSON answer.
    async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, Error> {
        let path = call.path.clone();
        let body = self.execute(call).await?;
        serde_json::from_slice(&body).map_err(|e| Error::Decode {
            url: path,
            message: e.to_string(),
        })
    }

    fn call<'a>(&self, method: Method, zone: &'a ZoneName, path: String) -> Call<'a> {
        Call {
            method,
            zone,
            path,
            query: Vec::new(),
            body: None,
            signed: true,
        }
    }

    fn call_with_body<'a, B: Serialize>(
        &self,
        method: Method,
        zone: &'a ZoneName,
        path: String,
        body: &B,
    ) -> Result<Call<'a>, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Config(e.to_string()))?;
        Ok(Call {
            body: Some(bytes),
            ..self.call(method, zone, path)
        })
    }
}

fn api_error(status: StatusCode, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    let message = ErrorBody::extract_message(&text);
    let message = if message.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("no explanation")
            .to_owned()
    } else {
        message
    };
    Error::Api {
        status: status.as_u16(),
        message,
    }
}

/// A reqwest error in words, with its causes (reqwest's own `Display` hides them).
fn describe(error: &reqwest::Error) -> String {
    let mut message = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "connection failed".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// The URL without its query (which never carries secrets here, but may be long).
fn redact_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}

/// Exponential backoff with full jitter: a random wait in `[0, base·2^attempt]`.
fn backoff(config: &ClientConfig, attempt: u32) -> Duration {
    let ceiling = config
        .retry_base
        .saturating_mul(2u32.saturating_pow(attempt))
        .min(config.max_backoff);
    let fraction: f64 = rand::random();
    ceiling.mul_f64(fraction)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_urls_come_from_the_template() {
        let exoscale = ClientConfig::exoscale();
        assert_eq!(
            exoscale.base_url(&ZoneName::DeFra1).unwrap().as_str(),
            "https://api-de-fra-1.exoscale.com/v2"
        );
        let local = ClientConfig::with_endpoint("http://127.0.0.1:8081/{zone}/v2/");
        assert_eq!(
            local.base_url(&ZoneName::ChGva2).unwrap().as_str(),
            "http://127.0.0.1:8081/ch-gva-2/v2"
        );
    }

    #[test]
    fn only_idempotent_methods_are_retried() {
        assert!(is_idempotent(&Method::GET));
        assert!(is_idempotent(&Method::PUT));
        assert!(is_idempotent(&Method::DELETE));
        assert!(!is_idempotent(&Method::POST));
    }

    #[test]
    fn only_overload_and_gateway_statuses_are_transient() {
        for status in [429, 502, 503, 504] {
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 500, 501] {
            assert!(!is_retryable_status(status), "{status}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let config = ClientConfig::with_endpoint("http://x/{zone}/v2");
        for attempt in 0..20 {
            let wait = backoff(&config, attempt);
            let ceiling = config
                .retry_base
                .saturating_mul(2u32.saturating_pow(attempt))
                .min(config.max_backoff);
            assert!(wait <= ceiling, "attempt {attempt}: {wait:?} > {ceiling:?}");
        }
    }

    #[test]
    fn api_errors_carry_the_upstream_message() {
        let error = api_error(
            StatusCode::FORBIDDEN,
            br#"{"message":"Invalid request signature"}"#,
        );
        assert_eq!(error.status(), Some(403));
        assert_eq!(
            error.to_string(),
            "the API answered 403: Invalid request signature"
        );
        let error = api_error(StatusCode::SERVICE_UNAVAILABLE, b"");
        assert_eq!(
            error.to_string(),
            "the API answered 503: Service Unavailable"
        );
        assert!(error.is_transient());
    }

    #[test]
    fn outages_are_server_side_failures_and_unreachability_only() {
        for status in [429, 500, 502, 503, 504] {
            let error = api_error(StatusCode::from_u16(status).unwrap(), b"");
            assert!(error.is_outage(), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 422] {
            let error = api_error(StatusCode::from_u16(status).unwrap(), b"");
            assert!(!error.is_outage(), "{status}");
        }
        let refused = Error::Unreachable {
            url: "http://127.0.0.1:1/v2/zone".into(),
            message: "connection failed".into(),
        };
        assert!(refused.is_outage());
        assert!(!Error::Config("bad endpoint".into()).is_outage());
    }
}
