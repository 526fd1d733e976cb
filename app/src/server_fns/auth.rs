//! Signing up, in and out, the password, and the organization a session works in.
//!
//! Forms post here without JavaScript too; on success the browser is sent on with a redirect.

use leptos::prelude::*;

use crate::accounts::Profile;
#[cfg(feature = "ssr")]
use crate::accounts::{OrgChoice, sign_up_errors};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{error::FieldError, roles::Role};

/// The signed-in person, or `None` when signed out.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Profile>, AppError> {
    use crate::ssr::auth::signed_in;
    use portal::auth::store_failure;
    let Some(caller) = signed_in().await? else {
        return Ok(None);
    };
    let state = crate::ssr::portal()?;
    let orgs: Vec<OrgChoice> = state
        .accounts
        .memberships(&caller.user.id)
        .await
        .map_err(store_failure)?
        .into_iter()
        .map(|m| OrgChoice {
            id: m.org_id,
            name: m.org_name,
            role: m.role,
        })
        .collect();
    let org = caller
        .org
        .as_ref()
        .and_then(|(id, _, _)| orgs.iter().find(|o| &o.id == id).cloned());
    Ok(Some(Profile {
        name: caller.user.name.clone(),
        email: caller.user.email.clone(),
        org,
        orgs,
    }))
}

/// Creates an account and signs it in. The first account of a fresh install becomes the owner
/// of the organization `default` (with the bootstrap token when the portal listens beyond
/// loopback); later ones join with an invitation, or (when sign-up is open) get an
/// organization of their own.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    invitation: Option<String>,
    /// The bootstrap token, for the first account of a portal listening beyond loopback.
    #[server(default)]
    bootstrap: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::auth::{client_address, record, reserve_attempts, set_session_cookie};
    use portal::accounts::throttle::Subject;
    use portal::accounts::{AccountError, password as passwords};
    use portal::auth::{SignupPolicy, store_failure};
    use portal::now_ms;

    let errors = sign_up_errors(&name, &email, &password);
    if !errors.is_empty() {
        return Err(AppError::Validation { fields: errors });
    }
    let state = crate::ssr::portal()?;
    let accounts = &state.accounts;
    let now = now_ms();
    let address = client_address();
    // Per client address; one on the portal's own host (a developer, the browser tests) is not
    // counted: behind a reverse proxy, `--trusted-proxies` makes the real client the address.
    if let Some(address) = &address
        && !address
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    {
        reserve_attempts(&[Subject::sign_up(address)], now).await?;
    }
    let invitation = invitation.filter(|t| !t.trim().is_empty());
    let refused_invitation = || AppError::Validation {
        fields: vec![FieldError::new(
            "invitation",
            "This invitation was used, expired, or never existed. Ask for a new link.",
        )],
    };
    // Checked before anything is hashed or written (it is claimed again, atomically, below).
    if let Some(token) = &invitation
        && accounts
            .peek_invitation(token, now)
            .await
            .map_err(store_failure)?
            .is_none()
    {
        return Err(refused_invitation());
    }
    // The first account of the installation: exactly one sign-up can claim it. When the
    // portal listens beyond loopback it also needs the bootstrap token from the log.
    let first = invitation.is_none() && {
        if let Some(expected) = &state.bootstrap
            && accounts.count_users().await.map_err(store_failure)? == 0
            && !portal::auth::same_secret(bootstrap.as_deref().unwrap_or(""), expected)
        {
            return Err(AppError::Forbidden(
                "create the first account without the bootstrap link; open the sign-up link \
                 the portal printed in its log at start"
                    .into(),
            ));
        }
        accounts
            .claim_first_account(&email.trim().to_lowercase())
            .await
            .map_err(store_failure)?
    };
    if !first && invitation.is_none() && state.auth.signup == SignupPolicy::Invitation {
        return Err(AppError::Forbidden(
            "sign up without an invitation; ask an admin of your organization for a link".into(),
        ));
    }
    let password_hash = passwords::hash_off_workers(&password).await;
    let created = accounts
        .create_user(&email, &name, &password_hash, now)
        .await;
    if created.is_err() && first {
        accounts
            .release_first_account()
            .await
            .map_err(store_failure)?;
    }
    let user = created.map_err(|e| match e {
        AccountError::EmailTaken => AppError::Validation {
            fields: vec![FieldError::new(
                "email",
                "An account with this email exists. Sign in instead.",
            )],
        },
        other => store_failure(other),
    })?;

    let org = if let Some(token) = invitation {
        match accounts.accept_invitation(&token, &user.id, now).await {
            Ok((org, _)) => org,
            Err(AccountError::InvitationInvalid) => {
                // Used by someone else since it was checked above.
                accounts
                    .delete_user(&user.id)
                    .await
                    .map_err(store_failure)?;
                return Err(refused_invitation());
            }
            Err(other) => return Err(store_failure(other)),
        }
    } else {
        // A new organization every time: never one joined by its name.
        let org_name = if first {
            "default".to_owned()
        } else {
            format!("{}'s organization", user.name)
        };
        let org = accounts
            .create_org_named_like(&org_name, now)
            .await
            .map_err(store_failure)?;
        accounts
            .add_member(&org, &user.id, Role::Owner, now)
            .await
            .map_err(store_failure)?;
        portal::orchestration::mint_embedded(&state, &org).await?;
        org
    };

    let token = accounts
        .create_session(&user.id, Some(&org), address.as_deref(), now)
        .await
        .map_err(store_failure)?;
    set_session_cookie(Some(&token))?;
    record(portal::accounts::AuditEntry {
        at: now,
        org_id: Some(org),
        user_id: Some(user.id.clone()),
        user_email: Some(user.email.clone()),
        action: "account.sign-up".into(),
        target: Some(user.email.clone()),
        outcome: "success".into(),
        operation_id: None,
        client_address: address,
        ..Default::default()
    })
    .await;
    leptos_axum::redirect("/");
    Ok(())
}

