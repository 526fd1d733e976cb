//! The catalog over HTTP: search, an entry, rendering with values (refusals named by field),
//! the difference between versions, the download a browser without JavaScript follows, and a
//! portal that refuses to start on a malformed entry.

use std::path::Path;

use crate::support::*;
use app::catalog::{DiffKind, EntryDetail, ManifestDiff, Rendered};
use http::{StatusCode, header};
use portal_types::catalog::CatalogList;

/// A server function call as the hydrated app makes it.
async fn json<T: serde::de::DeserializeOwned>(
    h: &Harness,
    path: &str,
    body: &str,
    cookie: &str,
) -> T {
    let (status, _, text) = send(&h.router, call(path, body, cookie)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
}

#[tokio::test]
async fn search_finds_entries_by_words_and_category() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "cat@example.com").await;
    let all: CatalogList = json(&h, "/api/list_catalog", "", &cookie).await;
    assert!(all.total >= 15);
    assert_eq!(all.entries.len(), all.total);

    let found: CatalogList = json(&h, "/api/list_catalog", "q=lets+encrypt", &cookie).await;
    let names: Vec<&str> = found.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["cert-manager"]);

    let storage: CatalogList = json(&h, "/api/list_catalog", "category=storage", &cookie).await;
    assert!(!storage.entries.is_empty());
    assert!(storage.entries.iter().all(|e| e.category == "storage"));

    let none: CatalogList = json(&h, "/api/list_catalog", "q=no+such+thing", &cookie).await;
    assert!(none.entries.is_empty());
}

#[tokio::test]
async fn an_entry_renders_with_values_and_names_each_refused_field() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "cat@example.com").await;
    let entry: EntryDetail =
        json(&h, "/api/get_catalog_entry", "name=sample-web-app", &cookie).await;
    assert!(entry.readme_html.contains("<h1>"));
    assert!(entry.params.iter().any(|p| p.name == "name"));

    let rendered: Rendered = json(
        &h,
        "/api/render_catalog_entry",
        "name=sample-web-app&values[name]=shop",
        &cookie,
    )
    .await;
    assert!(rendered.errors.is_empty(), "{:?}", rendered.errors);
    assert!(
        rendered.manifest.contains("\n  name: shop\n"),
        "{}",
        rendered.manifest
    );

    let refused: Rendered = json(
        &h,
        "/api/render_catalog_entry",
        "name=sample-web-app&values[name]=Shop+Front&values[min_replicas]=zero",
        &cookie,
    )
    .await;
    assert!(refused.manifest.is_empty());
    let fields: Vec<&str> = refused.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["name", "min_replicas"]);

    let (status, _, text) = send(
        &h.router,
        call("/api/get_catalog_entry", "name=nope", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{text}");
    let (status, _, text) = send(
        &h.router,
        call(
            "/api/render_catalog_entry",
            "name=sample-web-app&version=9.9.9",
            &cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("has no version 9.9.9"), "{text}");
}

/// A value too big for any parameter is refused by its size, before any item is looked at:
/// 200,000 domains (1.6 MB) once took a worker tens of seconds, comparing each with those
/// before it (security review H1).
#[tokio::test]
async fn a_huge_list_is_refused_by_its_size_at_once() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "huge@example.com").await;
    let domains: Vec<String> = (0..200_000).map(|i| format!("a{i}.io")).collect();
    let body = format!(
        "name=external-dns&values[domain_filters]={}",
        domains.join(",")
    );
    for path in ["/api/render_catalog_entry", "/api/diff_catalog_entry"] {
        let body = if path.contains("diff") {
            format!("{body}&from=1.0.0&to=1.0.0")
        } else {
            body.clone()
        };
        let (status, _, text) = send(&h.router, call(path, &body, &cookie)).await;
        assert!(
            text.contains("domain_filters") && text.contains("must be at most 64 KiB"),
            "{path}: {status} {text:.300}"
        );
    }
}

#[tokio::test]
async fn two_versions_differ_for_the_same_values() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "cat@example.com").await;
    let diff: ManifestDiff = json(
        &h,
        "/api/diff_catalog_entry",
        "name=sample-web-app&from=1.0.0&to=1.1.0&values[name]=shop",
        &cookie,
    )
    .await;
    assert_eq!((diff.from.as_str(), diff.to.as_str()), ("1.0.0", "1.1.0"));
    assert!(diff.lines.iter().any(|l| l.kind == DiffKind::Added));
    // The values apply to both sides: the default name shows on neither (only the header
    // comment names the entry).
    assert!(
        !diff
            .lines
            .iter()
            .any(|l| !l.text.starts_with('#') && l.text.contains("sample-web-app")),
        "{:?}",
        diff.lines
    );
}

#[tokio::test]
async fn the_download_is_a_yaml_attachment_with_the_values_of_the_address() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "cat@example.com").await;
    let (status, headers, body) = send(
        &h.router,
        get_with(
            "/catalog/sample-web-app/download?version=1.0.0&p.name=shop&p.host=shop.example.com",
            &cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"sample-web-app-1.0.0.yaml\""
    );
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/yaml")
    );
    assert!(body.contains("kind: Deployment") && body.contains("\n  name: shop\n"));
    assert!(body.contains("shop.example.com"));

    let (status, _, body) = send(
        &h.router,
        get_with("/catalog/sample-web-app/download?p.name=a%0Ab", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.starts_with("name: must not contain control characters"),
        "{body}"
    );

    let (status, _, _) = send(&h.router, get_with("/catalog/nope/download", &cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Signed out: to the sign-in page, coming back here after.
    let (status, headers, _) = send(&h.router, get("/catalog/sample-web-app/download")).await;
    assert!(status.is_redirection());
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/sign-in?next=%2Fcatalog%2Fsample-web-app%2Fdownload")
    );
}

#[tokio::test]
async fn the_portal_does_not_start_with_a_malformed_entry() {
    let catalog = tempfile::tempdir().unwrap();
    let entry = catalog.path().join("broken");
    std::fs::create_dir_all(entry.join("versions/1.0.0")).unwrap();
    std::fs::write(entry.join("README.md"), "# Broken\n").unwrap();
    std::fs::write(
        entry.join("entry.toml"),
        "name = \"broken\"\ntitle = \"B\"\ncategory = \"apps\"\nsummary = \"s\"\nversion = \"1.0.0\"\n\
         [[changelog]]\nversion = \"1.0.0\"\ndate = \"2026-11-28\"\nchanges = [\"first\"]\n",
    )
    .unwrap();
    std::fs::write(
        entry.join("versions/1.0.0/10-a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x\n",
    )
    .unwrap();

    let data = tempfile::tempdir().unwrap();
    let config = <server::config::Config as clap::Parser>::try_parse_from([
        "capstan",
        "--data-dir",
        data.path().to_str().unwrap(),
        "--catalog-dir",
        catalog.path().to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ])
    .unwrap();
    let error = server::run(config).await.expect_err("it started");
    let said = format!("{error:#}");
    assert!(said.contains("loading the catalog from"), "{said}");
    assert!(
        said.contains(&format!(
            "{}: versions/1.0.0 with the defaults: document 1 has no metadata.name",
            Path::new(&entry).display()
        )),
        "{said}"
    );
}
