//! Prometheus metrics of the HTTP server: request counts and latency histograms by method,
//! route and status, in the text exposition format.
//!
//! The route label is the route's pattern (`/api/set_theme`, `/clusters`), never the raw path,
//! so the number of series stays bounded whatever addresses clients send. Latency is measured
//! to the response head.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SeriesKey {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_seconds: f64,
    /// Observations per bucket (not cumulative); the last slot is above every bound.
    buckets: [u64; BUCKETS.len() + 1],
}

/// Request metrics, shared by the middleware and the `/metrics` handler.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    series: Mutex<BTreeMap<SeriesKey, Series>>,
}

impl HttpMetrics {
    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let key = SeriesKey {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        };
        let bucket = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        let mut series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let entry = series.entry(key).or_default();
        entry.count += 1;
        entry.sum_seconds += seconds;
        entry.buckets[bucket] += 1;
    }

    /// The metrics in Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let series = self
            .series
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut out = String::new();
        out.push_str("# HELP capstan_build_info The running version of Capstan.\n");
        out.push_str("# TYPE capstan_build_info gauge\n");
        let _ = writeln!(
            out,
            "capstan_build_info{{version=\"{}\"}} 1",
            escape(app::VERSION)
        );

        out.push_str(
            "# HELP capstan_http_requests_total HTTP requests answered, by method, route and status.\n",
        );
        out.push_str("# TYPE capstan_http_requests_total counter\n");
        for (key, s) in &series {
            let _ = writeln!(
                out,
                "capstan_http_requests_total{{{}}} {}",
                labels(key),
                s.count
            );
        }

        out.push_str("# HELP capstan_http_request_duration_seconds Time to answer an HTTP request, by method, route and status.\n");
        out.push_str("# TYPE capstan_http_request_duration_seconds histogram\n");
        for (key, s) in &series {
            let labels = labels(key);
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(s.buckets.iter()) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "capstan_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "capstan_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "capstan_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "capstan_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

fn labels(key: &SeriesKey) -> String {
    format!(
        "method=\"{}\",route=\"{}\",status=\"{}\"",
        escape(&key.method),
        escape(&key.route),
        key.status
    )
}

/// Escapes a label value as the text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The route label of a request no route matched: static assets share one label, everything
/// else is "unmatched".
fn unmatched_route(path: &str) -> &'static str {
    if path.starts_with("/pkg/") {
        "/pkg/{file}"
    } else {
        "unmatched"
    }
}

/// The method label: the methods HTTP defines, and `OTHER` for anything a client makes up
/// (each new label would be a new series kept for ever).
fn method_label(method: &http::Method) -> &'static str {
    use http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

/// Middleware recording every request in [`HttpMetrics`].
pub async fn track(
    State(metrics): State<Arc<HttpMetrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = method_label(request.method()).to_owned();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_owned(),
        None => unmatched_route(request.uri().path()).to_owned(),
    };
    let response = next.run(request).await;
    metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`: the request metrics and the live hub's.
pub async fn handler(
    State((metrics, hub)): State<(Arc<HttpMetrics>, portal::live::Hub)>,
) -> impl IntoResponse {
    let mut text = metrics.render();
    text.push_str(&crate::live::render_metrics(&hub.stats()));
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label(&http::Method::GET), "GET");
        for made_up in ["BREW", "X-1", "PROPFIND"] {
            let method = http::Method::from_bytes(made_up.as_bytes()).unwrap();
            assert_eq!(method_label(&method), "OTHER", "{made_up}");
        }
    }

    #[test]
    fn counts_and_buckets_are_cumulative() {
        let metrics = HttpMetrics::default();
        metrics.observe("GET", "/clusters", 200, 0.003);
        metrics.observe("GET", "/clusters", 200, 0.2);
        metrics.observe("GET", "/clusters", 200, 30.0);
        let text = metrics.render();
        let labels = r#"method="GET",route="/clusters",status="200""#;
        assert!(
            text.contains(&format!("capstan_http_requests_total{{{labels}}} 3")),
            "{text}"
        );
        assert!(text.contains(&format!(
            "capstan_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1"
        )));
        assert!(text.contains(&format!(
            "capstan_http_request_duration_seconds_bucket{{{labels},le=\"0.25\"}} 2"
        )));
        assert!(text.contains(&format!(
            "capstan_http_request_duration_seconds_bucket{{{labels},le=\"10\"}} 2"
        )));
        assert!(text.contains(&format!(
            "capstan_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 3"
        )));
        assert!(text.contains(&format!(
            "capstan_http_request_duration_seconds_count{{{labels}}} 3"
        )));
    }

    #[test]
    fn statuses_are_separate_series() {
        let metrics = HttpMetrics::default();
        metrics.observe("GET", "unmatched", 404, 0.01);
        metrics.observe("GET", "/clusters", 200, 0.01);
        let text = metrics.render();
        assert!(text.contains(
            r#"capstan_http_requests_total{method="GET",route="unmatched",status="404"} 1"#
        ));
        assert!(text.contains(
            r#"capstan_http_requests_total{method="GET",route="/clusters",status="200"} 1"#
        ));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn unmatched_paths_do_not_create_new_labels() {
        assert_eq!(unmatched_route("/pkg/capstan.wasm"), "/pkg/{file}");
        assert_eq!(unmatched_route("/no/such/page/123"), "unmatched");
        assert_eq!(unmatched_route("/another"), "unmatched");
    }
}
