//! Sessions and the one check every server function and live stream makes:
//! [`Portal::authorize`] finds the signed-in user of a request, the organization the session
//! works in and the user's role there, and refuses what the role may not do (recording the
//! refusal in the audit log).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::header::COOKIE;

use super::accounts::authz::{Action, permits};
use super::accounts::{Accounts, AuditEntry, SessionPolicy, User};
use crate::Portal;
use portal_types::error::AppError;
use portal_types::roles::Role;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "capstan_session";
/// Its name over https: `__Host-` makes browsers refuse it from any other host (a sibling
/// subdomain cannot plant one) and for any path but `/`.
pub const SECURE_SESSION_COOKIE: &str = "__Host-capstan_session";

/// The session cookie's name with these settings.
pub fn session_cookie_name(config: &AuthConfig) -> &'static str {
    if config.secure_cookies {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The session token in a request's `Cookie` headers: the cookie `name` only, and only when
/// there is exactly one (two are a planted cookie beside the real one: neither is trusted).
pub fn session_token(headers: &http::HeaderMap, name: &str) -> Option<String> {
    let mut values = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, value)| value.trim());
    let first = values.next()?;
    match values.next() {
        None if !first.is_empty() => Some(first.to_owned()),
        _ => None,
    }
}

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupPolicy {
    /// Anyone; a new account gets an organization of its own.
    Open,
    /// Only with an invitation link (the first account of a fresh install excepted).
    Invitation,
}

/// Mints orchestration credentials for a new organization (key, secret): the embedded
/// orchestrator's, on this machine.
pub type Minter = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<(String, String), String>> + Send>>
        + Send
        + Sync,
>;

/// Settings of accounts and sessions.
#[derive(Clone)]
pub struct AuthConfig {
    pub policy: SessionPolicy,
    /// Mark cookies `Secure` (the portal is served over HTTPS).
    pub secure_cookies: bool,
    pub signup: SignupPolicy,
    /// How long an invitation link stays valid.
    pub invitation_ms: i64,
    /// The portal's public URL (for links such as invitations).
    pub public_url: String,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`--trusted-proxies`).
    pub trusted_proxies: Vec<Cidr>,
}

/// An IP network, as `--trusted-proxies` lists them: `10.0.0.0/8`, `2001:db8::/32`, or one
/// address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: std::net::IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(value: &str) -> Result<Cidr, String> {
        let value = value.trim();
        let (address, prefix) = value.split_once('/').unwrap_or((value, ""));
        let network: std::net::IpAddr = address
            .parse()
            .map_err(|_| format!("{value:?} is not an IP address or network like 10.0.0.0/8"))?;
        let longest = if network.is_ipv4() { 32 } else { 128 };
        let prefix = if prefix.is_empty() {
            longest
        } else {
            prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= longest)
                .ok_or_else(|| format!("{value:?}: the prefix length must be 0 to {longest}"))?
        };
        Ok(Cidr { network, prefix })
    }
}

impl Cidr {
    /// Whether `address` is in this network.
    pub fn contains(&self, address: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let (network, address, bits) = match (self.network, address) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                (u128::from(n.to_bits()), u128::from(a.to_bits()), 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => (n.to_bits(), a.to_bits(), 128),
            (IpAddr::V4(_), IpAddr::V6(a)) => match a.to_ipv4_mapped() {
                Some(a) => return self.contains(IpAddr::V4(a)),
                None => return false,
            },
            (IpAddr::V6(_), IpAddr::V4(_)) => return false,
        };
        if self.prefix == 0 {
            return true;
        }
        let host_bits = bits - u32::from(self.prefix);
        (network >> host_bits) == (address >> host_bits)
    }
}

/// The client of a request that came from `peer`: `peer` itself, unless it is a trusted proxy;
/// then the nearest address in `X-Forwarded-For` (read from the right) that is not one.
pub fn client_of(
    peer: std::net::IpAddr,
    forwarded_for: &[&str],
    trusted: &[Cidr],
) -> std::net::IpAddr {
    let is_trusted = |address: std::net::IpAddr| trusted.iter().any(|c| c.contains(address));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for
        .iter()
        .flat_map(|header| header.split(','))
        .rev()
    {
        match hop.trim().parse::<std::net::IpAddr>() {
            Ok(address) => {
                client = address;
                if !is_trusted(address) {
                    break;
                }
            }
            // Nothing beyond a hop we cannot read is believed.
            Err(_) => break,
        }
    }
    client
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("secure_cookies", &self.secure_cookies)
            .field("signup", &self.signup)
            .finish()
    }
}

/// The signed-in person behind a request, in the organization the session works in. `Debug`
/// never shows the session token (it is the key to the session).
#[derive(Clone)]
pub struct Caller {
    pub user: User,
    pub token: String,
    /// `None` when the user belongs to no organization.
    pub org: Option<OrgRole>,
    pub client_address: Option<String>,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("user", &self.user)
            .field("token", &"***")
            .field("org", &self.org)
            .field("client_address", &self.client_address)
            .finish()
    }
}

