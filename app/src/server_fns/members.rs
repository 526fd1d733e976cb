//! Members of the organization: who they are, their roles, invitations by link, changing a
//! role and removing someone. Nobody grants a role above their own, and an organization never
//! loses its last owner.

use leptos::prelude::*;

use crate::error::AppError;
use crate::members::{InvitationOffer, Members};
#[cfg(feature = "ssr")]
use crate::members::{InvitationRow, MemberRow};
#[cfg(feature = "ssr")]
use crate::roles::Role;

#[cfg(feature = "ssr")]
fn parse_role(value: &str) -> Result<Role, AppError> {
    Role::parse(value).ok_or_else(|| AppError::Validation {
        fields: vec![crate::error::FieldError::new(
            "role",
            "Choose one of: viewer, operator, admin, owner.",
        )],
    })
}

/// What a refused membership change means for the person who asked.
#[cfg(feature = "ssr")]
fn membership_failure(error: portal::accounts::AccountError) -> AppError {
    use portal::accounts::AccountError;
    match error {
        AccountError::LastOwner => AppError::Conflict(
            "an organization must keep at least one owner; make someone else owner first".into(),
        ),
        AccountError::NotFound => AppError::NotFound("member".into()),
        other => portal::auth::store_failure(other),
    }
}

/// The members of the current organization.
#[server(endpoint = "list_members")]
pub async fn list_members() -> Result<Members, AppError> {
    use crate::ssr::auth::require;
    use portal::accounts::authz::{Action, permits};
    use portal::auth::store_failure;
    let caller = require(Action::Read).await?;
    let (org, org_name, role) = caller.org()?;
    let state = crate::ssr::portal()?;
    let members = state
        .accounts
        .members(org)
        .await
        .map_err(store_failure)?
        .into_iter()
        .map(|m| MemberRow {
            you: m.user_id == caller.user.id,
            user_id: m.user_id,
            name: m.name,
            email: m.email,
            role: m.role,
        })
        .collect();
    let invitations = if permits(role, Action::ManageMembers) {
        state
            .accounts
            .pending_invitations(org, portal::now_ms())
            .await
            .map_err(store_failure)?
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                role: i.role,
                created_by: i.created_by,
                expires: portal::utc_minute(i.expires_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    let new_link = if permits(role, Action::ManageMembers) {
        state
            .accounts
            .take_flash(&caller.token)
            .await
            .map_err(store_failure)?
            .and_then(|sealed| state.sealer.open(&caller.token, &sealed).ok())
    } else {
        None
    };
    Ok(Members {
        org_name: org_name.to_owned(),
        your_role: role,
        members,
        invitations,
        new_link,
    })
}

/// Ends a pending invitation: its link no longer works.
#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(id: String) -> Result<(), AppError> {
    use crate::ssr::auth::{audit, require};
    use portal::accounts::authz::Action;
    use portal::auth::store_failure;
    let caller = require(Action::ManageMembers).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::portal()?;
    let revoked = state
        .accounts
        .revoke_invitation(org, &id)
        .await
        .map_err(store_failure)?;
    if !revoked {
        return Err(AppError::NotFound(
            "this invitation (used, expired or revoked)".into(),
        ));
    }
    audit(&caller, "member.invitation-revoke", None, "success", None).await;
    Ok(())
}

/// Creates an invitation link to join the current organization with `role` (valid for a week,
/// usable once). Nobody invites with a role above their own.
#[server(endpoint = "invite_member")]
pub async fn invite_member(role: String) -> Result<String, AppError> {
    use crate::ssr::auth::{audit, require};
    use portal::accounts::authz::Action;
    use portal::auth::store_failure;
    let caller = require(Action::ManageMembers).await?;
    let (org, _, own) = caller.org()?;
    let role = parse_role(&role)?;
    if role > own {
        return Err(AppError::Forbidden(format!(
            "invite someone as {}",
            role.as_str()
        )));
    }
    let state = crate::ssr::portal()?;
    let token = state
        .accounts
        .invite(
            org,
            role,
            &caller.user.id,
            portal::now_ms(),
            state.auth.invitation_ms,
        )
        .await
        .map_err(store_failure)?;
    audit(
        &caller,
        "member.invite",
        Some(role.as_str()),
        "success",
        None,
    )
    .await;
    let link = format!("{}/invite/{token}", state.auth.public_url);
    // A form posted without JavaScript comes back to the page, which shows the link once
    // (kept sealed with the session meanwhile: never in an address, a log or the history).
    if crate::ssr::auth::plain_form_post() {
        state
            .accounts
            .set_flash(&caller.token, &state.sealer.seal(&caller.token, &link))
            .await
            .map_err(store_failure)?;
        leptos_axum::redirect("/settings");
    }
    Ok(link)
}

/// Changes a member's role. Nobody grants a role above their own or changes someone above
/// them; the last owner stays an owner.
#[server(endpoint = "set_member_role")]
pub async fn set_member_role(user_id: String, role: String) -> Result<(), AppError> {
    use crate::ssr::auth::{audit, require};
    use portal::accounts::authz::Action;
    use portal::auth::store_failure;
    let caller = require(Action::ManageMembers).await?;
    let (org, _, own) = caller.org()?;
    let role = parse_role(&role)?;
    let state = crate::ssr::portal()?;
    let current = state
        .accounts
        .role(org, &user_id)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| AppError::NotFound("member".into()))?;
    if role > own || current > own {
        return Err(AppError::Forbidden(format!(
            "change roles above your own ({})",
            own.as_str()
        )));
    }
    let target = format!("{user_id}:{}", role.as_str());
    state
        .accounts
        .set_role(org, &user_id, role)
        .await
        .map_err(membership_failure)?;
    if role < current {
        // What they handed out goes with the role they lost.
        state
            .accounts
            .revoke_invitations_by(org, &user_id)
            .await
            .map_err(store_failure)?;
    }
    audit(&caller, "member.role", Some(&target), "success", None).await;
    Ok(())
}