/// Signs in with email and password. Repeated failures wait longer and longer; the answer never
/// says whether the account exists. Every sign-in gets a new session.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::auth::{
        client_address, record, request_token, reserve_attempts, set_session_cookie,
    };
    use portal::accounts::password as passwords;
    use portal::accounts::throttle::Subject;
    use portal::auth::store_failure;
    use portal::now_ms;

    let state = crate::ssr::portal()?;
    let accounts = &state.accounts;
    let now = now_ms();
    let email = email.trim().to_lowercase();
    let address = client_address();
    let mut subjects = vec![Subject::Account(email.clone())];
    if let Some(address) = &address {
        subjects.push(Subject::address(address));
    }
    // Counted before the password is looked at: parallel guesses get only the free attempts.
    reserve_attempts(&subjects, now).await?;
    let user = accounts
        .user_by_email(&email)
        .await
        .map_err(store_failure)?;
    let valid = match &user {
        Some(user) => passwords::verify_off_workers(&password, &user.password_hash).await,
        None => {
            passwords::verify_nothing_off_workers(&password).await;
            false
        }
    };
    let entry = |outcome: &str, user_id: Option<String>| portal::accounts::AuditEntry {
        at: now,
        user_id,
        user_email: Some(email.clone()),
        action: "account.sign-in".into(),
        target: Some(email.clone()),
        outcome: outcome.into(),
        client_address: address.clone(),
        ..Default::default()
    };
    let Some(user) = user.filter(|_| valid) else {
        record(entry("failure", None)).await;
        return Err(AppError::Validation {
            fields: vec![FieldError::new(
                "password",
                "The email or the password is wrong.",
            )],
        });
    };
    for subject in &subjects {
        accounts
            .forget_attempts(subject)
            .await
            .map_err(store_failure)?;
    }
    // A session the browser already had ends: the signed-in session is always a new one.
    if let Some(old) = request_token() {
        accounts.end_session(&old).await.map_err(store_failure)?;
    }
    let org = accounts
        .memberships(&user.id)
        .await
        .map_err(store_failure)?
        .first()
        .map(|m| m.org_id.clone());
    let token = accounts
        .create_session(&user.id, org.as_deref(), address.as_deref(), now)
        .await
        .map_err(store_failure)?;
    set_session_cookie(Some(&token))?;
    let mut success = entry("success", Some(user.id.clone()));
    success.org_id = org;
    record(success).await;
    leptos_axum::redirect(&crate::url::local_or_home(next.as_deref()));
    Ok(())
}

