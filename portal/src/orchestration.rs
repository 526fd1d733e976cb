//! Each organization's way to the orchestration API: its credentials (the secret sealed at
//! rest), and the client built from them.

use sks_api::ZoneName;

use super::Portal;
use super::accounts::StoredCredentials;
use super::auth::{Caller, store_failure};
use portal_types::error::AppError;

/// Credentials of the embedded orchestrator.
pub const EMBEDDED: &str = "embedded";

/// Gives a new organization its own key on the embedded orchestrator, in every zone.
pub async fn mint_embedded(portal: &Portal, org: &str) -> Result<(), AppError> {
    let (key, secret) = (portal.minter)(org.to_owned()).await.map_err(|message| {
        tracing::error!(%message, "cannot mint orchestration credentials");
        AppError::Unavailable {
            service: "The local orchestrator".into(),
            message: "it could not issue credentials".into(),
        }
    })?;
    let credentials = StoredCredentials {
        kind: EMBEDDED.into(),
        api_key: key,
        secret_sealed: portal.sealer.seal(org, &secret),
        zones: ZoneName::ALL
            .iter()
            .map(|z| z.as_str().to_owned())
            .collect(),
        updated_at: super::now_ms(),
    };
    portal
        .accounts
        .set_credentials(org, &credentials)
        .await
        .map_err(store_failure)
}

/// A client for the organization's orchestration API and the zones it uses.
pub async fn client_for(
    portal: &Portal,
    org: &str,
) -> Result<(sks_api::client::Client, Vec<ZoneName>), AppError> {
    use sks_api::client::Client;
    use sks_api::sign::Credentials;

    let credentials = portal
        .accounts
        .credentials(org)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| {
            AppError::Conflict(
                "this organization has no orchestration credentials; an owner can set them in Settings"
                    .into(),
            )
        })?;
    let zones = credentials
        .zones
        .iter()
        .map(|z| ZoneName::from_wire(z))
        .filter(ZoneName::is_known)
        .collect();
    let identity = format!(
        "{}\n{}\n{}",
        credentials.kind, credentials.api_key, credentials.secret_sealed
    );
    if let Some(client) = portal.clients.get(org, &identity) {
        return Ok((client, zones));
    }
    let secret = portal
        .sealer
        .open(org, &credentials.secret_sealed)
        .map_err(|e| {
            tracing::error!(%e, "cannot open the organization's API secret");
            AppError::Internal(
                "the stored API secret cannot be opened with this portal's key".into(),
            )
        })?;
    let endpoint = if credentials.kind == EMBEDDED {
        &portal.orchestration.endpoint
    } else {
        &portal.exoscale_endpoint
    };
    let client = Client::new(
        client_config(portal, endpoint),
        Credentials::new(credentials.api_key, secret),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    portal.clients.keep(org, identity, client.clone());
    Ok((client, zones))
}

/// The organizations' clients, each kept while its organization's credentials stay the same
/// (kind, key and sealed secret: any change of them builds a new client), so calls reuse the
/// client's connections instead of opening new ones.
#[derive(Clone, Default)]
pub struct Clients {
    by_org: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<String, (String, sks_api::client::Client)>>,
    >,
}

impl Clients {
    fn get(&self, org: &str, identity: &str) -> Option<sks_api::client::Client> {
        let by_org = self.by_org.lock().unwrap_or_else(|e| e.into_inner());
        by_org
            .get(org)
            .filter(|(kept, _)| kept == identity)
            .map(|(_, client)| client.clone())
    }

    fn keep(&self, org: &str, identity: String, client: sks_api::client::Client) {
        let mut by_org = self.by_org.lock().unwrap_or_else(|e| e.into_inner());
        by_org.insert(org.to_owned(), (identity, client));
    }
}

/// How the portal's clients reach `endpoint`: the defaults, with the configured timeout.
pub fn client_config(portal: &Portal, endpoint: &str) -> sks_api::client::ClientConfig {
    sks_api::client::ClientConfig::with_endpoint(endpoint)
        .with_timeout(portal.orchestration_timeout)
}

