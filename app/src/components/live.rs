//! The browser's end of the live streams: [`use_live`] subscribes to one with the browser's
//! `EventSource` (which reconnects by itself and sends `Last-Event-ID`, so nothing is missed),
//! and two small components say how the connection is ([`LiveIndicator`]) and whether the
//! orchestration API answers ([`DegradedBanner`]).
//!
//! On the server the hook is inert: the page renders complete from its server functions, and
//! without JavaScript it stays as rendered.

use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::live::{ChangeLine, Upstream};

/// The state of a live connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// No live connection is attempted (server render, or no JavaScript).
    Off,
    /// Opening for the first time.
    Connecting,
    /// Events flow.
    Live,
    /// Lost; the browser is trying again.
    Reconnecting,
    /// Refused (signed out, not allowed, gone): the browser will not try again.
    Closed,
}

impl Connection {
    /// What the indicator says.
    pub fn label(self) -> &'static str {
        match self {
            Connection::Off => "Not live: reload for the latest",
            Connection::Connecting => "Connecting…",
            Connection::Live => "Live",
            Connection::Reconnecting => "Reconnecting…",
            Connection::Closed => "Live updates stopped: reload the page",
        }
    }

    fn dot(self) -> &'static str {
        match self {
            Connection::Live => "bg-emerald-500",
            Connection::Connecting | Connection::Reconnecting => "animate-pulse bg-amber-500",
            Connection::Off | Connection::Closed => "bg-slate-400",
        }
    }
}

/// The signals of one live stream.
pub struct Live<T: Send + Sync + 'static> {
    /// The latest snapshot (`None` until the first arrives).
    pub snapshot: RwSignal<Option<T>>,
    /// The operation log, oldest first.
    pub log: RwSignal<Vec<ChangeLine>>,
    pub connection: RwSignal<Connection>,
    /// Set while the orchestration API fails.
    pub upstream: RwSignal<Option<Upstream>>,
    /// Set when the watched resource no longer exists.
    pub gone: RwSignal<Option<String>>,
    /// The browser's clock (Unix ms), ticking every second once connected, for elapsed times.
    pub now_ms: RwSignal<Option<i64>>,
}

impl<T: Send + Sync + 'static> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Live<T> {}

