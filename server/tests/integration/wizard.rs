//! The create wizard over HTTP: a valid form creates the cluster and its nodepools; an invalid
//! one is refused field by field and creates nothing; the same form submitted twice at once
//! creates one cluster; a browser without JavaScript is redirected to the new cluster's page
//! (or back to the form, with what it typed); a viewer may not create.

use crate::support::*;
use app::roles::Role;
use app::wizard::{ClusterForm, NodepoolForm, WizardChoices};
use axum::body::Body;
use http::{Request, StatusCode, header};
use portal::accounts::Accounts;
use sks_api::ZoneName;

/// A form post from the create page, as a browser without JavaScript sends it.
fn plain_post(body: &str, cookie: &str) -> Request<Body> {
    Request::post("/api/create_cluster")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, ORIGIN)
        .header(header::REFERER, format!("{ORIGIN}/clusters/new"))
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn encode(form: &ClusterForm) -> String {
    #[derive(serde::Serialize)]
    struct Args<'a> {
        form: &'a ClusterForm,
    }
    serde_qs::to_string(&Args { form }).unwrap()
}

async fn choices(h: &Harness, cookie: &str) -> WizardChoices {
    let (status, _, body) = send(
        &h.router,
        call("/api/wizard_options", "zone=ch-gva-2", cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// A valid form with two nodepools, filled as the page fills it.
fn two_pools(name: &str, choices: &WizardChoices) -> ClusterForm {
    let small = choices
        .instance_types
        .iter()
        .find(|t| t.name == "standard.small")
        .unwrap()
        .id
        .clone();
    let mut form = ClusterForm {
        name: name.into(),
        description: "made by the wizard".into(),
        nodepools: vec![
            NodepoolForm {
                name: "workers".into(),
                size: "3".into(),
                labels: "team=web".into(),
                ..NodepoolForm::default()
            },
            NodepoolForm {
                name: "batch".into(),
                size: "1".into(),
                disk_size: "80".into(),
                instance_type: small,
                taints: "dedicated=batch:NoSchedule".into(),
                ..NodepoolForm::default()
            },
        ],
        ..ClusterForm::default()
    };
    form.fill_defaults(choices);
    form
}

#[tokio::test]
async fn a_valid_form_creates_the_cluster_and_its_nodepools() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "maker@example.com").await;
    let choices = choices(&h, &cookie).await;
    assert_eq!(choices.versions.first().map(String::as_str), Some("1.36.3"));
    assert!(
        choices
            .instance_types
            .iter()
            .any(|t| t.name == "standard.medium")
    );
    assert_eq!(choices.zones.len(), 8);

    let form = two_pools("web prod", &choices);
    let (status, _, body) = send(
        &h.router,
        call("/api/create_cluster", &encode(&form), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let path: String = serde_json::from_str(&body).unwrap();
    let id = path
        .strip_prefix("/clusters/ch-gva-2/")
        .expect("the cluster's page");

    let client = org_client(&h, "maker@example.com").await;
    let clusters = client.list_sks_clusters(&ZoneName::ChGva2).await.unwrap();
    assert_eq!(clusters.len(), 1);
    let cluster = client
        .get_sks_cluster(&ZoneName::ChGva2, id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(cluster.name.as_deref(), Some("web prod"));
    assert_eq!(cluster.description.as_deref(), Some("made by the wizard"));
    assert_eq!(cluster.version.as_deref(), Some("1.36.3"));
    let mut pools: Vec<(String, i64, i64)> = cluster
        .nodepools
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.name.unwrap(), p.size.unwrap(), p.disk_size.unwrap()))
        .collect();
    pools.sort();
    assert_eq!(pools, [("batch".into(), 1, 80), ("workers".into(), 3, 50)]);

    // The list shows it with both pools, and the detail page opens.
    let (_, _, list) = send(&h.router, get_with("/clusters", &cookie)).await;
    assert!(
        list.contains("web prod") && list.contains("0 / 4"),
        "{list}"
    );
    let (status, _, _) = send(&h.router, get_with(&path, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    // And the activity log says who created it.
    let accounts = Accounts::new(h.store.clone());
    let user = accounts
        .user_by_email("maker@example.com")
        .await
        .unwrap()
        .unwrap();
    let org = accounts.memberships(&user.id).await.unwrap()[0]
        .org_id
        .clone();
    let log = accounts.audit(&org, &Default::default(), 50).await.unwrap();
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    assert!(
        actions.contains(&("cluster.create", "success")),
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == ("nodepool.create", "success"))
            .count(),
        2,
        "{actions:?}"
    );
}

#[tokio::test]
async fn an_invalid_form_is_refused_field_by_field_and_creates_nothing() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "typo@example.com").await;
    let choices = choices(&h, &cookie).await;
    let mut form = two_pools("", &choices);
    form.nodepools[0].size = "0".into();
    form.nodepools[1].disk_size = "10".into();
    form.nodepools[1].taints = "dedicated=batch:Sometimes".into();
    form.level = "starter".into();
    form.karpenter = true;
    let (status, _, body) = send(
        &h.router,
        call("/api/create_cluster", &encode(&form), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for expected in [
        r#""field":"name","message":"is required (must be 1 to 255 characters)""#,
        r#""field":"nodepools[0].size","message":"must be at least 1, not 0""#,
        r#""field":"nodepools[1].disk_size","message":"must be between 20 and 51200, not 10""#,
        r#""field":"nodepools[1].taints""#,
        r#""field":"karpenter","message":"karpenter requires the pro level""#,
    ] {
        assert!(body.contains(expected), "{expected} missing from {body}");
    }
    let client = org_client(&h, "typo@example.com").await;
    for zone in ZoneName::ALL {
        assert!(
            client.list_sks_clusters(zone).await.unwrap().is_empty(),
            "{zone}"
        );
    }
}

#[tokio::test]
async fn the_same_form_sent_twice_at_once_creates_one_cluster() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "twice@example.com").await;
    let choices = choices(&h, &cookie).await;
    let body = encode(&two_pools("once", &choices));
    let (first, second) = tokio::join!(
        send(&h.router, call("/api/create_cluster", &body, &cookie)),
        send(&h.router, call("/api/create_cluster", &body, &cookie)),
    );
    assert_eq!(
        (first.0, second.0),
        (StatusCode::OK, StatusCode::OK),
        "{first:?} {second:?}"
    );
    assert_eq!(first.2, second.2, "both land on the same cluster");
    // And later, once more (a resent form).
    let (status, _, third) = send(&h.router, call("/api/create_cluster", &body, &cookie)).await;
    assert_eq!((status, &third), (StatusCode::OK, &first.2));
    let client = org_client(&h, "twice@example.com").await;
    let clusters = client.list_sks_clusters(&ZoneName::ChGva2).await.unwrap();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0].nodepools.as_ref().map(Vec::len), Some(2));
}

