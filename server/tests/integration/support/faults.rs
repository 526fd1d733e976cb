//! A switchable fault injector for the orchestration API, in two parts sharing one switch:
//!
//! - the **layer** ([`Faults::layer`], given to `harness_with`'s `wrap`) wraps the orchestrator's
//!   router: it answers a status instead ([`Mode::Status`], [`Mode::Partial`]) or never answers
//!   ([`Mode::Hang`]);
//! - the **gate** ([`Faults::gate`]) is a TCP forwarder the portal reaches the orchestrator
//!   through. A layer only ever sees requests that were accepted on a connection, so it cannot
//!   refuse one; for [`Mode::Down`] the gate stops listening (new connections are refused by
//!   the kernel, as for a stopped server) and cuts the connections it holds (as a dead server's
//!   connections die), then listens again on the same port once the mode changes.
//!
//! Tests reach the orchestrator directly (`Harness::orchestrator_endpoint`), never through
//! either part, to see what really happened meanwhile.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::response::IntoResponse as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How the orchestration API behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As it is.
    Healthy,
    /// Every request answered with this status (a 5xx), in the spec's error shape.
    Status(u16),
    /// Every request accepted and never answered (the portal's timeout has to end it).
    Hang,
    /// Connections refused (the gate has stopped listening).
    Down,
    /// Requests whose path contains `path` answered with `status`; the rest work (e.g. instance
    /// pools failing while clusters answer).
    Partial { path: &'static str, status: u16 },
}

/// The switch. Clones share it.
#[derive(Clone)]
pub struct Faults {
    mode: Arc<watch::Sender<Mode>>,
    /// Connections the gate has accepted.
    connections: Arc<AtomicU64>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults::new()
    }
}

impl Faults {
    /// A healthy API.
    pub fn new() -> Faults {
        Faults {
            mode: Arc::new(watch::channel(Mode::Healthy).0),
            connections: Arc::new(AtomicU64::new(0)),
        }
    }

    /// From now on, the API behaves as `mode` says.
    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    pub fn mode(&self) -> Mode {
        *self.mode.borrow()
    }

    /// Connections opened to the API through the gate so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// The layer for the orchestrator's router (`harness_with`'s `wrap`).
    pub fn layer(&self) -> impl FnOnce(Router) -> Router + use<> {
        let mode = Arc::clone(&self.mode);
        move |router| {
            router.layer(axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    let now = *mode.borrow();
                    async move {
                        let failing = match now {
                            Mode::Status(status) => Some(status),
                            Mode::Partial { path, status }
                                if request.uri().path().contains(path) =>
                            {
                                Some(status)
                            }
                            Mode::Hang => std::future::pending().await,
                            _ => None,
                        };
                        match failing {
                            Some(status) => (
                                http::StatusCode::from_u16(status).unwrap(),
                                axum::Json(serde_json::json!({
                                    "message": format!("injected fault: {status}")
                                })),
                            )
                                .into_response(),
                            None => next.run(request).await,
                        }
                    }
                },
            ))
        }
    }

    /// Starts a gate in front of the orchestrator at `endpoint` (`http://ADDRESS/{zone}/v2`)
    /// and returns the endpoint template through it.
    pub async fn gate(&self, endpoint: &str) -> String {
        let upstream: SocketAddr = endpoint
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| panic!("an http://ADDRESS/… endpoint, not {endpoint}"));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(gate(
            listener,
            upstream,
            self.mode.subscribe(),
            Arc::clone(&self.connections),
        ));
        endpoint.replacen(&upstream.to_string(), &address.to_string(), 1)
    }
}

/// Forwards connections to `upstream` while the API is not `Down`; while it is, the port is
/// closed. Ends when the switch is dropped.
async fn gate(
    listener: TcpListener,
    upstream: SocketAddr,
    mut mode: watch::Receiver<Mode>,
    opened: Arc<AtomicU64>,
) {
    let address = listener.local_addr().unwrap();
    let mut listener = Some(listener);
    loop {
        let open = match listener.take() {
            Some(listener) => listener,
            None => rebind(address).await,
        };
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = open.accept() => {
                    let Ok((client, _)) = accepted else { continue };
                    opened.fetch_add(1, Ordering::SeqCst);
                    connections.spawn(forward(client, upstream));
                }
                changed = mode.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if *mode.borrow() == Mode::Down {
                        break;
                    }
                }
            }
        }
        drop(open);
        connections.abort_all();
        if mode.wait_for(|m| *m != Mode::Down).await.is_err() {
            return;
        }
    }
}

/// Listens on `address` again (the port was ours a moment ago; try until it is free).
async fn rebind(address: SocketAddr) -> TcpListener {
    for _ in 0..200 {
        if let Ok(listener) = TcpListener::bind(address).await {
            return listener;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the fault gate cannot listen on {address} again");
}

async fn forward(mut client: TcpStream, upstream: SocketAddr) {
    if let Ok(mut server) = TcpStream::connect(upstream).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}