/// Subscribes to the live stream at `url` (in the browser, after hydration) and keeps the
/// signals current; the subscription ends with the calling component.
pub fn use_live<T>(url: String) -> Live<T>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    let live = Live {
        snapshot: RwSignal::new(None),
        log: RwSignal::new(Vec::new()),
        connection: RwSignal::new(Connection::Off),
        upstream: RwSignal::new(None),
        gone: RwSignal::new(None),
        now_ms: RwSignal::new(None),
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::connect(&url, live));
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
    live
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::rc::Rc;
    use std::time::Duration;

    use futures::StreamExt;
    use gloo_net::eventsource::State;
    use gloo_net::eventsource::futures::EventSource;
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use serde::de::DeserializeOwned;

    use super::{Connection, Live};
    use crate::live::{CHANGE, ChangeLine, GONE, SNAPSHOT, UPSTREAM, Upstream};

    /// Operation-log lines kept in the browser.
    const LOG_LINES: usize = 100;

    fn now() -> i64 {
        js_sys::Date::now() as i64
    }

    fn parse<V: DeserializeOwned>(data: Option<String>) -> Option<V> {
        serde_json::from_str(&data?).ok()
    }

    pub(super) fn connect<T>(url: &str, live: Live<T>)
    where
        T: DeserializeOwned + Send + Sync + 'static,
    {
        let Ok(mut source) = EventSource::new(url) else {
            live.connection.set(Connection::Closed);
            return;
        };
        live.connection.set(Connection::Connecting);
        live.now_ms.set(Some(now()));
        let subscriptions: Result<Vec<_>, _> = ["open", SNAPSHOT, CHANGE, UPSTREAM, GONE]
            .into_iter()
            .map(|kind| source.subscribe(kind))
            .collect();
        let Ok(subscriptions) = subscriptions else {
            live.connection.set(Connection::Closed);
            return;
        };
        let source = Rc::new(source);

        // The browser reconnects by itself; its ready state tells how it is going.
        let ticker = {
            let source = Rc::clone(&source);
            set_interval_with_handle(
                move || {
                    live.now_ms.try_set(Some(now()));
                    let connection = match source.state() {
                        State::Open => Connection::Live,
                        State::Connecting
                            if live.connection.try_get_untracked()
                                == Some(Connection::Connecting) =>
                        {
                            Connection::Connecting
                        }
                        State::Connecting => Connection::Reconnecting,
                        State::Closed => Connection::Closed,
                    };
                    if live.connection.try_get_untracked() != Some(connection) {
                        live.connection.try_set(connection);
                    }
                },
                Duration::from_secs(1),
            )
            .ok()
        };

        leptos::task::spawn_local(async move {
            let mut events = futures::stream::select_all(subscriptions);
            while let Some(item) = events.next().await {
                let Ok((kind, message)) = item else {
                    // Closed for good (refused, or this page is going away).
                    live.connection.try_set(Connection::Closed);
                    break;
                };
                live.connection.try_set(Connection::Live);
                match kind.as_str() {
                    SNAPSHOT => {
                        if let Some(snapshot) = parse::<T>(message.data().as_string()) {
                            live.snapshot.try_set(Some(snapshot));
                        }
                    }
                    CHANGE => {
                        if let Some(line) = parse::<ChangeLine>(message.data().as_string()) {
                            live.log.try_update(|log| {
                                log.push(line);
                                let extra = log.len().saturating_sub(LOG_LINES);
                                log.drain(..extra);
                            });
                        }
                    }
                    UPSTREAM => {
                        if let Some(upstream) = parse::<Upstream>(message.data().as_string()) {
                            live.upstream.try_set(upstream.degraded.then_some(upstream));
                        }
                    }
                    GONE => {
                        live.gone
                            .try_set(parse::<String>(message.data().as_string()));
                    }
                    _ => {}
                }
            }
        });

        let held = SendWrapper::new((source, ticker));
        on_cleanup(move || {
            let (source, ticker) = held.take();
            if let Some(ticker) = ticker {
                ticker.clear();
            }
            drop(source);
        });
    }
}

/// A time of day for people: local time in the browser, UTC on the server.
pub fn clock(ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new_0();
        date.set_time(ms as f64);
        date.to_locale_time_string("default").into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let s = ms.div_euclid(1000).rem_euclid(86_400);
        format!("{:02}:{:02}:{:02} UTC", s / 3600, (s % 3600) / 60, s % 60)
    }
}

/// A small dot and a word saying whether the page is live; screen readers hear changes.
#[component]
pub fn LiveIndicator(#[prop(into)] connection: Signal<Connection>) -> impl IntoView {
    view! {
        <span role="status" aria-live="polite" class="inline-flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400">
            <span aria-hidden="true" class=move || format!("h-2 w-2 rounded-full {}", connection.get().dot())></span>
            {move || connection.get().label()}
        </span>
    }
}

/// Says the orchestration API is failing, since when and why, while the page keeps showing
/// the last data it had.
#[component]
pub fn DegradedBanner(#[prop(into)] upstream: Signal<Option<Upstream>>) -> impl IntoView {
    move || {
        upstream.get().map(|upstream| {
            view! {
                <div role="alert" class="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                    <p class="font-medium">
                        {format!(
                            "The orchestration API is unreachable since {} — showing the last known data.",
                            clock(upstream.since_ms),
                        )}
                    </p>
                    {(!upstream.message.is_empty()).then(|| view! { <p class="mt-1">{upstream.message}</p> })}
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_clock_is_utc() {
        assert_eq!(clock(0), "00:00:00 UTC");
        assert_eq!(clock((12 * 3600 + 3 * 60 + 4) * 1000 + 999), "12:03:04 UTC");
    }
}
