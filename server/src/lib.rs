//! The Capstan server: configuration, HTTP wiring (pages, server functions, static assets),
//! health and metrics endpoints, and the process lifecycle.
//!
//! [`build_router`] is separate from [`run`] so tests can drive the whole router in-process.

pub mod at_rest;
pub mod catalog;
pub mod config;
pub mod deadline;
pub mod embedded;
pub mod headers;
pub mod health;
pub mod live;
pub mod metrics;
pub mod security;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use app::{App, shell};
use axum::Router;
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use portal::Portal;
use portal::accounts::secrets::Sealer;
use portal::accounts::{Accounts, SessionPolicy};
use portal::auth::{AuthConfig, SignupPolicy};
use portal::catalog::Catalog;
use portal::live::{Cadence, Hub, Limits};
use portal::store::Store;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::config::{Config, Signup};
use crate::embedded::Embedded;
use crate::metrics::HttpMetrics;
use crate::security::Origins;

/// The site settings cargo-leptos baked in at build time, with the address we serve on.
/// Outside a cargo-leptos build (plain `cargo test`) the output name falls back to the one in
/// the workspace metadata, so pages still link `/pkg/capstan.*`.
pub fn leptos_options(listen: SocketAddr) -> anyhow::Result<LeptosOptions> {
    let mut options = get_configuration(None)
        .context("reading the site settings (LEPTOS_* variables)")?
        .leptos_options;
    if options.output_name.is_empty() {
        options.output_name = "capstan".into();
    }
    options.site_addr = listen;
    Ok(options)
}

/// Reads and checks the catalog; the error names every malformed entry with its reason.
pub fn load_catalog(config: &Config) -> anyhow::Result<Catalog> {
    let catalog = Catalog::load(&config.catalog_dir)
        .with_context(|| format!("loading the catalog from {}", config.catalog_dir.display()))?;
    tracing::info!(entries = catalog.entries().len(), "catalog loaded");
    Ok(catalog)
}

/// The portal (the domain's state) from the configuration, the open store, the embedded
/// orchestrator and the catalog.
pub fn build_portal(
    config: &Config,
    store: Store,
    embedded: &Embedded,
    catalog: Catalog,
) -> anyhow::Result<Portal> {
    let origins = Origins::from_public_url(&config.public_url())?;
    let sealer = Sealer::load_or_create(&config.data_dir, config.secret_key()?.as_deref())
        .context("loading the key that seals secrets")?;
    let auth = AuthConfig {
        policy: SessionPolicy {
            idle_ms: i64::from(config.session_idle_minutes) * 60_000,
            absolute_ms: i64::from(config.session_max_days) * 86_400_000,
        },
        secure_cookies: origins.is_https(),
        signup: match config.signup {
            Signup::Open => SignupPolicy::Open,
            Signup::Invitation => SignupPolicy::Invitation,
        },
        invitation_ms: 7 * 86_400_000,
        public_url: config.public_url(),
        trusted_proxies: config.trusted_proxies.clone(),
    };
    Ok(Portal {
        catalog: Arc::new(catalog),
        accounts: Accounts::new(store.clone()),
        store,
        sealer,
        auth,
        minter: embedded.minter(),
        orchestration: embedded.orchestration_with_timeout(config.orchestration_timeout())?,
        exoscale_endpoint: config.exoscale_endpoint.clone(),
        orchestration_timeout: config.orchestration_timeout(),
        request_timeout: config.request_timeout(),
        clients: Default::default(),
        live: Hub::with_limits(
            Cadence {
                fast: Duration::from_millis(config.live_fast_poll_ms),
                slow: Duration::from_millis(config.live_slow_poll_ms),
                recheck: Duration::from_millis(config.live_recheck_ms),
                ..Cadence::default()
            },
            Limits {
                watchers: usize::try_from(config.live_max_watchers).unwrap_or(usize::MAX),
                ..Limits::default()
            },
        ),
        max_concurrent_requests: usize::try_from(config.max_concurrent_requests)
            .unwrap_or(usize::MAX),
        bootstrap: None,
    })
}

/// What the router's handlers reach: the portal, and the site settings the Leptos routes
/// need. Each handler extracts the part it uses (`State<Portal>`).
#[derive(Clone, Debug)]
pub struct Site {
    pub portal: Portal,
    pub leptos: LeptosOptions,
}

impl axum::extract::FromRef<Site> for Portal {
    fn from_ref(site: &Site) -> Portal {
        site.portal.clone()
    }
}

impl axum::extract::FromRef<Site> for LeptosOptions {
    fn from_ref(site: &Site) -> LeptosOptions {
        site.leptos.clone()
    }
}

