//! Members of an organization: who they are, their roles, invitations by link, changing a
//! role and removing someone. Nobody grants a role above their own, and an organization never
//! loses its last owner.

use portal_types::error::{AppError, FieldError};
use portal_types::members::{InvitationOffer, InvitationRow, MemberRow, Members};
use portal_types::roles::Role;

use crate::Portal;
use crate::accounts::AccountError;
use crate::accounts::authz::{Action, permits};
use crate::auth::{Caller, OrgRole, store_failure};

/// A role named in a form, or which ones there are.
pub fn parse_role(value: &str) -> Result<Role, AppError> {
    Role::parse(value).ok_or_else(|| AppError::Validation {
        fields: vec![FieldError::new(
            "role",
            "Choose one of: viewer, operator, admin, owner.",
        )],
    })
}

/// What a refused membership change means for the person who asked.
pub fn membership_failure(error: AccountError) -> AppError {
    match error {
        AccountError::LastOwner => AppError::Conflict(
            "an organization must keep at least one owner; make someone else owner first".into(),
        ),
        AccountError::NotFound => AppError::NotFound("member".into()),
        other => store_failure(other),
    }
}

/// The members of `caller`'s organization, with its pending invitations and the link made by
/// the last invitation of this session (shown once) for those who manage members.
pub async fn list(portal: &Portal, caller: &Caller) -> Result<Members, AppError> {
    let current = caller.org()?;
    let (org, role) = (current.id.as_str(), current.role);
    let members = portal
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
        portal
            .accounts
            .pending_invitations(org, crate::now_ms())
            .await
            .map_err(store_failure)?
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                role: i.role,
                created_by: i.created_by,
                expires: crate::utc_minute(i.expires_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    let new_link = if permits(role, Action::ManageMembers) {
        portal
            .accounts
            .take_flash(&caller.token)
            .await
            .map_err(store_failure)?
            .and_then(|sealed| portal.sealer.open(&caller.token, &sealed).ok())
    } else {
        None
    };
    Ok(Members {
        org_name: current.name.clone(),
        your_role: role,
        members,
        invitations,
        new_link,
    })
}

/// Ends a pending invitation of `caller`'s organization: its link no longer works.
pub async fn revoke_invitation(portal: &Portal, caller: &Caller, id: &str) -> Result<(), AppError> {
    let org = caller.org_id()?;
    let revoked = portal
        .accounts
        .revoke_invitation(org, id)
        .await
        .map_err(store_failure)?;
    if !revoked {
        return Err(AppError::NotFound(
            "this invitation (used, expired or revoked)".into(),
        ));
    }
    portal
        .audit(caller, "member.invitation-revoke", None, "success", None)
        .await;
    Ok(())
}

/// Creates an invitation link to join `caller`'s organization with `role` (valid for a week,
/// usable once). Nobody invites with a role above their own. With `for_the_page`, the link is
/// also kept (sealed with the session) for the settings page to show once: a browser without
/// JavaScript sees it there.
pub async fn invite(
    portal: &Portal,
    caller: &Caller,
    role: &str,
    for_the_page: bool,
) -> Result<String, AppError> {
    let org = caller.org_id()?;
    let own = caller.org()?.role;
    let role = parse_role(role)?;
    if role > own {
        return Err(AppError::Forbidden(format!(
            "invite someone as {}",
            role.as_str()
        )));
    }
    let token = portal
        .accounts
        .invite(
            org,
            role,
            &caller.user.id,
            crate::now_ms(),
            portal.auth.invitation_ms,
        )
        .await
        .map_err(store_failure)?;
    portal
        .audit(
            caller,
            "member.invite",
            Some(role.as_str()),
            "success",
            None,
        )
        .await;
    let link = format!("{}/invite/{token}", portal.auth.public_url);
    // A form posted without JavaScript comes back to the page, which shows the link once
    // (kept sealed with the session meanwhile: never in an address, a log or the history).
    if for_the_page {
        portal
            .accounts
            .set_flash(&caller.token, &portal.sealer.seal(&caller.token, &link))
            .await
            .map_err(store_failure)?;
    }
    Ok(link)
}

/// Changes a member's role. Nobody grants a role above their own or changes someone above
/// them; the last owner stays an owner.
pub async fn set_role(
    portal: &Portal,
    caller: &Caller,
    user_id: &str,
    role: &str,
) -> Result<(), AppError> {
    let org = caller.org_id()?;
    let own = caller.org()?.role;
    let role = parse_role(role)?;
    let current = portal
        .accounts
        .role(org, user_id)
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
    portal
        .accounts
        .set_role(org, user_id, role)
        .await
        .map_err(membership_failure)?;
    if role < current {
        // What they handed out goes with the role they lost.
        portal
            .accounts
            .revoke_invitations_by(org, user_id)
            .await
            .map_err(store_failure)?;
    }
    portal
        .audit(caller, "member.role", Some(&target), "success", None)
        .await;
    Ok(())
}

/// Removes a member (or, for anyone, leaves the organization oneself); their open live pages
/// of this organization stop and the invitations they made no longer let anyone in.
pub async fn remove(portal: &Portal, caller: &Caller, user_id: &str) -> Result<(), AppError> {
    let org = caller.org_id()?;
    let own = caller.org()?.role;
    let leaving = user_id == caller.user.id;
    if !leaving && !permits(own, Action::ManageMembers) {
        return Err(AppError::Forbidden(Action::ManageMembers.describe().into()));
    }
    let current = portal
        .accounts
        .role(org, user_id)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| AppError::NotFound("member".into()))?;
    if !leaving && current > own {
        return Err(AppError::Forbidden(format!(
            "remove members above your own role ({})",
            own.as_str()
        )));
    }
    portal
        .accounts
        .remove_member(org, user_id)
        .await
        .map_err(membership_failure)?;
    // Their open live pages of this organization stop receiving at once, and the invitations
    // they made no longer let anyone in.
    portal.live.revoke_member(org, user_id);
    portal
        .accounts
        .revoke_invitations_by(org, user_id)
        .await
        .map_err(store_failure)?;
    portal
        .audit(caller, "member.remove", Some(user_id), "success", None)
        .await;
    Ok(())
}

/// What an invitation link offers (public: the link is the secret).
pub async fn invitation_offer(portal: &Portal, token: &str) -> Result<InvitationOffer, AppError> {
    let (org_name, role) = portal
        .accounts
        .peek_invitation(token, crate::now_ms())
        .await
        .map_err(store_failure)?
        .ok_or_else(|| AppError::NotFound("this invitation (it was used, or it expired)".into()))?;
    Ok(InvitationOffer { org_name, role })
}

/// Joins the organization of an invitation with `caller`'s account; the session works there
/// from now on.
pub async fn accept_invitation(
    portal: &Portal,
    caller: &Caller,
    token: &str,
) -> Result<(), AppError> {
    let (org, role) = match portal
        .accounts
        .accept_invitation(token, &caller.user.id, crate::now_ms())
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
    portal
        .accounts
        .set_session_org(&caller.token, &org)
        .await
        .map_err(store_failure)?;
    let mut joined = caller.clone();
    joined.org = Some(OrgRole {
        id: org,
        name: String::new(),
        role,
    });
    portal
        .audit(&joined, "member.join", Some(role.as_str()), "success", None)
        .await;
    Ok(())
}