#[tokio::test]
async fn without_javascript_the_form_redirects_to_the_cluster_or_back_with_what_was_typed() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "nojs@example.com").await;
    // The page itself renders the whole form, with a token and one nodepool.
    let (status, _, page) = send(&h.router, get_with("/clusters/new", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        r#"action="/api/create_cluster""#,
        r#"name="form[token]""#,
        r#"name="form[nodepools][0][size]""#,
        "Create cluster",
        "1.36.3 (latest)",
    ] {
        assert!(page.contains(expected), "{expected} missing");
    }

    let choices = choices(&h, &cookie).await;
    let mut form = two_pools("plain", &choices);
    let (status, headers, _) = send(&h.router, plain_post(&encode(&form), &cookie)).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/clusters/ch-gva-2/"), "{location}");
    let (status, _, detail) = send(&h.router, get_with(&location, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.contains("plain"));

    // A refused form comes back with its values and the messages.
    form.token = "another-form".into();
    form.name = "typed name".into();
    form.nodepools[1].size = "many".into();
    let (status, headers, _) = send(&h.router, plain_post(&encode(&form), &cookie)).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/clusters/new?"), "{location}");
    assert!(location.contains("__err="), "{location}");
    let (status, _, page) = send(&h.router, get_with(&location, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"value="typed name""#),
        "the typed name is kept"
    );
    assert!(
        page.contains("must be a whole number of nodes"),
        "the message is shown"
    );
    assert!(
        page.contains(r##"href="#field-nodepools-1-size""##),
        "the summary links to the field"
    );
    // "Add a nodepool" and "Remove" re-open the page with the form in the address.
    let (_, _, page) = send(
        &h.router,
        get_with(
            &format!("/clusters/new?{}&add_nodepool=1", encode(&form)),
            &cookie,
        ),
    )
    .await;
    assert!(
        page.contains(r#"name="form[nodepools][2][size]""#),
        "a third pool"
    );
    assert!(page.contains(r#"value="typed name""#));
    let (_, _, page) = send(
        &h.router,
        get_with(
            &format!("/clusters/new?{}&remove_nodepool=0", encode(&form)),
            &cookie,
        ),
    )
    .await;
    assert!(
        !page.contains(r#"name="form[nodepools][1][size]""#),
        "one pool left"
    );
    assert!(
        page.contains(r#"value="batch""#),
        "the second pool is now the first"
    );

    let client = org_client(&h, "nojs@example.com").await;
    assert_eq!(
        client
            .list_sks_clusters(&ZoneName::ChGva2)
            .await
            .unwrap()
            .len(),
        1,
        "only the first form created a cluster"
    );
}

#[tokio::test]
async fn a_viewer_may_not_create() {
    let h = harness().await;
    let owner = sign_up(&h.router, "lead@example.com").await;
    let accounts = Accounts::new(h.store.clone());
    let lead = accounts
        .user_by_email("lead@example.com")
        .await
        .unwrap()
        .unwrap();
    let org = accounts.memberships(&lead.id).await.unwrap()[0]
        .org_id
        .clone();
    sign_up(&h.router, "watcher@example.com").await;
    let watcher = accounts
        .user_by_email("watcher@example.com")
        .await
        .unwrap()
        .unwrap();
    accounts
        .add_member(&org, &watcher.id, Role::Viewer, 0)
        .await
        .unwrap();
    let token = accounts
        .create_session(&watcher.id, Some(&org), None, portal::now_ms())
        .await
        .unwrap();
    let viewer = format!("capstan_session={token}");

    let choices = choices(&h, &owner).await;
    let body = encode(&two_pools("not yours", &choices));
    let (status, _, text) = send(&h.router, call("/api/create_cluster", &body, &viewer)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    let (status, _, _) = send(&h.router, get_with("/clusters/new", &viewer)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The list offers the wizard to the owner only.
    let (_, _, theirs) = send(&h.router, get_with("/clusters", &viewer)).await;
    assert!(!theirs.contains(r#"href="/clusters/new""#));
    let (_, _, ours) = send(&h.router, get_with("/clusters", &owner)).await;
    assert!(ours.contains(r#"href="/clusters/new""#));
    let client = org_client(&h, "lead@example.com").await;
    assert!(
        client
            .list_sks_clusters(&ZoneName::ChGva2)
            .await
            .unwrap()
            .is_empty()
    );
}
