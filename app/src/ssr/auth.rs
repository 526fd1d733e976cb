//! The session of the current request, and the one check every server function makes:
//! [`require`] finds the signed-in user, the organization the session works in and the user's
//! role there, and refuses what the role may not do (recording the refusal in the audit log).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::header::{COOKIE, HeaderValue, SET_COOKIE};
use leptos::prelude::*;

use super::accounts::authz::{Action, permits};
use super::accounts::{AccountError, Accounts, AuditEntry, SessionPolicy, User};
use super::{AppState, app_state};
use crate::error::AppError;
use crate::roles::Role;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "capstan_session";

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
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("secure_cookies", &self.secure_cookies)
            .field("signup", &self.signup)
            .finish()
    }
}

/// The signed-in person behind a request, in the organization the session works in.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub token: String,
    /// `None` when the user belongs to no organization.
    pub org: Option<(String, String, Role)>,
    pub client_address: Option<String>,
}

impl Caller {
    /// The organization id, name and role; `Forbidden` when the user has none.
    pub fn org(&self) -> Result<(&str, &str, Role), AppError> {
        self.org
            .as_ref()
            .map(|(id, name, role)| (id.as_str(), name.as_str(), *role))
            .ok_or_else(|| AppError::Forbidden("act without an organization".into()))
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

fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// The session token of the current request, if it carries one.
pub fn request_token() -> Option<String> {
    let parts = request_parts()?;
    let header = parts.headers.get(COOKIE)?.to_str().ok()?;
    cookie(header, SESSION_COOKIE).map(str::to_owned)
}

/// Whether the current request is a plain HTML form post (no JavaScript): its answer is a
/// page to go to, not data.
pub fn plain_form_post() -> bool {
    request_parts()
        .and_then(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|accept| accept.contains("text/html"))
        })
        .unwrap_or(false)
}

/// The client's address, from the connection.
pub fn client_address() -> Option<String> {
    request_parts()?
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
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
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            config.policy.absolute_ms / 1000
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// Sets (or clears) the session cookie on the current response.
pub fn set_session_cookie(token: Option<&str>, config: &AuthConfig) -> Result<(), AppError> {
    let value = HeaderValue::from_str(&session_cookie(token, config))
        .map_err(|e| AppError::Internal(format!("session cookie: {e}")))?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(SET_COOKIE, value);
    }
    Ok(())
}

/// Turns a store failure into what the browser sees (details go to the log).
pub fn store_failure(error: AccountError) -> AppError {
    tracing::error!(%error, "account store failure");
    AppError::Unavailable {
        service: "The portal database".into(),
        message: "it did not answer".into(),
    }
}

/// The signed-in caller, if the request has a live session.
pub async fn signed_in() -> Result<Option<Caller>, AppError> {
    let state = app_state()?;
    let Some(token) = request_token() else {
        return Ok(None);
    };
    let accounts = &state.accounts;
    let now = crate::ssr::now_ms();
    let Some(session) = accounts
        .session(&token, state.auth.policy, now)
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
        .map(|m| (m.org_id.clone(), m.org_name.clone(), m.role));
    Ok(Some(Caller {
        user,
        token,
        org: current,
        client_address: client_address(),
    }))
}

/// The caller, allowed to do `action` in their organization; otherwise `Unauthenticated`
/// (no session) or `Forbidden` (recorded in the audit log).
pub async fn require(action: Action) -> Result<Caller, AppError> {
    let caller = signed_in().await?.ok_or(AppError::Unauthenticated)?;
    let (_, _, role) = caller.org()?;
    if !permits(role, action) {
        audit(&caller, &format!("denied:{action:?}"), None, "denied", None).await;
        return Err(AppError::Forbidden(action.describe().into()));
    }
    Ok(caller)
}

/// Appends to the audit log; a failure to record is logged, not shown.
pub async fn audit(
    caller: &Caller,
    action: &str,
    target: Option<&str>,
    outcome: &str,
    operation_id: Option<&str>,
) {
    let Ok(state) = app_state() else { return };
    audit_in(&state, caller, action, target, outcome, operation_id).await;
}

/// [`audit`] with the state passed in: for tasks that outlive their request (and so have no
/// request context to find it in).
pub async fn audit_in(
    state: &AppState,
    caller: &Caller,
    action: &str,
    target: Option<&str>,
    outcome: &str,
    operation_id: Option<&str>,
) {
    let entry = AuditEntry {
        at: crate::ssr::now_ms(),
        org_id: caller.org.as_ref().map(|(id, _, _)| id.clone()),
        user_id: Some(caller.user.id.clone()),
        user_email: Some(caller.user.email.clone()),
        action: action.to_owned(),
        target: target.map(str::to_owned),
        outcome: outcome.to_owned(),
        operation_id: operation_id.map(str::to_owned),
        client_address: caller.client_address.clone(),
        ..AuditEntry::default()
    };
    record_in(state, entry).await;
}

/// Appends an entry built by the caller (for actions without a signed-in user: sign-in).
pub async fn record(entry: AuditEntry) {
    let Ok(state) = app_state() else { return };
    record_in(&state, entry).await;
}

async fn record_in(state: &AppState, entry: AuditEntry) {
    if let Err(error) = Accounts::record(&state.accounts, &entry).await {
        tracing::error!(%error, action = %entry.action, "cannot write the audit log");
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
        }
    }

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_over_https() {
        let cookie = session_cookie(Some("tok"), &config(false));
        assert_eq!(
            cookie,
            "capstan_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400"
        );
        assert!(session_cookie(Some("tok"), &config(true)).ends_with("; Secure"));
        assert!(session_cookie(None, &config(false)).contains("Max-Age=0"));
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