/// The organization a caller acts in, and their role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRole {
    pub id: String,
    pub name: String,
    pub role: Role,
}

impl Caller {
    /// The organization the caller acts in; `Forbidden` when they belong to none.
    pub fn org(&self) -> Result<&OrgRole, AppError> {
        self.org
            .as_ref()
            .ok_or_else(|| AppError::Forbidden("act without an organization".into()))
    }

    /// The id of the organization the caller acts in (see [`Caller::org`]).
    pub fn org_id(&self) -> Result<&str, AppError> {
        self.org().map(|org| org.id.as_str())
    }
}

/// Reads a cookie from a `Cookie` header value.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim())
}

/// The client's address: the connection's (`peer`), or behind a trusted proxy the one it
/// forwarded ([`client_of`]).
pub fn client_address(
    headers: &http::HeaderMap,
    peer: Option<std::net::IpAddr>,
    trusted: &[Cidr],
) -> Option<String> {
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(client_of(peer?, &forwarded, trusted).to_string())
}

/// The `Set-Cookie` value for a session token (or, with `None`, one that clears it).
pub fn session_cookie(token: Option<&str>, config: &AuthConfig) -> String {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    match token {
        Some(token) => format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            session_cookie_name(config),
            config.policy.absolute_ms / 1000
        ),
        None => format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
            session_cookie_name(config)
        ),
    }
}

/// Whether `given` is the secret `expected`, compared by their SHA-256 digests (the time taken
/// says nothing about how much of it matched).
pub fn same_secret(given: &str, expected: &str) -> bool {
    use sha2::{Digest as _, Sha256};
    Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
}

/// Turns a store failure into what the browser sees (details go to the log).
pub fn store_failure(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "portal database failure");
    AppError::Unavailable {
        service: "The portal database".into(),
        message: "it did not answer".into(),
    }
}

impl Portal {
    /// The session token a request's headers carry, if any.
    pub fn session_token(&self, headers: &http::HeaderMap) -> Option<String> {
        session_token(headers, session_cookie_name(&self.auth))
    }

    /// The signed-in caller of a request with these headers from `peer`, if it has a live
    /// session.
    pub async fn caller(
        &self,
        headers: &http::HeaderMap,
        peer: Option<std::net::IpAddr>,
    ) -> Result<Option<Caller>, AppError> {
        let Some(token) = self.session_token(headers) else {
            return Ok(None);
        };
        let accounts = &self.accounts;
        let now = crate::now_ms();
        let Some(session) = accounts
            .session(&token, self.auth.policy, now)
            .await
            .map_err(store_failure)?
        else {
            return Ok(None);
        };
        let Some(user) = accounts
            .user_by_id(&session.user_id)
            .await
            .map_err(store_failure)?
        else {
            return Ok(None);
        };
        let memberships = accounts
            .memberships(&user.id)
            .await
            .map_err(store_failure)?;
        // The session's organization if still a member there; otherwise the first one.
        let current = session
            .org_id
            .as_deref()
            .and_then(|id| memberships.iter().find(|m| m.org_id == id))
            .or_else(|| memberships.first())
            .map(|m| OrgRole {
                id: m.org_id.clone(),
                name: m.org_name.clone(),
                role: m.role,
            });
        Ok(Some(Caller {
            user,
            token,
            org: current,
            client_address: client_address(headers, peer, &self.auth.trusted_proxies),
        }))
    }

    /// The caller of a request with these headers, allowed to do `action` in their
    /// organization; otherwise `Unauthenticated` (no session) or `Forbidden` (recorded in the
    /// audit log). Every server function and every live stream asks this.
    pub async fn authorize(
        &self,
        headers: &http::HeaderMap,
        peer: Option<std::net::IpAddr>,
        action: Action,
    ) -> Result<Caller, AppError> {
        let caller = self
            .caller(headers, peer)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !permits(caller.org()?.role, action) {
            self.audit(&caller, &format!("denied:{action:?}"), None, "denied", None)
                .await;
            return Err(AppError::Forbidden(action.describe().into()));
        }
        Ok(caller)
    }

    /// Counts an attempt for each subject before it is made (see
    /// [`crate::accounts::throttle`]); refuses it with [`AppError::RateLimited`] (the seconds to
    /// wait) while any of them must wait.
    pub async fn reserve_attempts(
        &self,
        subjects: &[crate::accounts::throttle::Subject],
        now: i64,
    ) -> Result<(), AppError> {
        for subject in subjects {
            if let Some(until) = self
                .accounts
                .reserve_attempt(subject, now)
                .await
                .map_err(store_failure)?
            {
                let seconds = ((until - now).max(1) as u64).div_ceil(1000);
                return Err(AppError::RateLimited(seconds));
            }
        }
        Ok(())
    }