/// One cluster of the organization, and the client that reaches it.
#[derive(Clone)]
pub struct ClusterScope {
    pub client: sks_api::client::Client,
    pub zone: ZoneName,
    pub id: uuid::Uuid,
    /// `cluster {id} in {zone}` as asked for: what a 404 names.
    pub what: String,
}

impl ClusterScope {
    /// The cluster as the API shows it now; `NotFound` naming it when it is gone.
    pub async fn cluster(&self) -> Result<sks_api::SksCluster, AppError> {
        self.client
            .get_sks_cluster(&self.zone, self.id)
            .await
            .map_err(|e| upstream_failure(e, &self.what))
    }

    /// `cluster/{zone}/{id}`: how audit entries name the cluster (the Activity tab filters on it).
    pub fn target(&self) -> String {
        cluster_target(self.zone.as_str(), &self.id.to_string())
    }
}

/// The audit target naming a cluster.
pub fn cluster_target(zone: &str, id: &str) -> String {
    portal_types::access::audit_target(zone, id)
}

/// The cluster `id` in `zone`, if the credentials of `caller`'s organization reach that zone; otherwise
/// `NotFound` (an id that is not a UUID is not found either, never a different error).
pub async fn cluster_scope(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<ClusterScope, AppError> {
    let (client, zones) = client_for(portal, caller.org_id()?).await?;
    let what = format!("cluster {id} in {zone}");
    let not_found = || AppError::NotFound(what.clone());
    let zone = ZoneName::from_wire(zone);
    if !zones.contains(&zone) {
        return Err(not_found());
    }
    let id = id.parse().map_err(|_| not_found())?;
    Ok(ClusterScope {
        client,
        zone,
        id,
        what,
    })
}

/// What an orchestration API failure means for the person who asked: the one reading of the
/// client's errors for every page and server function (background tasks decide on
/// [`sks_api::client::Error::is_not_found`] and [`sks_api::client::Error::is_busy`] themselves).
/// `what` names the resource for a 404.
pub fn upstream_failure(error: sks_api::client::Error, what: &str) -> AppError {
    use portal_types::error::FieldError;
    use sks_api::client::Error;
    match error {
        Error::Api { status: 404, .. } => AppError::NotFound(what.to_owned()),
        Error::Api {
            status: 401 | 403,
            message,
        } => AppError::Forbidden(format!(
            "do this with the organization's credentials ({message})"
        )),
        // The request broke one of the service's rules: its own words say which. Every form
        // lists the errors it cannot place at a field, so `request` is shown too.
        Error::Api {
            status: 400 | 422,
            message,
        } => AppError::Validation {
            fields: vec![FieldError::new(
                "request",
                format!("the orchestration API refused the request: {message}"),
            )],
        },
        // Refused as things stand (busy with another change, being deleted): waiting helps.
        Error::Api {
            status: 409,
            message,
        } => AppError::Conflict(message),
        // Refused before it was sent (the contract's rules), each error at its field.
        Error::Invalid(invalid) => AppError::Validation {
            fields: invalid
                .0
                .into_iter()
                .map(|f| FieldError::new(f.field, f.message))
                .collect(),
        },
        other => upstream_unavailable(other),
    }
}

/// The orchestration API is out, or answered what the contract does not allow.
pub fn upstream_unavailable(error: impl std::fmt::Display) -> AppError {
    tracing::warn!(%error, "orchestration API call failed");
    AppError::Unavailable {
        service: "The orchestration API".into(),
        message: error.to_string(),
    }
}

/// How long background tasks ride out an outage of the orchestration API before they give up.
pub const OUTAGE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(3600);

/// How background tasks (deleting nodepools before their cluster, adding nodepools to a new
/// cluster) wait for an operation: every second at first (the local orchestrator is quick; the
/// service does not mind), for at most an hour, riding out outages of the API meanwhile.
pub fn background_wait() -> sks_api::client::WaitOptions {
    sks_api::client::WaitOptions {
        cadence: 1.0 / 3.0,
        deadline: Some(OUTAGE_PATIENCE),
        ..sks_api::client::WaitOptions::default()
    }
    .through_outages()
}

/// Sends `call` again while the API is out ([`sks_api::client::Error::is_outage`]), pausing
/// longer each time (up to 10 s), for at most [`OUTAGE_PATIENCE`]; any other outcome is
/// returned as it is. For background tasks, whose calls nobody is waiting on in a browser:
/// only for calls that are safe to send twice (a GET, PUT or DELETE).
pub async fn ride_out<T, F, Fut>(what: &str, mut call: F) -> Result<T, sks_api::client::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sks_api::client::Error>>,
{
    const FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(500);
    let started = std::time::Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        match call().await {
            Err(error) if error.is_outage() && started.elapsed() + pause < OUTAGE_PATIENCE => {
                if pause == FIRST_PAUSE {
                    tracing::warn!(%error, what, "orchestration API out; trying again until it is back");
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(std::time::Duration::from_secs(10));
            }
            other => return other,
        }
    }
}

/// A change asked of the orchestration API, as the audit log and the browser see it.
pub struct Change<'a> {
    /// The audit action, e.g. `nodepool.scale`.
    pub action: &'a str,
    /// The audit target (under the cluster's, so its Activity tab lists it).
    pub target: String,
    /// What a 404 names.
    pub what: String,
}

