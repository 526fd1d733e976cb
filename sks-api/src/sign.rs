//! EXO2-HMAC-SHA256: how every request to the API is signed, and how the local orchestrator
//! checks it (spec `x-topics`, "API Request Signature").
//!
//! The message is five lines joined by `\n`:
//! 1. `METHOD PATH`, the path as sent on the wire (escaped), with `/v2`, without host or query;
//! 2. the body bytes as sent (empty without a body);
//! 3. the values of the single-valued query parameters, concatenated in the order of their
//!    names (sorted);
//! 4. signed header values (none are defined: always empty);
//! 5. the expiry, UNIX seconds.
//!
//! The signature is base64 (standard, padded) of HMAC-SHA256 keyed with the API secret, sent as
//! `Authorization: EXO2-HMAC-SHA256 credential=KEY[,signed-query-args=a;b],expires=T,signature=S`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The scheme word of the `Authorization` header.
pub const SCHEME: &str = "EXO2-HMAC-SHA256";

/// How long a signature stays valid when the signer is not told otherwise (both reference
/// clients use ten minutes).
pub const DEFAULT_VALIDITY_SECONDS: i64 = 600;

/// The furthest in the future the verifier accepts an expiry (Exoscale does not document
/// theirs): the clients' ten minutes plus five of clock skew, so a captured request cannot be
/// replayed for long.
pub const MAX_EXPIRY_AHEAD_SECONDS: i64 = 900;

/// An API key and its secret. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub key: String,
    secret: String,
}

impl Credentials {
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Credentials {
        Credentials {
            key: key.into(),
            secret: secret.into(),
        }
    }

    /// The secret, for storing it (encrypted) or signing.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &"***")
            .finish()
    }
}

/// Why a request to sign was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The two reference clients disagree on how to sign these: never send them.
    #[error("query parameter {0:?} is repeated; send each parameter once")]
    RepeatedParameter(String),
    /// Same as above for blank values.
    #[error("query parameter {0:?} is empty; leave it out instead")]
    EmptyParameter(String),
}

/// Why a signed request was refused. The messages are safe to send back to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("missing Authorization header")]
    Missing,
    #[error("malformed Authorization header: {0}")]
    Malformed(&'static str),
    #[error("request signature expired")]
    Expired,
    #[error("request signature expires too far in the future")]
    TooFarInFuture,
    #[error("Invalid request signature")]
    BadSignature,
    #[error("query parameter {0:?} is not covered by the request signature")]
    UnsignedParameter(String),
}

/// The string that is signed. `query` holds the decoded parameters that count (single-valued),
/// sorted by name.
fn message(method: &str, path: &str, body: &[u8], query_values: &str, expires: i64) -> Vec<u8> {
    let mut message = Vec::with_capacity(path.len() + body.len() + query_values.len() + 32);
    message.extend_from_slice(method.as_bytes());
    message.push(b' ');
    message.extend_from_slice(path.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(body);
    message.push(b'\n');
    message.extend_from_slice(query_values.as_bytes());
    message.push(b'\n');
    message.push(b'\n');
    message.extend_from_slice(expires.to_string().as_bytes());
    message
}

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length.
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length")
}

/// The `Authorization` header value for a request.
///
/// `path` is the escaped path as sent (e.g. `/v2/sks-cluster/ID/nodepool/NP:scale`), `query`
/// the decoded parameters as sent, `body` the exact bytes sent.
pub fn authorization(
    credentials: &Credentials,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &[u8],
    expires: i64,
) -> Result<String, SignError> {
    let mut sorted: Vec<(&str, &str)> = query.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for pair in sorted.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(SignError::RepeatedParameter(pair[0].0.to_owned()));
        }
    }
    if let Some((name, _)) = sorted.iter().find(|(_, value)| value.is_empty()) {
        return Err(SignError::EmptyParameter((*name).to_owned()));
    }
    let values: String = sorted.iter().map(|(_, value)| *value).collect();
    let mut mac = mac(credentials.secret());
    mac.update(&message(method, path, body, &values, expires));
    let signature = STANDARD.encode(mac.finalize().into_bytes());

    let mut header = format!("{SCHEME} credential={}", credentials.key);
    if !sorted.is_empty() {
        let names: Vec<&str> = sorted.iter().map(|(name, _)| *name).collect();
        header.push_str(",signed-query-args=");
        header.push_str(&names.join(";"));
    }
    header.push_str(&format!(",expires={expires},signature={signature}"));
    Ok(header)
}

