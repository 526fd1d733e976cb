//! The cluster list over HTTP: clusters created with the organization's own credentials appear
//! with their state, nodes and filters; other organizations' clusters never do.

use crate::support::*;
use http::StatusCode;
use sks_api::{CreateSksClusterRequest, CreateSksNodepoolRequest, Level, ZoneName};

#[tokio::test]
async fn the_list_answers_without_a_query_as_the_client_side_router_asks_for_it() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "router@example.com").await;
    // Navigating to /clusters in the hydrated app sends an empty body (no filters at all).
    let request = http::Request::post("/api/list_clusters")
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ORIGIN, ORIGIN)
        .header(http::header::COOKIE, &cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, _, body) = send(&h.router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"rows\":[]"), "{body}");
}

#[tokio::test]
async fn the_list_shows_the_organizations_clusters_in_every_zone() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "lister@example.com").await;
    let (_, _, empty) = send(&h.router, get_with("/clusters", &cookie)).await;
    assert!(empty.contains("No clusters yet"), "{empty}");

    let client = org_client(&h, "lister@example.com").await;
    let geneva = ZoneName::ChGva2;
    let frankfurt = ZoneName::DeFra1;
    let mut request = CreateSksClusterRequest::new("web-prod", Level::Pro, "1.36.3");
    request.labels = Some(
        [
            ("env".to_owned(), "prod".to_owned()),
            ("team".to_owned(), "a".to_owned()),
        ]
        .into(),
    );
    let op = client.create_sks_cluster(&geneva, &request).await.unwrap();
    let web = op.reference.as_ref().unwrap().id.unwrap();
    let mut request = CreateSksClusterRequest::new("batch", Level::Starter, "1.35.6");
    request.labels = Some(
        [
            ("legacy".to_owned(), "yes".to_owned()),
            ("team".to_owned(), "c".to_owned()),
        ]
        .into(),
    );
    client
        .create_sks_cluster(&frankfurt, &request)
        .await
        .unwrap();
    // A nodepool asked for: desired nodes show at once.
    let types = client.list_instance_types(&geneva).await.unwrap();
    let small = types
        .iter()
        .find(|t| t.display_name().as_deref() == Some("standard.small"))
        .and_then(|t| t.id)
        .unwrap();
    client
        .create_sks_nodepool(
            &geneva,
            web,
            &CreateSksNodepoolRequest::new("workers", 3, 50, small),
        )
        .await
        .unwrap();

    let (status, _, page) = send(&h.router, get_with("/clusters", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("2 of 2 clusters"), "{page}");
    for expected in [
        "web-prod", "batch", "ch-gva-2", "de-fra-1", "1.36.3", "1.35.6", "creating", "0 / 3",
    ] {
        assert!(page.contains(expected), "{expected} missing");
    }
    // Filters and search come from the address.
    let (_, _, filtered) = send(&h.router, get_with("/clusters?zone=de-fra-1", &cookie)).await;
    assert!(
        filtered.contains("1 of 2 clusters")
            && filtered.contains("batch")
            && !filtered.contains("web-prod")
    );
    let (_, _, searched) = send(&h.router, get_with("/clusters?q=WEB", &cookie)).await;
    assert!(searched.contains("web-prod") && !searched.contains(">batch<"));

    // Labels show on each row, and a label selector (kubectl's syntax) filters by them.
    assert!(
        page.contains("env=prod") && page.contains("legacy=yes"),
        "labels shown"
    );
    for (selector, web_shown, batch_shown) in [
        ("env%3Dprod", true, false),
        ("team+in+(a%2Cb)", true, false),
        ("!legacy", true, false),
        ("team%2C+team+notin+(a)", false, true),
    ] {
        let (_, _, selected) = send(
            &h.router,
            get_with(&format!("/clusters?labels={selector}"), &cookie),
        )
        .await;
        assert_eq!(selected.contains("web-prod"), web_shown, "{selector}");
        assert_eq!(selected.contains(">batch<"), batch_shown, "{selector}");
    }
    let (status, _, refused) =
        send(&h.router, get_with("/clusters?labels=team+in+a", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        refused.contains("The label selector is not valid"),
        "{refused}"
    );
    assert!(refused.contains("parentheses"));
    assert!(
        !refused.contains("web-prod") && !refused.contains(">batch<"),
        "nothing matches"
    );

    // Another organization sees none of them.
    let other = sign_up(&h.router, "elsewhere@example.com").await;
    let (_, _, theirs) = send(&h.router, get_with("/clusters", &other)).await;
    assert!(theirs.contains("No clusters yet") && !theirs.contains("web-prod"));
}

#[tokio::test]
async fn a_cluster_page_shows_its_overview_and_nodepools_to_its_organization_only() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "detail@example.com").await;
    let client = org_client(&h, "detail@example.com").await;
    let zone = ZoneName::ChGva2;
    let mut request = CreateSksClusterRequest::new("api-gateway", Level::Pro, "1.36.3");
    request.description = Some("front door".into());
    let op = client.create_sks_cluster(&zone, &request).await.unwrap();
    let id = op.reference.as_ref().unwrap().id.unwrap();
    let types = client.list_instance_types(&zone).await.unwrap();
    let medium = types
        .iter()
        .find(|t| t.display_name().as_deref() == Some("standard.medium"))
        .and_then(|t| t.id)
        .unwrap();
    client
        .create_sks_nodepool(
            &zone,
            id,
            &CreateSksNodepoolRequest::new("edge", 2, 60, medium),
        )
        .await
        .unwrap();

    let path = format!("/clusters/ch-gva-2/{id}");
    let (status, _, page) = send(&h.router, get_with(&path, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "api-gateway",
        "front door",
        "1.36.3",
        "pro",
        "creating",
        "Nodepool edge",
        "standard.medium",
        "60 GiB disk",
        "0 of 2 instances running",
    ] {
        assert!(page.contains(expected), "{expected} missing");
    }
    // The list links to it.
    let (_, _, list) = send(&h.router, get_with("/clusters", &cookie)).await;
    assert!(
        list.contains(&format!("href=\"{path}\"")),
        "no link to {path}"
    );

    // Unknown ids, zones outside the organization's, and other organizations' clusters: 404.
    let other = sign_up(&h.router, "nosy@example.com").await;
    for (who, path) in [
        (&cookie, format!("/clusters/ch-gva-2/{}", uuid_nil())),
        (&cookie, format!("/clusters/mars-1/{id}")),
        (&cookie, "/clusters/ch-gva-2/not-an-id".to_owned()),
        (&other, path.clone()),
    ] {
        let (status, _, body) = send(&h.router, get_with(&path, who)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("api-gateway") || who == &cookie, "{path}");
    }
}

