//! Members of the organization: who they are, their roles, invitations by link, changing a
//! role and removing someone. Nobody grants a role above their own, and an organization never
//! loses its last owner.

use leptos::prelude::*;

use crate::error::AppError;
use crate::members::{InvitationOffer, Members};

/// The members of the current organization.
#[server(endpoint = "list_members")]
pub async fn list_members() -> Result<Members, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::members::list(&portal, &caller).await
}

/// Ends a pending invitation: its link no longer works.
#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(id: String) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::ManageMembers).await?;
    portal::members::revoke_invitation(&portal, &caller, &id).await
}

/// Creates an invitation link to join the current organization with `role` (valid for a week,
/// usable once). Nobody invites with a role above their own.
#[server(endpoint = "invite_member")]
pub async fn invite_member(role: String) -> Result<String, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::ManageMembers).await?;
    let link =
        portal::members::invite(&portal, &caller, &role, crate::ssr::auth::plain_form_post())
            .await?;
    if crate::ssr::auth::plain_form_post() {
        leptos_axum::redirect("/settings");
    }
    Ok(link)
}

/// Changes a member's role. Nobody grants a role above their own or changes someone above
/// them; the last owner stays an owner.
#[server(endpoint = "set_member_role")]
pub async fn set_member_role(user_id: String, role: String) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::ManageMembers).await?;
    portal::members::set_role(&portal, &caller, &user_id, &role).await
}

/// Removes a member (or, for anyone, leaves the organization oneself).
#[server(endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::members::remove(&portal, &caller, &user_id).await?;
    // Without JavaScript, back to the page with the suggestion to rotate (not when leaving).
    if user_id != caller.user.id && crate::ssr::auth::plain_form_post() {
        leptos_axum::redirect("/settings?removed=1");
    }
    Ok(())
}

/// What an invitation link offers (public: the link is the secret).
#[server(endpoint = "invitation_info")]
pub async fn invitation_info(token: String) -> Result<InvitationOffer, AppError> {
    let portal = crate::ssr::portal()?;
    portal::members::invitation_offer(&portal, &token).await
}

/// Joins the organization of an invitation with the signed-in account.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use crate::ssr::auth::signed_in;

    let caller = signed_in().await?.ok_or(AppError::Unauthenticated)?;
    let portal = crate::ssr::portal()?;
    portal::members::accept_invitation(&portal, &caller, &token).await?;
    leptos_axum::redirect("/");
    Ok(())
}
