//! `cargo bench -p server --bench first_load`: what a browser transfers on a first visit (empty
//! cache) to the cluster list `/`, a cluster's page and the wizard `/clusters/new`: the HTML,
//! then the same-origin files it links (stylesheet, icon, the wasm-bindgen JS and the WASM it
//! preloads), each asked for with `Accept-Encoding: gzip` and counted as sent. Printed on stdout
//! as Markdown rows `| figure | value | unit | notes |`; nothing is asserted.
//!
//! Only meaningful against a release build with its site files (`cargo leptos build
//! --release --split`), so it measures a running server at `CAPSTAN_BENCH_URL` (`scripts/bench.sh`
//! starts `capstan` from the release build for it) and does nothing without one. It signs up,
//! creates a cluster through the wizard's plain form post, as a browser without JavaScript does,
//! and measures the pages of that account. Each page's row also names its budget from
//! `end2end/budget.json`, which the browser tests enforce as Chromium receives the page: brotli,
//! which is about 10% smaller than gzip for the WASM, and headers, which add under 1 KiB.

mod common;

use std::collections::BTreeMap;

use anyhow::{Context as _, ensure};
use app::wizard::{ClusterForm, NodepoolForm, WizardChoices};
use http::{StatusCode, header};

const EMAIL: &str = "first-load@example.com";

fn row(figure: &str, value: impl std::fmt::Display, unit: &str, notes: &str) {
    println!("| {figure} | {value} | {unit} | {notes} |");
}

fn kib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let Ok(base) = std::env::var("CAPSTAN_BENCH_URL") else {
        eprintln!(
            "first_load: skipped (set CAPSTAN_BENCH_URL to a release server; `make bench` does)"
        );
        return Ok(());
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(base.trim_end_matches('/')))
}

async fn run(base: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let cookie = sign_up(&http, base).await?;
    let detail = create_cluster(&http, base, &cookie).await?;

    let budgets = budgets()?;
    // (row name, key in end2end/budget.json, path)
    let pages = [
        ("cluster list `/`", "cluster list", "/".to_owned()),
        (
            "cluster page `/clusters/{zone}/{id}`",
            "cluster page",
            detail,
        ),
        (
            "wizard `/clusters/new`",
            "wizard",
            "/clusters/new".to_owned(),
        ),
    ];
    // Files are the same for every page: fetched once, counted for each page that links them.
    let mut files: BTreeMap<String, Sent> = BTreeMap::new();
    for (name, key, path) in pages {
        let html = fetch(&http, &format!("{base}{path}"), Some(&cookie)).await?;
        let mut linked = same_origin_files(&String::from_utf8_lossy(&html.plain));
        let mut parts = vec![format!("HTML {} {}", kib(html.bytes), html.encoding)];
        let mut total = html.bytes;
        let mut index = 0;
        while index < linked.len() {
            let path = linked[index].clone();
            index += 1;
            if !files.contains_key(&path) {
                let sent = fetch(&http, &format!("{base}{path}"), None).await?;
                files.insert(path.clone(), sent);
            }
            let sent = &files[&path];
            // wasm-bindgen's JS may import snippets next to it.
            if path.ends_with(".js") {
                for snippet in &sent.imports {
                    if !linked.contains(snippet) {
                        linked.push(snippet.clone());
                    }
                }
            }
            total += sent.bytes;
            parts.push(format!("{path} {} {}", kib(sent.bytes), sent.encoding));
        }
        row(
            &format!("First load: {name}"),
            kib(total),
            "KiB",
            &format!(
                "bodies as sent with Accept-Encoding gzip (headers not counted): {}; budget {} (end2end/budget.json, checked in Chromium, which gets brotli)",
                parts.join(" + "),
                budgets
                    .get(key)
                    .map_or("none".to_owned(), |b| format!("{} KiB", kib(*b))),
            ),
        );
    }
    if let Some((path, wasm)) = files.iter().find(|(p, _)| p.ends_with(".wasm")) {
        row(
            "First load: the WASM bundle alone",
            kib(wasm.bytes),
            "KiB",
            &format!(
                "{path} as sent ({}); {} KiB uncompressed",
                wasm.encoding,
                kib(wasm.identity)
            ),
        );
    }
    Ok(())
}