/// Removes a member (or, for anyone, leaves the organization oneself).
#[server(endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    use crate::ssr::auth::{audit, require};
    use portal::accounts::authz::{Action, permits};
    use portal::auth::store_failure;
    let caller = require(Action::Read).await?;
    let (org, _, own) = caller.org()?;
    let leaving = user_id == caller.user.id;
    if !leaving && !permits(own, Action::ManageMembers) {
        return Err(AppError::Forbidden(Action::ManageMembers.describe().into()));
    }
    let state = crate::ssr::portal()?;
    let current = state
        .accounts
        .role(org, &user_id)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| AppError::NotFound("member".into()))?;
    if !leaving && current > own {
        return Err(AppError::Forbidden(format!(
            "remove members above your own role ({})",
            own.as_str()
        )));
    }
    state
        .accounts
        .remove_member(org, &user_id)
        .await
        .map_err(membership_failure)?;
    // Their open live pages of this organization stop receiving at once, and the invitations
    // they made no longer let anyone in.
    state.live.revoke_member(org, &user_id);
    state
        .accounts
        .revoke_invitations_by(org, &user_id)
        .await
        .map_err(store_failure)?;
    audit(&caller, "member.remove", Some(&user_id), "success", None).await;
    // Without JavaScript, back to the page with the suggestion to rotate (not when leaving).
    if !leaving && crate::ssr::auth::plain_form_post() {
        leptos_axum::redirect("/settings?removed=1");
    }
    Ok(())
}

/// What an invitation link offers (public: the link is the secret).
#[server(endpoint = "invitation_info")]
pub async fn invitation_info(token: String) -> Result<InvitationOffer, AppError> {
    use portal::auth::store_failure;
    let state = crate::ssr::portal()?;
    let (org_name, role) = state
        .accounts
        .peek_invitation(&token, portal::now_ms())
        .await
        .map_err(store_failure)?
        .ok_or_else(|| AppError::NotFound("this invitation (it was used, or it expired)".into()))?;
    Ok(InvitationOffer { org_name, role })
}

/// Joins the organization of an invitation with the signed-in account.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use crate::ssr::auth::{audit, signed_in};
    use portal::accounts::AccountError;
    use portal::auth::store_failure;
    let caller = signed_in().await?.ok_or(AppError::Unauthenticated)?;
    let state = crate::ssr::portal()?;
    let (org, role) = match state
        .accounts
        .accept_invitation(&token, &caller.user.id, portal::now_ms())
        .await
    {
        Ok(joined) => joined,
        Err(AccountError::InvitationInvalid) => {
            return Err(AppError::NotFound(
                "this invitation (it was used, or it expired)".into(),
            ));
        }
        Err(other) => return Err(store_failure(other)),
    };
    state
        .accounts
        .set_session_org(&caller.token, &org)
        .await
        .map_err(store_failure)?;
    let mut joined = caller.clone();
    joined.org = Some((org, String::new(), role));
    audit(&joined, "member.join", Some(role.as_str()), "success", None).await;
    leptos_axum::redirect("/");
    Ok(())
}