/// Every route of the portal, with the middleware they share. `public_url` is the origin
/// state-changing requests must come from. Pages and server functions find the portal in
/// their Leptos context.
pub fn build_router(
    portal: Portal,
    leptos: LeptosOptions,
    metrics: Arc<HttpMetrics>,
    public_url: &str,
) -> anyhow::Result<Router> {
    let origins = Arc::new(Origins::from_public_url(public_url)?);
    let routes = route_list();
    let state = Site {
        portal: portal.clone(),
        leptos,
    };
    let in_context = {
        let portal = portal.clone();
        move || provide_context(portal.clone())
    };
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(
            "/metrics",
            get(metrics::handler).with_state((Arc::clone(&metrics), portal.live.clone())),
        )
        .route("/live/clusters", get(live::clusters))
        .route("/catalog/{name}/download", get(catalog::download))
        .route("/live/clusters/{zone}/{id}", get(live::cluster))
        .leptos_routes_with_context(&state, routes, in_context.clone(), {
            let options = state.leptos.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<Site, _>(
            in_context, shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&origins),
            local_redirects,
        ))
        .layer(axum::middleware::from_fn(server_fn_inputs))
        .layer(axum::middleware::from_fn(server_fn_error_status))
        .layer(axum::middleware::from_fn_with_state(
            portal.clone(),
            security::pages_need_a_session,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&origins),
            security::same_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(deadline::Bounds::of(&portal)),
            deadline::bounded,
        ))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            origins,
            headers::secure,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    Ok(router)
}