fn uuid_nil() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

#[tokio::test]
async fn the_health_card_reads_the_inspection_and_names_what_needs_attention() {
    let h = harness_at(100.0).await;
    let cookie = sign_up(&h.router, "health@example.com").await;
    let client = org_client(&h, "health@example.com").await;
    let (id, _) = running_cluster(&client, "checked", "1.36.3", 1).await;

    let body = format!("zone=ch-gva-2&id={id}");
    let (status, _, answer) =
        send(&h.router, call("/api/get_cluster_health", &body, &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let health: portal_types::health::ClusterHealth = serde_json::from_str(&answer).unwrap();
    use portal_types::health::HealthStatus::{Ok, Warning};
    let read: Vec<(&str, portal_types::health::HealthStatus)> = health
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.status))
        .collect();
    assert_eq!(
        read,
        [
            ("control-plane", Ok),
            ("nodes-ready", Ok),
            ("nodepool workers", Ok),
            ("security-groups", Warning),
        ],
        "{health:#?}"
    );
    assert!(health.checks[3].message.contains("UDP 4789"), "{health:#?}");
    assert!(health.checked_at.is_some());
    assert_eq!(health.overall(), Warning);

    // The Overview renders the card complete, for a browser without JavaScript too.
    let (status, _, page) = send(
        &h.router,
        get_with(&format!("/clusters/ch-gva-2/{id}"), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "Health",
        "Check again",
        "nodes-ready",
        "1 of 1 nodes ready",
        "no security group on workers",
    ] {
        assert!(page.contains(expected), "{expected} missing");
    }

    // Another organization's cluster: not found, and nothing of it said.
    let other = sign_up(&h.router, "nosy-health@example.com").await;
    let (status, _, answer) = send(&h.router, call("/api/get_cluster_health", &body, &other)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
}