/// Ends a change the API answered: records the outcome (with the operation's id) in the audit
/// log, has the live watchers of the cluster and its list look now, and turns a refusal into
/// what the person can act on.
pub async fn conclude(
    portal: &Portal,
    caller: &super::auth::Caller,
    scope: &ClusterScope,
    change: Change<'_>,
    result: Result<sks_api::Operation, sks_api::client::Error>,
) -> Result<(), AppError> {
    let Change {
        action,
        target,
        what,
    } = change;
    match result {
        Ok(operation) => {
            let op = operation.id.map(|i| i.to_string());
            portal
                .audit(caller, action, Some(&target), "success", op.as_deref())
                .await;
            if let Ok(org) = caller.org_id() {
                portal
                    .live
                    .poke(org, scope.zone.as_str(), &scope.id.to_string());
            }
            Ok(())
        }
        Err(error) => {
            portal
                .audit(caller, action, Some(&target), "failure", None)
                .await;
            Err(upstream_failure(error, &what))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sks_api::client::Error;

    fn answered(status: u16, message: &str) -> Error {
        Error::Api {
            status,
            message: message.into(),
        }
    }

    #[test]
    fn every_upstream_refusal_reads_the_same_wherever_it_happens() {
        let what = "cluster 1 in ch-gva-2";
        assert_eq!(
            upstream_failure(answered(404, "no such cluster"), what),
            AppError::NotFound(what.into())
        );
        // A broken rule is the request's fault: the forms list it with the field errors.
        let refused = upstream_failure(answered(400, "invalid request: version: too far"), what);
        assert_eq!(
            refused.field("request"),
            Some("the orchestration API refused the request: invalid request: version: too far")
        );
        assert_eq!(refused.status().as_u16(), 422);
        // Busy: the state, not the request; waiting helps.
        assert_eq!(
            upstream_failure(answered(409, "an operation is in progress"), what),
            AppError::Conflict("an operation is in progress".into())
        );
        // The organization's key may not do this: not the person's role, but still a refusal.
        let forbidden = upstream_failure(answered(403, "key lacks the sks role"), what);
        assert!(
            matches!(&forbidden, AppError::Forbidden(m) if m.contains("key lacks the sks role")),
            "{forbidden:?}"
        );
        // An outage is never blamed on the request.
        for outage in [
            answered(503, "maintenance"),
            Error::Unreachable {
                url: "http://127.0.0.1:1".into(),
                message: "connection refused".into(),
            },
        ] {
            let failure = upstream_failure(outage, what);
            assert_eq!(failure.status().as_u16(), 503, "{failure:?}");
        }
    }
}