/// The first-load budgets in bytes per page, from `end2end/budget.json`.
fn budgets() -> anyhow::Result<BTreeMap<String, u64>> {
    #[derive(serde::Deserialize)]
    struct Budget {
        pages: BTreeMap<String, u64>,
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/budget.json");
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let budget: Budget = serde_json::from_str(&text).with_context(|| format!("reading {path}"))?;
    Ok(budget.pages)
}

/// One response as a browser receives it.
struct Sent {
    /// Body bytes on the wire (compressed if the server compressed).
    bytes: u64,
    /// The `Content-Encoding`, or `identity`.
    encoding: String,
    /// The body's size without compression.
    identity: u64,
    /// `/pkg/snippets/…` files a JS file imports.
    imports: Vec<String>,
    /// The body without compression.
    plain: axum::body::Bytes,
}

async fn fetch(http: &reqwest::Client, url: &str, cookie: Option<&str>) -> anyhow::Result<Sent> {
    let mut request = http.get(url).header(header::ACCEPT_ENCODING, "gzip");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = request.send().await?;
    ensure!(
        response.status() == StatusCode::OK,
        "{url}: {}",
        response.status()
    );
    let encoding = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_owned();
    // The client does not decode (no compression feature): these are the bytes sent.
    let bytes = response.bytes().await?.len() as u64;
    let mut plain = http.get(url);
    if let Some(cookie) = cookie {
        plain = plain.header(header::COOKIE, cookie);
    }
    let plain = plain.send().await?.bytes().await?;
    let imports = if url.ends_with(".js") {
        snippet_imports(&String::from_utf8_lossy(&plain))
    } else {
        Vec::new()
    };
    Ok(Sent {
        bytes,
        encoding,
        identity: plain.len() as u64,
        imports,
        plain,
    })
}

/// Same-origin files a page loads by itself: everything under `/pkg/` it names, and its icon.
fn same_origin_files(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in html.match_indices("\"/pkg/") {
        let rest = &html[at + 1..];
        let end = rest.find('"').unwrap_or(rest.len());
        found.push(rest[..end].to_owned());
    }
    for (at, _) in html.match_indices("rel=\"icon\"") {
        let tag_end = html[at..].find('>').map_or(html.len(), |e| at + e);
        if let Some(href) = html[at..tag_end].find("href=\"") {
            let rest = &html[at + href + 6..tag_end];
            let end = rest.find('"').unwrap_or(rest.len());
            found.push(rest[..end].to_owned());
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|path| path.starts_with('/') && seen.insert(path.clone()));
    found
}

/// `./snippets/…` modules imported by wasm-bindgen's JS, as site paths.
fn snippet_imports(js: &str) -> Vec<String> {
    js.match_indices("'./snippets/")
        .chain(js.match_indices("\"./snippets/"))
        .filter_map(|(at, quote)| {
            let rest = &js[at + 1..];
            let end = rest.find(&quote[..1])?;
            Some(format!("/pkg/{}", &rest[2..end]))
        })
        .collect()
}

/// Signs up as a browser does; the session cookie.
async fn sign_up(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let response = http
        .post(format!("{base}/api/sign_up"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, base)
        .header(header::REFERER, format!("{base}/sign-up"))
        .body(format!(
            "name=First+load&email={EMAIL}&password=a+long+enough+password&invitation="
        ))
        .send()
        .await?;
    common::signed_up_session(response.status(), response.headers())
}

/// Creates a cluster with one nodepool of two nodes through the wizard's form, posted as a
/// browser without JavaScript posts it; the cluster page's path it redirects to.
async fn create_cluster(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
) -> anyhow::Result<String> {
    let choices: WizardChoices = http
        .post(format!("{base}/api/wizard_options"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, base)
        .header(header::COOKIE, cookie)
        .body("zone=ch-gva-2")
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mut form = ClusterForm {
        name: "first-load".into(),
        nodepools: vec![NodepoolForm {
            name: "workers".into(),
            size: "2".into(),
            ..NodepoolForm::default()
        }],
        ..ClusterForm::default()
    };
    form.fill_defaults(&choices);
    #[derive(serde::Serialize)]
    struct Args<'a> {
        form: &'a ClusterForm,
    }
    let response = http
        .post(format!("{base}/api/create_cluster"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, base)
        .header(header::REFERER, format!("{base}/clusters/new"))
        .header(header::COOKIE, cookie)
        .body(serde_qs::to_string(&Args { form: &form })?)
        .send()
        .await?;
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    ensure!(
        response.status().is_redirection() && location.starts_with("/clusters/ch-gva-2/"),
        "the wizard answered {} to {location:?}",
        response.status()
    );
    Ok(location)
}
