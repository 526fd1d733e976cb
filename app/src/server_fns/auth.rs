//! Signing up, in and out, the password, and the organization a session works in.
//!
//! Forms post here without JavaScript too; on success the browser is sent on with a redirect.

use leptos::prelude::*;

use crate::accounts::Profile;
use crate::error::AppError;

/// The signed-in person, or `None` when signed out.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Profile>, AppError> {
    use crate::ssr::auth::signed_in;

    let Some(caller) = signed_in().await? else {
        return Ok(None);
    };
    let portal = crate::ssr::portal()?;
    portal::sessions::profile(&portal, &caller).await.map(Some)
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
    use crate::ssr::auth::{client_address, retry_after, set_session_cookie};

    let portal = crate::ssr::portal()?;
    let form = portal::sessions::SignUp {
        name,
        email,
        password,
        invitation,
        bootstrap,
    };
    let token = retry_after(portal::sessions::sign_up(&portal, form, client_address()).await)?;
    set_session_cookie(Some(&token))?;
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
    use crate::ssr::auth::{client_address, request_token, retry_after, set_session_cookie};

    let portal = crate::ssr::portal()?;
    let signed_in = portal::sessions::sign_in(
        &portal,
        &email,
        &password,
        client_address(),
        request_token(),
    )
    .await;
    set_session_cookie(Some(&retry_after(signed_in)?))?;
    leptos_axum::redirect(&crate::url::local_or_home(next.as_deref()));
    Ok(())
}

/// Ends this session.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::ssr::auth::{request_token, set_session_cookie, signed_in};

    let portal = crate::ssr::portal()?;
    let caller = signed_in().await?;
    portal::sessions::sign_out(&portal, caller.as_ref(), request_token().as_deref()).await?;
    set_session_cookie(None)?;
    clear_site_cache();
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Ends every session of the signed-in person, on every device.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::ssr::auth::{set_session_cookie, signed_in};

    let portal = crate::ssr::portal()?;
    let caller = signed_in().await?.ok_or(AppError::Unauthenticated)?;
    portal::sessions::sign_out_everywhere(&portal, &caller).await?;
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
    use crate::ssr::auth::{retry_after, set_session_cookie, signed_in};

    let portal = crate::ssr::portal()?;
    let caller = signed_in().await?.ok_or(AppError::Unauthenticated)?;
    let changed =
        portal::sessions::change_password(&portal, &caller, &current, &new_password).await;
    set_session_cookie(Some(&retry_after(changed)?))?;
    Ok(())
}

/// Switches the organization this session works in.
#[server(endpoint = "switch_org")]
pub async fn switch_org(org: String) -> Result<(), AppError> {
    use crate::ssr::auth::signed_in;

    let portal = crate::ssr::portal()?;
    let caller = signed_in().await?.ok_or(AppError::Unauthenticated)?;
    portal::sessions::switch_org(&portal, &caller, &org).await?;
    leptos_axum::redirect("/");
    Ok(())
}
