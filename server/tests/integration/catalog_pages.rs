//! The catalog pages as a browser without JavaScript gets them: the list filtered by the
//! address, and an entry's page rendered with the values, version and comparison it carries.

use crate::support::*;
use http::StatusCode;

#[tokio::test]
async fn the_list_follows_the_search_in_the_address() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "catalog-list@example.com").await;
    let (status, _, body) = send(&h.router, get_with("/catalog?q=web+app", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Catalog · Capstan</title>"));
    assert!(
        body.contains(r#"href="/catalog/sample-web-app""#),
        "the match"
    );
    assert!(
        !body.contains(r#"href="/catalog/metrics-server""#),
        "not a match"
    );
    assert!(
        body.contains(r#"value="web app""#),
        "the search box keeps the words"
    );
    assert!(
        body.contains("1 of 15 entries") || body.contains("1 of "),
        "the count"
    );

    let (_, _, body) = send(&h.router, get_with("/catalog?q=zzz-nothing", &cookie)).await;
    assert!(
        body.contains("No entry matches “zzz-nothing”"),
        "the empty state"
    );
    assert!(body.contains("clear the search"));
}

#[tokio::test]
async fn an_entry_renders_the_values_and_versions_in_its_address() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "catalog-entry@example.com").await;
    let path = "/catalog/sample-web-app?version=1.0.0&p.name=shop&p.max_replicas=9";
    let (status, _, body) = send(&h.router, get_with(path, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Sample web application · Catalog · Capstan</title>"));
    let manifests = region(&body, "Rendered manifests");
    assert!(
        manifests.contains("app.kubernetes.io/name: shop"),
        "the value"
    );
    assert!(manifests.contains("maxReplicas: 9"));
    assert!(
        !manifests.contains("PodDisruptionBudget"),
        "1.0.0 has no PDB"
    );
    assert!(
        body.contains(
            r#"href="/catalog/sample-web-app/download?version=1.0.0&amp;p.cpu_target=70"#
        ),
        "the download link carries the version and every value"
    );
    // 1.0.0 is compared with the newest by default: the PDB is what it lacks.
    assert!(body.contains("From 1.1.0 to 1.0.0 with these values"));
    let difference = region(&body, "Difference between versions");
    assert!(difference.contains("-kind: PodDisruptionBudget"));
    assert!(
        body.contains("kubectl --kubeconfig &lt;cluster&gt;-admin.kubeconfig apply -f sample-web-app-1.0.0.yaml"),
        "the install line names the file and a placeholder kubeconfig"
    );

    let refused = "/catalog/sample-web-app?p.name=Bad%21";
    let (status, _, body) = send(&h.router, get_with(refused, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(r#"aria-invalid="true""#),
        "the field is marked"
    );
    assert!(body.contains("Application name must be a DNS label"));
    assert!(body.contains("One value is refused"));
    assert!(
        !body.contains(r#"aria-label="Rendered manifests""#),
        "no YAML while a value is refused"
    );

    let (status, _, _) = send(&h.router, get_with("/catalog/nope", &cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The HTML of the region labelled `label`, up to the end of its `<pre>`.
fn region<'a>(body: &'a str, label: &str) -> &'a str {
    let start = body
        .find(&format!(r#"aria-label="{label}""#))
        .unwrap_or_else(|| panic!("no region {label}"));
    let rest = &body[start..];
    &rest[..rest.find("</pre>").expect("a <pre> in the region")]
}