/// The app's routes, found once per process by rendering the app without data.
///
/// Leptos suppresses resource loads while it renders the app for this purpose, through a flag
/// that is global to the process: a page render in progress anywhere else in the process whose
/// resource is first polled in that window waits forever (leptos-rs/leptos#4773). That is how
/// the test suite, which builds a router per test in one process, saw requests that never
/// answered (issue 13). Generating the list once, before any router exists, keeps every render
/// out of that window: a router can only serve after this has returned.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Server functions answer every error with status 500; give each its own (401 to sign in,
/// 403, 404, 422 for a field, 429, 503…), so clients and logs see what happened.
async fn server_fn_error_status(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != http::StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return axum::response::Response::from_parts(parts, axum::body::Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<portal_types::error::AppError>(&bytes) {
        parts.status = error.status();
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Largest form a server function reads (axum's own default body limit).
const MAX_FORM: usize = 2 * 1024 * 1024;

/// Server functions take form-encoded arguments (all of Capstan's use the default URL
/// encoding). Before any of them runs, refuse what no field
/// may hold, as a validation error naming the field: a body that is not UTF-8 text (it was
/// answered 502, as if the server's own answer were unreadable) and NUL characters (PostgreSQL
/// cannot store them, and they reached queries and the audit log).
async fn server_fn_inputs(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    use portal_types::error::{AppError, FieldError};

    // Every server function here reads its body as a form, whatever the declared type.
    let is_form =
        request.method() == http::Method::POST && request.uri().path().starts_with("/api/");
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let refusal = match axum::body::to_bytes(body, MAX_FORM).await {
        Err(_) => Err(FieldError::new(
            "request",
            format!("must be at most {} MiB", MAX_FORM / (1024 * 1024)),
        )),
        Ok(bytes) if std::str::from_utf8(&bytes).is_err() => {
            Err(FieldError::new("request", "must be UTF-8 text"))
        }
        Ok(bytes) => match form_urlencoded::parse(&bytes)
            .find(|(key, value)| key.contains('\0') || value.contains('\0'))
        {
            Some((key, _)) => Err(FieldError::new(
                if key.contains('\0') {
                    "request".to_owned()
                } else {
                    key.into_owned()
                },
                "must not contain NUL characters",
            )),
            None => Ok(bytes),
        },
    };
    match refusal {
        Ok(bytes) => {
            let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
            next.run(request).await
        }
        Err(field) => {
            let error = AppError::Validation {
                fields: vec![field],
            };
            (error.status(), axum::Json(error)).into_response()
        }
    }
}

/// Every redirect the portal answers stays on the portal ([`portal_types::url::local_location`]): the
/// page after sign-in, the page a plain (JavaScript-free) form post goes back to (its
/// `Referer`), anything a server function names. A browser is never sent to another site.
///
/// After a plain form post, server functions also leave an empty `?` where they strip their
/// error parameters: it is dropped, so the address people see (and bookmark) stays the page's.
async fn local_redirects(
    axum::extract::State(origins): axum::extract::State<Arc<Origins>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    let Some(location) = response.headers().get(http::header::LOCATION) else {
        return response;
    };
    let location = location.to_str().unwrap_or("//not-text");
    let local = portal_types::url::local_location(location, |origin| origins.allows(origin));
    let local = local.strip_suffix('?').unwrap_or(&local);
    if local != location {
        tracing::debug!(location, local, "redirect kept on the portal");
        let value = http::HeaderValue::from_str(local)
            .unwrap_or_else(|_| http::HeaderValue::from_static("/"));
        response.headers_mut().insert(http::header::LOCATION, value);
    }
    response
}

/// A portal that listens beyond loopback and has no account yet gets a one-time token for
/// its first account, printed in the log with the sign-up link (whoever reaches the address
/// first must not become its owner). On loopback, `make run` stays as simple as it was.
async fn bootstrap_token(config: &Config, portal: &Portal) -> anyhow::Result<Option<Arc<str>>> {
    if config.listen.ip().is_loopback() {
        return Ok(None);
    }
    let users = portal
        .accounts
        .count_users()
        .await
        .context("counting the accounts")?;
    if users > 0 {
        return Ok(None);
    }
    let (token, _) = portal::accounts::new_token();
    tracing::warn!(
        "no account yet: create the first one (it owns the organization `default`) at \
         {}/sign-up?bootstrap={token}",
        config.public_url()
    );
    Ok(Some(token.into()))
}

/// Runs the portal until SIGTERM or SIGINT: opens and migrates the store (failing fast), then
/// serves, then drains in-flight requests and closes the store.
pub async fn run(config: Config) -> anyhow::Result<()> {
    tracing::info!(?config, "starting Capstan {}", app::VERSION);
    // First, so a broken entry stops the start before anything is opened.
    let catalog = load_catalog(&config)?;
    at_rest::owner_only_from_now_on();
    let tightened = at_rest::secure_data_dir(&config.data_dir)
        .with_context(|| format!("securing the data directory {}", config.data_dir.display()))?;
    at_rest::report(&tightened);
    let store = Store::connect(&config.database_url(), config.database_max_connections)
        .await
        .context("opening the portal database")?;
    tracing::info!(backend = store.backend().label(), "portal database ready");
    let sealer = Sealer::load_or_create(&config.data_dir, config.secret_key()?.as_deref())
        .context("loading the key that seals secrets")?;
    let embedded = Embedded::start(
        &config.data_dir,
        config.orchestrator_speed,
        config.orchestrator_fail_rate,
        &sealer,
    )
    .await?;

    let mut state = build_portal(&config, store.clone(), &embedded, catalog)?;
    state.bootstrap = bootstrap_token(&config, &state).await?;
    // Upgrade plans that were running when the portal stopped go on from where they were.
    match portal::upgrades::resume_all(&state).await {
        Ok(0) => {}
        Ok(resumed) => tracing::info!(resumed, "resumed upgrade plans"),
        Err(error) => tracing::error!(%error, "cannot resume upgrade plans"),
    }
    let hub = state.live.clone();
    let metrics = Arc::new(HttpMetrics::default());
    let mut router = build_router(
        state,
        leptos_options(config.listen)?,
        Arc::clone(&metrics),
        &config.public_url(),
    )?;
    // `/metrics` on an address of its own (an internal network), not where people browse.
    if let Some(address) = config.metrics_listen {
        router = router.layer(axum::middleware::from_fn(metrics_elsewhere));
        let metrics_router = Router::new().route(
            "/metrics",
            get(metrics::handler).with_state((metrics, hub.clone())),
        );
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("listening on {address} (--metrics-listen)"))?;
        tracing::info!(%address, "serving /metrics on http://{address}/metrics");
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, metrics_router).await {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
    }

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(address = %listener.local_addr()?, "serving the portal on http://{}", listener.local_addr()?);
    // Live streams never end by themselves: close them, or the drain would wait for browsers.
    serve(listener, router, async move {
        shutdown_signal().await;
        hub.close();
    })
    .await?;

    embedded.stop().await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// With `--metrics-listen`, the portal's own address has no `/metrics`.
async fn metrics_elsewhere(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if request.uri().path() == "/metrics" {
        return (http::StatusCode::NOT_FOUND, "not here\n").into_response();
    }
    next.run(request).await
}

/// The peer address of a request, as [`serve`] records it for each connection.
pub fn peer(parts: &http::request::Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("serving HTTP")
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("interrupted; finishing in-flight requests"),
        () = terminate => tracing::info!("terminated; finishing in-flight requests"),
    }
}