/// Ends this session.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::ssr::auth::{audit, request_token, set_session_cookie, signed_in};
    use portal::auth::store_failure;
    let state = crate::ssr::portal()?;
    if let Some(caller) = signed_in().await? {
        audit(&caller, "account.sign-out", None, "success", None).await;
    }
    if let Some(token) = request_token() {
        state
            .accounts
            .end_session(&token)
            .await
            .map_err(store_failure)?;
        state
            .live
            .revoke_session(&portal::accounts::token_hash(&token));
    }
    set_session_cookie(None)?;
    clear_site_cache();
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Ends every session of the signed-in person, on every device.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::ssr::auth::{audit, set_session_cookie, signed_in};
    use portal::auth::store_failure;
    let state = crate::ssr::portal()?;
    let caller = signed_in().await?.ok_or(AppError::Unauthenticated)?;
    let ended = state
        .accounts
        .end_sessions_of(&caller.user.id)
        .await
        .map_err(store_failure)?;
    state.live.revoke_user(&caller.user.id);
    audit(
        &caller,
        "account.sign-out-everywhere",
        Some(&format!("{ended} sessions")),
        "success",
        None,
    )
    .await;
    set_session_cookie(None)?;
    clear_site_cache();
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Asks the browser to drop what it cached of the portal (pages are `no-store` already; this
/// covers anything an older version or a proxy kept).
#[cfg(feature = "ssr")]
fn clear_site_cache() {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::HeaderName::from_static("clear-site-data"),
            http::HeaderValue::from_static("\"cache\""),
        );
    }
}

/// Changes the password; every other session of the account ends.
#[server(endpoint = "change_password")]
pub async fn change_password(current: String, new_password: String) -> Result<(), AppError> {
    use crate::ssr::auth::{audit, reserve_attempts, set_session_cookie, signed_in};
    use portal::accounts::password as passwords;
    use portal::accounts::throttle::Subject;
    use portal::auth::store_failure;
    let state = crate::ssr::portal()?;
    let caller = signed_in().await?.ok_or(AppError::Unauthenticated)?;
    // A stolen session must not be a way to guess the password.
    let subject = Subject::PasswordChange(caller.user.id.clone());
    reserve_attempts(std::slice::from_ref(&subject), portal::now_ms()).await?;
    if !passwords::verify_off_workers(&current, &caller.user.password_hash).await {
        audit(&caller, "account.change-password", None, "failure", None).await;
        return Err(AppError::Validation {
            fields: vec![FieldError::new(
                "current",
                "This is not your current password.",
            )],
        });
    }
    state
        .accounts
        .forget_attempts(&subject)
        .await
        .map_err(store_failure)?;
    if let Some(rule) = passwords::refusal(&new_password, &caller.user.email) {
        return Err(AppError::Validation {
            fields: vec![FieldError::new(
                "new_password",
                format!("The new password {rule}."),
            )],
        });
    }
    let new_hash = passwords::hash_off_workers(&new_password).await;
    let accounts = &state.accounts;
    accounts
        .set_password(&caller.user.id, &new_hash)
        .await
        .map_err(store_failure)?;
    accounts
        .end_sessions_of(&caller.user.id)
        .await
        .map_err(store_failure)?;
    state.live.revoke_user(&caller.user.id);
    let org = caller.org.as_ref().map(|(id, _, _)| id.as_str());
    let token = accounts
        .create_session(
            &caller.user.id,
            org,
            caller.client_address.as_deref(),
            portal::now_ms(),
        )
        .await
        .map_err(store_failure)?;
    set_session_cookie(Some(&token))?;
    audit(&caller, "account.change-password", None, "success", None).await;
    Ok(())
}

/// Switches the organization this session works in.
#[server(endpoint = "switch_org")]
pub async fn switch_org(org: String) -> Result<(), AppError> {
    use crate::ssr::auth::signed_in;
    use portal::auth::store_failure;
    let state = crate::ssr::portal()?;
    let caller = signed_in().await?.ok_or(AppError::Unauthenticated)?;
    let member = state
        .accounts
        .role(&org, &caller.user.id)
        .await
        .map_err(store_failure)?
        .is_some();
    if !member {
        return Err(AppError::NotFound("organization".into()));
    }
    state
        .accounts
        .set_session_org(&caller.token, &org)
        .await
        .map_err(store_failure)?;
    leptos_axum::redirect("/");
    Ok(())
}