    /// Appends what `caller` did to the audit log; a failure to record is logged, not shown.
    pub async fn audit(
        &self,
        caller: &Caller,
        action: &str,
        target: Option<&str>,
        outcome: &str,
        operation_id: Option<&str>,
    ) {
        let entry = AuditEntry {
            at: crate::now_ms(),
            org_id: caller.org.as_ref().map(|org| org.id.clone()),
            user_id: Some(caller.user.id.clone()),
            user_email: Some(caller.user.email.clone()),
            action: action.to_owned(),
            target: target.map(str::to_owned),
            outcome: outcome.to_owned(),
            operation_id: operation_id.map(str::to_owned),
            client_address: caller.client_address.clone(),
            ..AuditEntry::default()
        };
        self.record(entry).await;
    }

    /// Appends an entry built by the caller (for actions without a signed-in user: sign-in).
    pub async fn record(&self, entry: AuditEntry) {
        if let Err(error) = Accounts::record(&self.accounts, &entry).await {
            tracing::error!(%error, action = %entry.action, "cannot write the audit log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secure: bool) -> AuthConfig {
        AuthConfig {
            policy: SessionPolicy {
                idle_ms: 1000,
                absolute_ms: 86_400_000,
            },
            secure_cookies: secure,
            signup: SignupPolicy::Open,
            invitation_ms: 1000,
            public_url: "http://127.0.0.1:3000".into(),
            trusted_proxies: Vec::new(),
        }
    }

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_over_https() {
        let cookie = session_cookie(Some("tok"), &config(false));
        assert_eq!(
            cookie,
            "capstan_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400"
        );
        let secure = session_cookie(Some("tok"), &config(true));
        assert!(
            secure.starts_with("__Host-capstan_session=tok; Path=/;"),
            "{secure}"
        );
        assert!(secure.ends_with("; Secure"));
        assert!(session_cookie(None, &config(false)).contains("Max-Age=0"));
    }

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_one_it_forwarded() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let trusted: Vec<Cidr> = ["10.0.0.0/8", "2001:db8::/32"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        // Not a proxy we trust: its header is not believed.
        assert_eq!(
            client_of(ip("192.0.2.9"), &["198.51.100.1"], &trusted),
            ip("192.0.2.9")
        );
        // Through our proxy: the nearest untrusted hop, whatever the client claimed further left.
        assert_eq!(
            client_of(
                ip("10.1.2.3"),
                &["6.6.6.6, 198.51.100.7, 10.9.9.9"],
                &trusted
            ),
            ip("198.51.100.7")
        );
        assert_eq!(client_of(ip("10.1.2.3"), &[], &trusted), ip("10.1.2.3"));
        assert_eq!(
            client_of(ip("2001:db8::1"), &["garbage"], &trusted),
            ip("2001:db8::1"),
            "an unreadable hop stops the walk"
        );
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("not-an-ip".parse::<Cidr>().is_err());
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        assert!("::ffff:0:0/96".parse::<Cidr>().is_ok());
    }

    #[test]
    fn debug_output_never_shows_a_token_or_a_password_hash() {
        let caller = Caller {
            user: User {
                id: "u1".into(),
                email: "a@example.com".into(),
                name: "A".into(),
                password_hash: "$argon2id$v=19$secret-hash".into(),
                created_at: 0,
            },
            token: "raw-session-token".into(),
            org: None,
            client_address: None,
        };
        let shown = format!("{caller:?}");
        assert!(shown.contains("a@example.com"), "{shown}");
        assert!(!shown.contains("raw-session-token"), "{shown}");
        assert!(!shown.contains("secret-hash"), "{shown}");
    }

    #[test]
    fn only_one_cookie_of_the_portals_own_name_is_a_session() {
        let headers = |values: &[&str]| {
            let mut headers = http::HeaderMap::new();
            for value in values {
                headers.append(COOKIE, http::HeaderValue::from_str(value).unwrap());
            }
            headers
        };
        let name = SECURE_SESSION_COOKIE;
        assert_eq!(
            session_token(&headers(&["a=1; __Host-capstan_session=xyz"]), name).as_deref(),
            Some("xyz")
        );
        // The plain name is not read over https (a sibling host could have set it).
        assert_eq!(
            session_token(&headers(&["capstan_session=xyz"]), name),
            None
        );
        // Two of them: one was planted; neither is trusted.
        assert_eq!(
            session_token(
                &headers(&["__Host-capstan_session=a", "__Host-capstan_session=b"]),
                name
            ),
            None
        );
        assert_eq!(
            session_token(&headers(&["__Host-capstan_session="]), name),
            None
        );
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        assert_eq!(
            cookie("a=1; capstan_session=xyz", SESSION_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie("x_capstan_session=xyz", SESSION_COOKIE), None);
    }
}