/// The parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeader {
    /// The API key.
    pub credential: String,
    /// Names of the query parameters whose values were signed, in signing order.
    pub signed_query_args: Vec<String>,
    pub expires: i64,
    signature: Vec<u8>,
}

impl SignedHeader {
    /// Parses `EXO2-HMAC-SHA256 credential=…[,signed-query-args=…],expires=…,signature=…`.
    pub fn parse(header: &str) -> Result<SignedHeader, VerifyError> {
        let rest = header
            .strip_prefix(SCHEME)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or(VerifyError::Malformed(
                "expected the EXO2-HMAC-SHA256 scheme",
            ))?;
        let mut credential = None;
        let mut signed_query_args = Vec::new();
        let mut expires = None;
        let mut signature = None;
        for part in rest.split(',') {
            let (name, value) = part
                .trim()
                .split_once('=')
                .ok_or(VerifyError::Malformed("expected name=value parts"))?;
            match name {
                "credential" if !value.is_empty() => credential = Some(value.to_owned()),
                "signed-query-args" => {
                    signed_query_args = value
                        .split(';')
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                "expires" => {
                    expires = Some(
                        value
                            .parse::<i64>()
                            .map_err(|_| VerifyError::Malformed("expires is not a number"))?,
                    );
                }
                // `split_once` keeps the base64 `=` padding in the value.
                "signature" => {
                    signature = Some(
                        STANDARD
                            .decode(value)
                            .map_err(|_| VerifyError::Malformed("signature is not base64"))?,
                    );
                }
                _ => return Err(VerifyError::Malformed("unknown or empty part")),
            }
        }
        Ok(SignedHeader {
            credential: credential.ok_or(VerifyError::Malformed("credential is missing"))?,
            signed_query_args,
            expires: expires.ok_or(VerifyError::Malformed("expires is missing"))?,
            signature: signature.ok_or(VerifyError::Malformed("signature is missing"))?,
        })
    }

    /// Checks the signature against the request, with the secret of
    /// [`SignedHeader::credential`], then that every query parameter is signed, then the expiry
    /// against `now` (nothing is said about expiry to a request that is not genuine).
    /// `raw_query` is the query string as received (without `?`); values are decoded as forms
    /// are (`%xx`, `+` for space), as both clients do.
    pub fn verify(
        &self,
        secret: &str,
        method: &str,
        path: &str,
        raw_query: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), VerifyError> {
        let pairs: Vec<(String, String)> = raw_query
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        // Rebuild line 3 from the names the client listed, in its order; a name with several
        // values contributes nothing (Python lists such a name, Go leaves it out).
        let mut values = String::new();
        for name in &self.signed_query_args {
            let mut matching = pairs.iter().filter(|(n, _)| n == name);
            if let (Some((_, value)), None) = (matching.next(), matching.next()) {
                values.push_str(value);
            }
        }
        let mut mac = mac(secret);
        mac.update(&message(method, path, body, &values, self.expires));
        mac.verify_slice(&self.signature)
            .map_err(|_| VerifyError::BadSignature)?;
        // A parameter the signature does not cover could be added to a captured request.
        if let Some((name, _)) = pairs
            .iter()
            .find(|(name, _)| !self.signed_query_args.contains(name))
        {
            return Err(VerifyError::UnsignedParameter(name.clone()));
        }
        if self.expires < now {
            return Err(VerifyError::Expired);
        }
        if self.expires > now + MAX_EXPIRY_AHEAD_SECONDS {
            return Err(VerifyError::TooFarInFuture);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new("EXOkey", "secret")
    }

    #[test]
    fn debug_hides_the_secret() {
        let shown = format!("{:?}", Credentials::new("EXOabc", "hunter2"));
        assert!(
            shown.contains("EXOabc") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn repeated_and_empty_parameters_are_refused() {
        assert_eq!(
            authorization(&creds(), "GET", "/v2/x", &[("a", "1"), ("a", "2")], b"", 1),
            Err(SignError::RepeatedParameter("a".into()))
        );
        assert_eq!(
            authorization(&creds(), "GET", "/v2/x", &[("a", "")], b"", 1),
            Err(SignError::EmptyParameter("a".into()))
        );
    }

    #[test]
    fn sign_then_verify_with_query_in_any_order() {
        let now = 1_700_000_000;
        let header = authorization(
            &creds(),
            "GET",
            "/v2/security-group",
            &[("visibility", "public"), ("a b", "x y")],
            b"",
            now + 600,
        )
        .unwrap();
        assert!(
            header.contains(",signed-query-args=a b;visibility,"),
            "{header}"
        );
        let parsed = SignedHeader::parse(&header).unwrap();
        assert_eq!(parsed.credential, "EXOkey");
        parsed
            .verify(
                "secret",
                "GET",
                "/v2/security-group",
                Some("visibility=public&a+b=x%20y"),
                b"",
                now,
            )
            .unwrap();
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let now = 1_700_000_000;
        let body = br#"{"size":3}"#;
        let path = "/v2/sks-cluster/1/nodepool/2:scale";
        let parsed = SignedHeader::parse(
            &authorization(&creds(), "PUT", path, &[], body, now + 60).unwrap(),
        )
        .unwrap();
        parsed
            .verify("secret", "PUT", path, None, body, now)
            .unwrap();
        let bad = [
            ("wrong", "PUT", path, &body[..]),
            ("secret", "POST", path, &body[..]),
            (
                "secret",
                "PUT",
                "/v2/sks-cluster/1/nodepool/3:scale",
                &body[..],
            ),
            ("secret", "PUT", path, &br#"{"size":30}"#[..]),
        ];
        for (secret, method, path, body) in bad {
            assert_eq!(
                parsed.verify(secret, method, path, None, body, now),
                Err(VerifyError::BadSignature),
                "{secret} {method} {path}"
            );
        }
        // A query parameter the signature does not cover is refused: it could have been
        // added to a captured request.
        assert_eq!(
            parsed.verify("secret", "PUT", path, Some("x=1"), body, now),
            Err(VerifyError::UnsignedParameter("x".into()))
        );
    }

    #[test]
    fn expiry_is_enforced_both_ways() {
        let now = 1_700_000_000;
        let expired = SignedHeader::parse(
            &authorization(&creds(), "GET", "/v2/zone", &[], b"", now - 1).unwrap(),
        )
        .unwrap();
        assert_eq!(
            expired.verify("secret", "GET", "/v2/zone", None, b"", now),
            Err(VerifyError::Expired)
        );
        let future = SignedHeader::parse(
            &authorization(&creds(), "GET", "/v2/zone", &[], b"", now + 901).unwrap(),
        )
        .unwrap();
        assert_eq!(
            future.verify("secret", "GET", "/v2/zone", None, b"", now),
            Err(VerifyError::TooFarInFuture),
            "at most fifteen minutes ahead"
        );
        // A forged signature learns nothing about expiry, or whether the key exists.
        assert_eq!(
            expired.verify("wrong secret", "GET", "/v2/zone", None, b"", now),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn malformed_headers_say_what_is_wrong() {
        for (header, reason) in [
            ("Bearer abc", "expected the EXO2-HMAC-SHA256 scheme"),
            (
                "EXO2-HMAC-SHA256 credential=k,expires=1",
                "signature is missing",
            ),
            (
                "EXO2-HMAC-SHA256 expires=1,signature=AAAA",
                "credential is missing",
            ),
            (
                "EXO2-HMAC-SHA256 credential=k,expires=soon,signature=AAAA",
                "expires is not a number",
            ),
            (
                "EXO2-HMAC-SHA256 credential=k,expires=1,signature=!!",
                "signature is not base64",
            ),
            (
                "EXO2-HMAC-SHA256 credential=k,nonsense",
                "expected name=value parts",
            ),
        ] {
            assert_eq!(
                SignedHeader::parse(header),
                Err(VerifyError::Malformed(reason)),
                "{header}"
            );
        }
    }

    #[test]
    fn multi_valued_parameters_listed_by_python_contribute_nothing() {
        // Python's signer lists a repeated parameter's name but signs no value for it.
        let now = 1_700_000_000;
        let mut mac = mac("secret");
        mac.update(&message("GET", "/v2/x", b"", "1", now + 60));
        let signature = STANDARD.encode(mac.finalize().into_bytes());
        let header = format!(
            "{SCHEME} credential=k,signed-query-args=a;b,expires={},signature={signature}",
            now + 60
        );
        SignedHeader::parse(&header)
            .unwrap()
            .verify("secret", "GET", "/v2/x", Some("a=1&b=2&b=3"), b"", now)
            .unwrap();
    }
}
