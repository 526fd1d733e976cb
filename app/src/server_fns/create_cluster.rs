//! Creating a cluster through the wizard: the reference data the form offers
//! ([`wizard_options`]) and the create itself ([`create_cluster`]).
//!
//! The create runs [`crate::wizard::plan`], the same function the browser runs, so both refuse
//! the same input with the same words, and nothing is created from a refused form. A form is
//! created at most once: its idempotency token is claimed in the portal store first
//! (`portal::create_requests`), so a double submit lands on the first submit's cluster. The
//! work is `portal::create`; this file is the Leptos side.
//!
//! Without JavaScript the form posts here directly. On success the browser is redirected to the
//! new cluster's page; on a refusal it is sent back to `/clusters/new` with what was typed and
//! the error in the address, where the page shows both.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
use crate::wizard::{ClusterForm, WizardChoices};

/// What the wizard can offer in `zone` (default: the organization's default zone): the
/// organization's zones, Kubernetes versions (newest first), instance types, and the security
/// groups, anti-affinity groups and private networks nodepools can attach to. Comes with a
/// fresh idempotency token for a new form.
#[server(endpoint = "wizard_options")]
pub async fn wizard_options(zone: Option<String>) -> Result<WizardChoices, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Create).await?;
    let org = caller.org_id()?;
    let (client, zones) = portal::orchestration::client_for(&portal, org).await?;
    portal::create::choices(&client, &zones, zone.as_deref().unwrap_or_default()).await
}

/// Creates the cluster the form describes, then its nodepools, and sends the browser to the
/// cluster's page (the answer is that page's address). Refuses an invalid form with every
/// field error and creates nothing. A second submit of the same form (same token) creates
/// nothing either and lands on the first submit's cluster.
#[server(endpoint = "create_cluster")]
pub async fn create_cluster(form: ClusterForm) -> Result<String, AppError> {
    use portal::accounts::authz::Action;

    let created = async {
        let (portal, caller) = crate::ssr::portal_for(Action::Create).await?;
        portal::create::create(&portal, &caller, &form).await
    };
    match created.await {
        Ok(path) => {
            leptos_axum::redirect(&path);
            Ok(path)
        }
        Err(error) => {
            back_to_form("/clusters/new", CreateCluster::PATH, &form, &error);
            Err(error)
        }
    }
}

/// Without JavaScript, a refusal sends the browser back to the form's `page` with what was
/// typed and the error of the server function at `path` in the address (as server functions
/// report errors to plain forms, plus the form itself, which they would lose).
#[cfg(feature = "ssr")]
pub(crate) fn back_to_form(page: &str, path: &str, form: &ClusterForm, error: &AppError) {
    use base64::Engine as _;
    use leptos::server_fn::error::FromServerFnError as _;

    if !crate::ssr::auth::plain_form_post() {
        return;
    }
    #[derive(serde::Serialize)]
    struct Args<'a> {
        form: &'a ClusterForm,
    }
    let typed = serde_qs::to_string(&Args { form }).unwrap_or_default();
    let encoded = base64::engine::general_purpose::URL_SAFE.encode(error.ser());
    let address = format!(
        "{page}?{typed}&__path={}&__err={}",
        crate::url::encode(path),
        crate::url::encode(&encoded)
    );
    leptos_axum::redirect(&address);
}
