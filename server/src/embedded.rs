//! The local orchestrator, started in this process on a loopback port: the portal's default
//! orchestration API, so one command gives a working portal. The portal reaches it over real
//! HTTP with the same signed client it would use for Exoscale.
//!
//! Its data lives beside the portal's (`orchestrator.db` in the data directory), its API
//! secrets and CA private keys sealed with the portal's key. The portal's key for it gets a
//! fresh secret at every start, kept in memory only.

use std::path::Path;

use anyhow::Context as _;
use std::sync::Arc;

use orchestrator::{Options, Orchestrator, Running};
use portal::Orchestration;
use portal::accounts::secrets::Sealer;
use portal::auth::Minter;
use sks_api::client::{Client, ClientConfig};
use sks_api::sign::Credentials;

/// The key the portal uses with its embedded orchestrator (organization `default`).
const PORTAL_KEY: &str = "EXOcapstanportalembedded";

/// A running embedded orchestrator.
pub struct Embedded {
    orchestrator: Orchestrator,
    running: Running,
    /// The portal's key for it.
    credentials: Credentials,
    /// How the portal reaches it.
    pub orchestration: Orchestration,
}

/// The portal's key, sealing the orchestrator's secrets.
#[derive(Debug)]
struct PortalVault(Sealer);

impl orchestrator::store::Vault for PortalVault {
    fn seal(&self, owner: &str, plaintext: &str) -> String {
        self.0.seal(owner, plaintext)
    }

    fn open(&self, owner: &str, sealed: &str) -> Result<String, String> {
        self.0.open(owner, sealed).map_err(|e| e.to_string())
    }

    fn is_sealed(&self, stored: &str) -> bool {
        Sealer::is_sealed(stored)
    }
}

impl Embedded {
    /// Opens the orchestrator's database in `data_dir` (its secrets sealed with `sealer`) and
    /// serves it on a free loopback port.
    pub async fn start(
        data_dir: &Path,
        speed: f64,
        fail_rate: f64,
        sealer: &Sealer,
    ) -> anyhow::Result<Embedded> {
        Embedded::start_with(data_dir, speed, fail_rate, sealer, |router| router).await
    }

    /// Like [`Embedded::start`], with `wrap` applied to the orchestrator's router (tests use it
    /// to count the requests that reach the orchestration API).
    pub async fn start_with(
        data_dir: &Path,
        speed: f64,
        fail_rate: f64,
        sealer: &Sealer,
        wrap: impl FnOnce(axum::Router) -> axum::Router,
    ) -> anyhow::Result<Embedded> {
        if !speed.is_finite() || speed <= 0.0 {
            anyhow::bail!("--orchestrator-speed must be above 0, not {speed}");
        }
        if !(0.0..=1.0).contains(&fail_rate) {
            anyhow::bail!("--orchestrator-fail-rate must be between 0 and 1, not {fail_rate}");
        }
        let options = Options {
            speed,
            fail_rate,
            vault: Arc::new(PortalVault(sealer.clone())),
            ..Options::new(format!(
                "sqlite://{}",
                data_dir.join("orchestrator.db").display()
            ))
        };
        let orchestrator = Orchestrator::open(&options)
            .await
            .context("opening the embedded orchestrator")?;
        let key = orchestrator.rotate_key("default", PORTAL_KEY).await?;
        let running = orchestrator
            .clone()
            .spawn_with(([127, 0, 0, 1], 0).into(), wrap)
            .await
            .context("starting the embedded orchestrator")?;
        let endpoint = running.endpoint();
        let credentials = Credentials::new(key.key, key.secret);
        let client = Client::new(ClientConfig::with_endpoint(&endpoint), credentials.clone())?;
        tracing::info!(%endpoint, speed, fail_rate, "embedded orchestrator ready");
        Ok(Embedded {
            orchestrator,
            running,
            credentials,
            orchestration: Orchestration {
                kind: "Local orchestrator".into(),
                endpoint,
                client,
            },
        })
    }

    /// How the portal reaches it, its client giving up on an answer after `timeout` (each
    /// attempt of a call).
    pub fn orchestration_with_timeout(
        &self,
        timeout: std::time::Duration,
    ) -> anyhow::Result<Orchestration> {
        let config =
            ClientConfig::with_endpoint(&self.orchestration.endpoint).with_timeout(timeout);
        Ok(Orchestration {
            client: Client::new(config, self.credentials.clone())?,
            ..self.orchestration.clone()
        })
    }

    /// Mints a key for a portal organization (one orchestrator organization per portal one).
    pub fn minter(&self) -> Minter {
        let orchestrator = self.orchestrator.clone();
        Arc::new(move |org: String| {
            let orchestrator = orchestrator.clone();
            Box::pin(async move {
                orchestrator
                    .create_key(&format!("portal-{org}"))
                    .await
                    .map(|key| (key.key, key.secret))
                    .map_err(|e| format!("{e:#}"))
            })
        })
    }

    /// Stops it (after the portal has stopped serving).
    pub async fn stop(self) -> anyhow::Result<()> {
        self.running.stop().await
    }
}
