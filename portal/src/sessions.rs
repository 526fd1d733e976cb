//! Signing up, signing in and changing the password: each answers the token of the new session
//! (the caller sets it as the cookie), records what happened in the audit log, and counts
//! attempts before any password is looked at ([`Portal::reserve_attempts`]: a refusal is
//! [`AppError::RateLimited`] with the seconds to wait).

use portal_types::accounts::{OrgChoice, Profile, sign_up_errors};
use portal_types::error::{AppError, FieldError};
use portal_types::roles::Role;

use crate::accounts::throttle::Subject;
use crate::accounts::{AccountError, AuditEntry, password as passwords};
use crate::auth::{Caller, SignupPolicy, store_failure};
use crate::{Portal, now_ms};

/// What the sign-up form sends.
#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub name: String,
    pub email: String,
    pub password: String,
    /// The invitation token of the link followed, if any.
    pub invitation: Option<String>,
    /// The bootstrap token, for the first account of a portal listening beyond loopback.
    pub bootstrap: Option<String>,
}

/// Creates an account and its first session (the answer is the session token). The first
/// account of a fresh install becomes the owner of the organization `default` (with the
/// bootstrap token when the portal listens beyond loopback); later ones join with an
/// invitation, or (when sign-up is open) get an organization of their own. `address` is the
/// client's (sign-ups are counted per address, except from the portal's own host).
pub async fn sign_up(
    portal: &Portal,
    form: SignUp,
    address: Option<String>,
) -> Result<String, AppError> {
    let SignUp {
        name,
        email,
        password,
        invitation,
        bootstrap,
    } = form;
    let errors = sign_up_errors(&name, &email, &password);
    if !errors.is_empty() {
        return Err(AppError::Validation { fields: errors });
    }
    let accounts = &portal.accounts;
    let now = now_ms();
    // Per client address; one on the portal's own host (a developer, the browser tests) is not
    // counted: behind a reverse proxy, `--trusted-proxies` makes the real client the address.
    if let Some(address) = &address
        && !address
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    {
        portal
            .reserve_attempts(&[Subject::sign_up(address)], now)
            .await?;
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
        if let Some(expected) = &portal.bootstrap
            && accounts.count_users().await.map_err(store_failure)? == 0
            && !crate::auth::same_secret(bootstrap.as_deref().unwrap_or(""), expected)
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
    if !first && invitation.is_none() && portal.auth.signup == SignupPolicy::Invitation {
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
        crate::orchestration::mint_embedded(portal, &org).await?;
        org
    };

    let token = accounts
        .create_session(&user.id, Some(&org), address.as_deref(), now)
        .await
        .map_err(store_failure)?;
    portal
        .record(AuditEntry {
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
    Ok(token)
}

/// Signs in with email and password; the answer is the new session's token. Repeated failures
/// wait longer and longer; the answer never says whether the account exists. Every sign-in
/// gets a new session: `old_session`, the one the browser had, ends.
pub async fn sign_in(
    portal: &Portal,
    email: &str,
    password: &str,
    address: Option<String>,
    old_session: Option<String>,
) -> Result<String, AppError> {
    let accounts = &portal.accounts;
    let now = now_ms();
    let email = email.trim().to_lowercase();
    let mut subjects = vec![Subject::Account(email.clone())];
    if let Some(address) = &address {
        subjects.push(Subject::address(address));
    }
    // Counted before the password is looked at: parallel guesses get only the free attempts.
    portal.reserve_attempts(&subjects, now).await?;
    let user = accounts
        .user_by_email(&email)
        .await
        .map_err(store_failure)?;
    let valid = match &user {
        Some(user) => passwords::verify_off_workers(password, &user.password_hash).await,
        None => {
            passwords::verify_nothing_off_workers(password).await;
            false
        }
    };
    let entry = |outcome: &str, user_id: Option<String>| AuditEntry {
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
        portal.record(entry("failure", None)).await;
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
    if let Some(old) = old_session {
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
    let mut success = entry("success", Some(user.id.clone()));
    success.org_id = org;
    portal.record(success).await;
    Ok(token)
}

/// Changes `caller`'s password once the current one is given; every session of the account
/// ends and the answer is the token of a new one for this browser.
pub async fn change_password(
    portal: &Portal,
    caller: &Caller,
    current: &str,
    new_password: &str,
) -> Result<String, AppError> {
    // A stolen session must not be a way to guess the password.
    let subject = Subject::PasswordChange(caller.user.id.clone());
    portal
        .reserve_attempts(std::slice::from_ref(&subject), now_ms())
        .await?;
    if !passwords::verify_off_workers(current, &caller.user.password_hash).await {
        portal
            .audit(caller, "account.change-password", None, "failure", None)
            .await;
        return Err(AppError::Validation {
            fields: vec![FieldError::new(
                "current",
                "This is not your current password.",
            )],
        });
    }
    portal
        .accounts
        .forget_attempts(&subject)
        .await
        .map_err(store_failure)?;
    if let Some(rule) = passwords::refusal(new_password, &caller.user.email) {
        return Err(AppError::Validation {
            fields: vec![FieldError::new(
                "new_password",
                format!("The new password {rule}."),
            )],
        });
    }
    let new_hash = passwords::hash_off_workers(new_password).await;
    let accounts = &portal.accounts;
    accounts
        .set_password(&caller.user.id, &new_hash)
        .await
        .map_err(store_failure)?;
    accounts
        .end_sessions_of(&caller.user.id)
        .await
        .map_err(store_failure)?;
    portal.live.revoke_user(&caller.user.id);
    let org = caller.org.as_ref().map(|org| org.id.as_str());
    let token = accounts
        .create_session(
            &caller.user.id,
            org,
            caller.client_address.as_deref(),
            now_ms(),
        )
        .await
        .map_err(store_failure)?;
    portal
        .audit(caller, "account.change-password", None, "success", None)
        .await;
    Ok(token)
}

/// Who `caller` is and the organizations they can work in.
pub async fn profile(portal: &Portal, caller: &Caller) -> Result<Profile, AppError> {
    let orgs: Vec<OrgChoice> = portal
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
        .and_then(|current| orgs.iter().find(|o| o.id == current.id).cloned());
    Ok(Profile {
        name: caller.user.name.clone(),
        email: caller.user.email.clone(),
        org,
        orgs,
    })
}

/// Ends every session of `caller`'s account, on every device, and their live streams.
pub async fn sign_out_everywhere(portal: &Portal, caller: &Caller) -> Result<(), AppError> {
    let ended = portal
        .accounts
        .end_sessions_of(&caller.user.id)
        .await
        .map_err(store_failure)?;
    portal.live.revoke_user(&caller.user.id);
    portal
        .audit(
            caller,
            "account.sign-out-everywhere",
            Some(&format!("{ended} sessions")),
            "success",
            None,
        )
        .await;
    Ok(())
}

/// Switches the organization `caller`'s session works in (one they are a member of).
pub async fn switch_org(portal: &Portal, caller: &Caller, org: &str) -> Result<(), AppError> {
    let member = portal
        .accounts
        .role(org, &caller.user.id)
        .await
        .map_err(store_failure)?
        .is_some();
    if !member {
        return Err(AppError::NotFound("organization".into()));
    }
    portal
        .accounts
        .set_session_org(&caller.token, org)
        .await
        .map_err(store_failure)?;
    Ok(())
}

/// Ends the session `token` (the browser's) and its live streams; `caller`, its person, if the
/// session was still alive.
pub async fn sign_out(
    portal: &Portal,
    caller: Option<&Caller>,
    token: Option<&str>,
) -> Result<(), AppError> {
    if let Some(caller) = caller {
        portal
            .audit(caller, "account.sign-out", None, "success", None)
            .await;
    }
    if let Some(token) = token {
        portal
            .accounts
            .end_session(token)
            .await
            .map_err(store_failure)?;
        portal
            .live
            .revoke_session(&crate::accounts::token_hash(token));
    }
    Ok(())
}
