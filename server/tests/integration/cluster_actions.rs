//! Changing clusters over HTTP, as the browser does (JSON-speaking calls and plain form posts):
//! kubeconfigs, scaling with a chosen instance, settings, deletion with its nodepools, an
//! upgrade plan that replaces every node, recycles (one node, a whole pool, resumed after a
//! stop) and deletion protection. Each refusal names its field and changes nothing; each change
//! is in the audit log under the cluster.

use crate::support::*;
use app::roles::Role;
use http::{StatusCode, header};
use portal::accounts::{Accounts, AuditFilter};
use sks_api::client::Client;
use sks_api::{CreateSksClusterRequest, CreateSksNodepoolRequest, InstanceState, Level, ZoneName};
use uuid::Uuid;

const ZONE: ZoneName = ZoneName::ChGva2;

fn all_running(instances: &[(String, Option<InstanceState>)]) -> bool {
    instances
        .iter()
        .all(|(_, s)| *s == Some(InstanceState::Running))
}

struct Setup {
    h: Harness,
    email: String,
    cookie: String,
    client: Client,
    cluster: Uuid,
    nodepool: Uuid,
}

/// A signed-up owner with a running `version` cluster and a running two-node pool.
async fn setup(email: &str, version: &str) -> Setup {
    setup_on(harness_at(100.0).await, email, version).await
}

/// [`setup`] on the portal of `h`.
async fn setup_on(h: Harness, email: &str, version: &str) -> Setup {
    let cookie = sign_up(&h.router, email).await;
    let client = org_client(&h, email).await;
    let op = client
        .create_sks_cluster(
            &ZONE,
            &CreateSksClusterRequest::new("shop", Level::Pro, version),
        )
        .await
        .unwrap();
    let op = client.wait(&ZONE, &op, &quick()).await.unwrap();
    let cluster = op.reference.unwrap().id.unwrap();
    let small = client
        .list_instance_types(&ZONE)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.display_name().as_deref() == Some("standard.small"))
        .and_then(|t| t.id)
        .unwrap();
    let op = client
        .create_sks_nodepool(
            &ZONE,
            cluster,
            &CreateSksNodepoolRequest::new("workers", 2, 50, small),
        )
        .await
        .unwrap();
    let op = client.wait(&ZONE, &op, &quick()).await.unwrap();
    let nodepool = op.reference.unwrap().id.unwrap();
    let s = Setup {
        h,
        email: email.to_owned(),
        cookie,
        client,
        cluster,
        nodepool,
    };
    eventually("two running nodes", PATIENCE, || async {
        let nodes = instances(&s.client, &ZONE, s.cluster).await;
        nodes.len() == 2 && all_running(&nodes)
    })
    .await;
    s
}

impl Setup {
    /// `zone=…&id=…` of the cluster, for server function bodies.
    fn base(&self) -> String {
        format!("zone={}&id={}", ZONE.as_str(), self.cluster)
    }

    async fn call(&self, function: &str, body: &str) -> (StatusCode, String) {
        let (status, _, body) = send(
            &self.h.router,
            call(&format!("/api/{function}"), body, &self.cookie),
        )
        .await;
        (status, body)
    }

    /// (action, outcome, target) of the audit entries under this cluster, newest first.
    async fn audit(&self) -> Vec<(String, String, String)> {
        let accounts = Accounts::new(self.h.store.clone());
        let user = accounts.user_by_email(&self.email).await.unwrap().unwrap();
        let org = accounts.memberships(&user.id).await.unwrap()[0]
            .org_id
            .clone();
        let filter = AuditFilter {
            target: Some(format!("cluster/{}/{}", ZONE.as_str(), self.cluster)),
            ..AuditFilter::default()
        };
        accounts
            .audit(&org, &filter, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.outcome, e.target.unwrap_or_default()))
            .collect()
    }
}

fn field_of(body: &str) -> Vec<String> {
    let error: app::error::AppError = serde_json::from_str(body).expect(body);
    match error {
        app::error::AppError::Validation { fields } => {
            fields.into_iter().map(|f| f.field).collect()
        }
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test]
async fn a_kubeconfig_is_issued_for_the_user_and_groups_and_only_its_issue_is_audited() {
    let s = setup("kube@example.com", "1.36.3").await;
    let (status, body) = s
        .call(
            "issue_kubeconfig",
            &format!("{}&user=alice&groups=devs%2C+ops&ttl_hours=24", s.base()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let issued: portal_types::access::IssuedKubeconfig = serde_json::from_str(&body).unwrap();
    assert_eq!(issued.file_name, "shop-alice.kubeconfig");
    assert_eq!(issued.groups, ["devs", "ops"]);
    assert!(
        issued.content.contains("client-key-data"),
        "{}",
        issued.content
    );
    assert!(issued.content.contains("certificate-authority-data"));

    // kubectl reads it.
    let file = s.h.data_dir().join(&issued.file_name);
    std::fs::write(&file, &issued.content).unwrap();
    let view = std::process::Command::new("kubectl")
        .args([
            "config",
            "view",
            "-o",
            "jsonpath={.clusters[0].cluster.server}",
        ])
        .env("KUBECONFIG", &file)
        .output()
        .expect("kubectl is installed");
    assert!(view.status.success(), "{view:?}");
    let server = String::from_utf8_lossy(&view.stdout);
    assert!(server.starts_with("https://"), "{server}");

    let (status, body) = s
        .call(
            "issue_kubeconfig",
            &format!("{}&user=&groups=&ttl_hours=0", s.base()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = field_of(&body);
    assert!(fields.contains(&"user".to_owned()), "{fields:?}");
    assert!(fields.contains(&"ttl_hours".to_owned()), "{fields:?}");

    let audit = s.audit().await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].0, "kubeconfig.issue");
    assert!(audit[0].2.contains("user alice, groups [devs, ops], 24 h"));
    assert!(!audit[0].2.contains("BEGIN"), "no key material in the log");

    // The Access tab lists it (the refused one is not there), never its key.
    let (status, body) = s.call("get_cluster_access", &s.base()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body.contains("PRIVATE KEY"), "no key material in the list");
    let access: portal_types::access::ClusterAccess = serde_json::from_str(&body).unwrap();
    assert_eq!(access.issued.len(), 1, "{:?}", access.issued);
    let record = &access.issued[0];
    assert_eq!(record.user, "alice");
    assert_eq!(record.groups, ["devs", "ops"]);
    assert!(record.issued_by.contains("kube@example.com"), "{record:?}");
    assert_eq!(record.expires_at_ms - record.issued_at_ms, 24 * 3_600_000);
    assert_eq!(
        record.validity(access.now_ms),
        portal_types::access::Validity::Valid
    );
    let stored: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM issued_kubeconfigs")
        .fetch_one(s.h.store.pool())
        .await
        .unwrap();
    assert_eq!(stored.0, 1);
}

#[tokio::test]
async fn scaling_down_removes_the_chosen_instance_and_up_adds_nodes() {
    let s = setup("scale@example.com", "1.36.3").await;
    let before = instances(&s.client, &ZONE, s.cluster).await;
    let (leaving, staying) = (before[0].0.clone(), before[1].0.clone());
    let scale = |body: String| {
        let request = browser_post("/api/scale_nodepool", &body, Some(&s.cookie));
        send(&s.h.router, request)
    };

    // Two chosen for a drop of one: refused, nothing changes.
    let (status, _, body) = send(
        &s.h.router,
        call(
            "/api/scale_nodepool",
            &format!(
                "{}&nodepool={}&size=1&evict%5B%5D={leaving}&evict%5B%5D={staying}",
                s.base(),
                s.nodepool
            ),
            &s.cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_of(&body), ["evict"]);
    assert_eq!(instances(&s.client, &ZONE, s.cluster).await.len(), 2);

    // Without JavaScript: the form posts, the browser goes back to the cluster.
    let (status, headers, body) = scale(format!(
        "{}&nodepool={}&size=1&evict%5B%5D={leaving}",
        s.base(),
        s.nodepool
    ))
    .await;
    assert!(status.is_redirection(), "{status} {body}");
    assert_eq!(
        headers[header::LOCATION],
        format!("/clusters/{}/{}", ZONE.as_str(), s.cluster)
    );
    eventually("the chosen instance gone", PATIENCE, || async {
        let now = instances(&s.client, &ZONE, s.cluster).await;
        now.len() == 1 && now[0].0 == staying
    })
    .await;

    let (status, _, body) = scale(format!("{}&nodepool={}&size=3", s.base(), s.nodepool)).await;
    assert!(status.is_redirection(), "{status} {body}");
    eventually("three running nodes", PATIENCE, || async {
        let now = instances(&s.client, &ZONE, s.cluster).await;
        now.len() == 3 && all_running(&now)
    })
    .await;

    let actions: Vec<String> = s.audit().await.into_iter().map(|a| a.0).collect();
    assert_eq!(actions, ["nodepool.scale", "nodepool.evict"]);
}

#[tokio::test]
async fn deleting_needs_the_name_typed_and_takes_the_nodepools_first() {
    let s = setup("delete@example.com", "1.36.3").await;
    let (status, body) = s
        .call(
            "delete_cluster",
            &format!("{}&confirm_name=shop-typo", s.base()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_of(&body), ["confirm_name", "delete_nodepools"]);
    assert!(s.client.get_sks_cluster(&ZONE, s.cluster).await.is_ok());

    let (status, body) = s
        .call(
            "delete_cluster",
            &format!("{}&confirm_name=shop&delete_nodepools=on", s.base()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually("the cluster gone", PATIENCE, || async {
        matches!(
            s.client.get_sks_cluster(&ZONE, s.cluster).await,
            Err(sks_api::client::Error::Api { status: 404, .. })
        )
    })
    .await;
    let audit = s.audit().await;
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|(a, o, _)| (a.as_str(), o.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("cluster.delete", "success"),
            ("nodepool.delete", "success"),
            ("cluster.delete", "started"),
        ]
    );
}

#[tokio::test]
async fn settings_are_saved_and_bad_labels_are_refused_naming_the_field() {
    let s = setup("settings@example.com", "1.36.3").await;
    let (status, body) = s
        .call(
            "update_cluster",
            &format!(
                "{}&name=shop&description=&labels=team%3Dweb%0Abad+key%3Dx",
                s.base()
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_of(&body), ["labels"]);

    let (status, body) = s
        .call(
            "update_cluster",
            &format!(
                "{}&name=shop-2&description=The+shop&labels=team%3Dweb&auto_upgrade=on",
                s.base()
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cluster = s.client.get_sks_cluster(&ZONE, s.cluster).await.unwrap();
    assert_eq!(cluster.name.as_deref(), Some("shop-2"));
    assert_eq!(cluster.auto_upgrade, Some(true));
    assert_eq!(cluster.labels.unwrap()["team"], "web");
}

#[tokio::test]
async fn an_upgrade_plan_upgrades_the_control_plane_then_replaces_every_node() {
    let s = setup("upgrade@example.com", "1.35.6").await;
    let old: Vec<String> = instances(&s.client, &ZONE, s.cluster)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();

    // Two minors at once is not offered.
    let (status, body) = s
        .call("start_upgrade", &format!("{}&version=1.37.0", s.base()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_of(&body), ["version"]);

    let (status, body) = s
        .call("start_upgrade", &format!("{}&version=1.36.3", s.base()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A second start while it runs is a conflict, not a second plan.
    let (status, _) = s
        .call("start_upgrade", &format!("{}&version=1.36.3", s.base()))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    eventually("the plan done", PATIENCE, || async {
        let (_, body) = s.call("get_upgrade_plan", &s.base()).await;
        let plan: Option<portal_types::upgrades::UpgradePlan> =
            serde_json::from_str(&body).unwrap();
        let plan = plan.unwrap();
        assert_ne!(plan.state, "failed", "{plan:?}");
        plan.state == "done"
    })
    .await;
    let cluster = s.client.get_sks_cluster(&ZONE, s.cluster).await.unwrap();
    assert_eq!(cluster.version.as_deref(), Some("1.36.3"));
    let now = instances(&s.client, &ZONE, s.cluster).await;
    assert_eq!(now.len(), 2, "the pool is back to its size");
    assert!(all_running(&now));
    assert!(
        now.iter().all(|(id, _)| !old.contains(id)),
        "every node was replaced: {old:?} → {now:?}"
    );
    let audit = s.audit().await;
    assert_eq!(
        audit
            .iter()
            .map(|a| (a.0.as_str(), a.1.as_str()))
            .collect::<Vec<_>>(),
        [
            ("cluster.upgrade", "success"),
            ("cluster.upgrade", "started")
        ]
    );
}

#[tokio::test]
async fn a_plan_left_running_by_a_stopped_portal_is_resumed_from_what_the_cluster_shows() {
    use portal_types::upgrades::{PlanKind, PlanStep};
    let s = setup("resume@example.com", "1.35.6").await;
    let accounts = Accounts::new(s.h.store.clone());
    let user = accounts.user_by_email(&s.email).await.unwrap().unwrap();
    let org = accounts.memberships(&user.id).await.unwrap()[0]
        .org_id
        .clone();
    // The portal stopped after the control plane was upgraded but before it recorded so.
    let op = s
        .client
        .upgrade_sks_cluster(
            &ZONE,
            s.cluster,
            &sks_api::UpgradeSksClusterRequest {
                version: "1.36.3".into(),
            },
        )
        .await
        .unwrap();
    s.client.wait(&ZONE, &op, &quick()).await.unwrap();
    let new = portal::upgrades::NewPlan {
        kind: PlanKind::Upgrade,
        from: "1.35.6".into(),
        to: "1.36.3".into(),
        steps: vec![
            PlanStep::control_plane("1.36.3").into(),
            PlanStep::nodepool(&s.nodepool.to_string(), "workers").into(),
        ],
    };
    portal::upgrades::create(
        &s.h.state,
        &org,
        &user.id,
        ZONE.as_str(),
        &s.cluster.to_string(),
        new,
    )
    .await
    .unwrap();

    // The next start picks it up.
    assert_eq!(portal::upgrades::resume_all(&s.h.state).await.unwrap(), 1);
    eventually("the resumed plan done", PATIENCE, || async {
        let (_, body) = s.call("get_upgrade_plan", &s.base()).await;
        let plan: Option<portal_types::upgrades::UpgradePlan> =
            serde_json::from_str(&body).unwrap();
        plan.unwrap().state == "done"
    })
    .await;
    let now = instances(&s.client, &ZONE, s.cluster).await;
    assert_eq!(now.len(), 2);
    assert!(all_running(&now));
}

#[tokio::test]
async fn kubeconfig_lifetimes_and_full_control_follow_the_role() {
    let s = setup("lead@example.com", "1.36.3").await;
    let accounts = Accounts::new(s.h.store.clone());
    let owner = accounts.user_by_email(&s.email).await.unwrap().unwrap();
    let org = accounts.memberships(&owner.id).await.unwrap()[0]
        .org_id
        .clone();
    // A colleague of each role in the same organization, with a session there.
    let mut cookies = std::collections::BTreeMap::new();
    for role in [Role::Operator, Role::Admin] {
        let email = format!("{}@example.com", role.as_str());
        sign_up(&s.h.router, &email).await;
        let user = accounts.user_by_email(&email).await.unwrap().unwrap();
        accounts.add_member(&org, &user.id, role, 0).await.unwrap();
        let token = accounts
            .create_session(&user.id, Some(&org), None, portal::now_ms())
            .await
            .unwrap();
        cookies.insert(role, format!("capstan_session={token}"));
    }
    let issue = |role: Role, groups: &str, hours: i64| {
        let body = format!("{}&user=u&groups={groups}&ttl_hours={hours}", s.base());
        let cookie = cookies[&role].clone();
        let router = s.h.router.clone();
        async move {
            let (status, _, body) =
                send(&router, call("/api/issue_kubeconfig", &body, &cookie)).await;
            (status, body)
        }
    };

    // Operators: a week at most, and never system:masters.
    let (status, body) = issue(Role::Operator, "devs", 24 * 7).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = issue(Role::Operator, "devs", 24 * 30).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_of(&body), ["ttl_hours"]);
    assert!(body.contains("7 days"), "{body}");
    let (status, body) = issue(Role::Operator, "system%3Amasters", 24).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_of(&body), ["groups"]);

    // Admins: full control, for a month at most.
    let (status, body) = issue(Role::Admin, "system%3Amasters", 24 * 30).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = issue(Role::Admin, "system%3Amasters", 24 * 365).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_of(&body), ["ttl_hours"]);

    // The owner, a year.
    let (status, body) = s
        .call(
            "issue_kubeconfig",
            &format!(
                "{}&user=u&groups=system%3Amasters&ttl_hours={}",
                s.base(),
                24 * 365
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_orchestrators_api_secrets_and_ca_keys_are_sealed_at_rest() {
    let s = setup("vault@example.com", "1.36.3").await;
    // A kubeconfig makes the cluster's authority sign a certificate with its private key.
    let (status, body) = s
        .call(
            "issue_kubeconfig",
            &format!("{}&user=u&groups=devs&ttl_hours=1", s.base()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    sqlx::any::install_default_drivers();
    let url = format!(
        "sqlite://{}",
        s.h.data_dir().join("orchestrator.db").display()
    );
    let db = sqlx::AnyPool::connect(&url).await.unwrap();
    let secrets: Vec<String> = sqlx::query_scalar("SELECT secret FROM api_keys")
        .fetch_all(&db)
        .await
        .unwrap();
    let keys: Vec<String> = sqlx::query_scalar("SELECT key_pem FROM authorities")
        .fetch_all(&db)
        .await
        .unwrap();
    db.close().await;
    assert!(!secrets.is_empty() && !keys.is_empty());
    for stored in secrets.iter().chain(&keys) {
        assert!(stored.starts_with("s2."), "sealed: {stored:.40}");
        assert!(!stored.contains("PRIVATE KEY"), "{stored:.40}");
    }
    // And the orchestrator still signs with them: the kubeconfig above was issued, and the
    // portal's signed calls keep working.
    let (status, _) = s.call("get_cluster_access", &s.base()).await;
    assert_eq!(status, StatusCode::OK);
}

/// Deletion protection holds against a direct call of the delete server function, until an
/// admin or owner clears it; setting and clearing are audited.
async fn protection_holds(h: Harness) {
    let s = setup_on(h, "guard@example.com", "1.36.3").await;
    let (status, body) = s
        .call("set_deletion_protection", &format!("{}&on=true", s.base()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s.call("get_cluster_settings", &s.base()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let settings: portal_types::clusters::ClusterSettings = serde_json::from_str(&body).unwrap();
    assert!(
        settings
            .protected_by
            .as_deref()
            .is_some_and(|by| by.contains("guard@example.com")),
        "{settings:?}"
    );

    let delete = format!("{}&confirm_name=shop&delete_nodepools=on", s.base());
    let (status, body) = s.call("delete_cluster", &delete).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("deletion protection is on"), "{body}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let cluster = s.client.get_sks_cluster(&ZONE, s.cluster).await.unwrap();
    assert_eq!(
        cluster.nodepools.map(|p| p.len()),
        Some(1),
        "nothing was deleted, not even a nodepool"
    );
    let (_, _, page) = send(
        &s.h.router,
        get_with(
            &format!("/clusters/{}/{}/delete", ZONE.as_str(), s.cluster),
            &s.cookie,
        ),
    )
    .await;
    assert!(
        page.contains("Deletion protection is on"),
        "the delete page says so"
    );

    let (status, body) = s
        .call("set_deletion_protection", &format!("{}&on=false", s.base()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s.call("delete_cluster", &delete).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let actions: Vec<String> = s
        .audit()
        .await
        .into_iter()
        .map(|(a, o, _)| format!("{a} {o}"))
        .collect();
    assert!(
        actions.contains(&"cluster.protect success".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"cluster.unprotect success".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn deletion_protection_holds_against_a_direct_call_on_sqlite() {
    protection_holds(harness_at(100.0).await).await;
}

#[tokio::test]
async fn deletion_protection_holds_against_a_direct_call_on_postgresql() {
    let Some(url) = postgres_database("the deletion protection test on PostgreSQL").await else {
        return;
    };
    protection_holds(harness_with(100.0, &["--database-url", &url], |router| router).await).await;
}

/// The cluster's latest plan, as the pages read it.
async fn plan_of(s: &Setup) -> Option<portal_types::upgrades::UpgradePlan> {
    let (_, body) = s.call("get_upgrade_plan", &s.base()).await;
    serde_json::from_str(&body).expect(&body)
}

async fn plan_done(s: &Setup) {
    eventually("the plan done", PATIENCE, || async {
        let plan = plan_of(s).await.expect("a plan");
        assert_ne!(plan.state, "failed", "{plan:#?}");
        plan.state == "done"
    })
    .await;
}

async fn node_ids(s: &Setup) -> Vec<String> {
    instances(&s.client, &ZONE, s.cluster)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// Recycling one node: bad input refused with the field named and nothing started; while it
/// runs, an upgrade, a scale, a removal and a second recycle of the pool are refused; then
/// exactly that node is replaced, the pool keeps its size, and both ends are audited.
async fn recycling_a_node(h: Harness) {
    let s = setup_on(h, "recycle@example.com", "1.36.3").await;
    let old = node_ids(&s).await;
    let pool = format!("{}&nodepool={}", s.base(), s.nodepool);

    // The page as a browser without JavaScript gets it: the surge starts at 1, and `?node=`
    // (the tab's "Replace" link) has that node chosen.
    let page = format!(
        "/clusters/{}/{}/nodepools/{}/recycle?node={}",
        ZONE.as_str(),
        s.cluster,
        s.nodepool,
        old[0]
    );
    let (status, _, html) = send(&s.h.router, get_with(&page, &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let surge = html.find(r#"name="surge""#).expect("a surge field");
    let tag_end = surge + html[surge..].find('>').unwrap();
    assert!(
        html[surge..tag_end].contains(r#"value="1""#),
        "{}",
        &html[surge..tag_end]
    );
    let option = html
        .find(&format!(r#"<option value="{}""#, old[0]))
        .expect("the node is offered");
    let option_end = option + html[option..].find('>').unwrap();
    assert!(
        html[option..option_end].contains("selected"),
        "{}",
        &html[option..option_end]
    );

    for (body, field) in [
        (format!("{pool}&which=pool&surge=0"), "surge"),
        (format!("{pool}&which=pool&surge=3"), "surge"),
        (format!("{pool}&which=node&node={}", Uuid::new_v4()), "node"),
        (format!("{pool}&which=node"), "node"),
        (format!("{pool}&which=everything&surge=1"), "which"),
    ] {
        let (status, answer) = s.call("recycle_nodepool", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(field_of(&answer), [field], "{body}");
    }
    assert!(plan_of(&s).await.is_none(), "nothing started");
    assert_eq!(node_ids(&s).await, old, "nothing changed upstream");

    let (status, body) = s
        .call(
            "recycle_nodepool",
            &format!("{pool}&which=node&node={}", old[0]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // One plan at a time, and nothing that fights it.
    for (function, body) in [
        ("recycle_nodepool", format!("{pool}&which=pool&surge=1")),
        ("start_upgrade", format!("{}&version=1.37.0", s.base())),
        ("scale_nodepool", format!("{pool}&size=5")),
        ("delete_nodepool", format!("{pool}&confirm_name=workers")),
    ] {
        let (status, answer) = s.call(function, &body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{function}: {answer}");
        assert!(
            answer.contains("recycle"),
            "{function} names what runs: {answer}"
        );
    }

    plan_done(&s).await;
    let plan = plan_of(&s).await.unwrap();
    assert_eq!(plan.kind, portal_types::upgrades::PlanKind::Recycle);
    assert_eq!(plan.from_version, "1.36.3", "a recycle keeps the version");
    let now = instances(&s.client, &ZONE, s.cluster).await;
    assert_eq!(now.len(), 2, "the pool is back to its size: {now:?}");
    assert!(all_running(&now));
    let ids: Vec<&String> = now.iter().map(|(id, _)| id).collect();
    assert!(!ids.contains(&&old[0]), "the chosen node was replaced");
    assert!(ids.contains(&&old[1]), "the other node stayed");
    let audit: Vec<String> = s
        .audit()
        .await
        .into_iter()
        .filter(|(action, ..)| action == "nodepool.recycle")
        .map(|(_, outcome, _)| outcome)
        .collect();
    assert_eq!(audit, ["success", "started"]);
}

#[tokio::test]
async fn recycling_a_node_replaces_it_alone_and_excludes_other_changes_on_sqlite() {
    recycling_a_node(harness_at(100.0).await).await;
}

#[tokio::test]
async fn recycling_a_node_replaces_it_alone_and_excludes_other_changes_on_postgresql() {
    let Some(url) = postgres_database("the recycle test on PostgreSQL").await else {
        return;
    };
    recycling_a_node(harness_with(100.0, &["--database-url", &url], |router| router).await).await;
}

#[tokio::test]
async fn a_pool_recycle_waits_for_an_upgrade_then_replaces_every_node_one_at_a_time() {
    let s = setup("rolling@example.com", "1.35.6").await;
    let pool = format!("{}&nodepool={}", s.base(), s.nodepool);
    let (status, body) = s
        .call("start_upgrade", &format!("{}&version=1.36.3", s.base()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, answer) = s
        .call("recycle_nodepool", &format!("{pool}&which=pool&surge=1"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer.contains("an upgrade to 1.36.3"), "{answer}");
    plan_done(&s).await;

    let old = node_ids(&s).await;
    let (status, body) = s
        .call("recycle_nodepool", &format!("{pool}&which=pool&surge=1"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Capacity never drops below the pool's size, and never grows past size + surge.
    eventually("the recycle done", PATIENCE, || async {
        let nodes = node_ids(&s).await;
        assert!(
            (2..=3).contains(&nodes.len()),
            "surge 1 on a pool of 2: {nodes:?}"
        );
        plan_of(&s).await.unwrap().state == "done"
    })
    .await;
    let now = instances(&s.client, &ZONE, s.cluster).await;
    assert_eq!(now.len(), 2);
    assert!(all_running(&now));
    assert!(
        now.iter().all(|(id, _)| !old.contains(id)),
        "every node was replaced: {old:?} → {now:?}"
    );
    let cluster = s.client.get_sks_cluster(&ZONE, s.cluster).await.unwrap();
    let pool = &cluster.nodepools.unwrap()[0];
    assert_eq!(pool.version.as_deref(), Some("1.36.3"), "the version kept");
}

/// A recycle the portal stored as running (it stopped mid-way) is picked up at the next start
/// and finishes from what the pool shows.
async fn a_recycle_resumes(h: Harness) {
    let s = setup_on(h, "resumed@example.com", "1.36.3").await;
    let accounts = Accounts::new(s.h.store.clone());
    let user = accounts.user_by_email(&s.email).await.unwrap().unwrap();
    let org = accounts.memberships(&user.id).await.unwrap()[0]
        .org_id
        .clone();
    let old = node_ids(&s).await;
    // The portal stopped after the first round's new node was asked for.
    s.client
        .scale_sks_nodepool(&ZONE, s.cluster, s.nodepool, 3)
        .await
        .unwrap();
    let new = portal::upgrades::NewPlan {
        kind: portal_types::upgrades::PlanKind::Recycle,
        from: "1.36.3".into(),
        to: "1.36.3".into(),
        steps: vec![portal::upgrades::StoredStep::recycle_pool(
            &s.nodepool.to_string(),
            "workers",
            1,
        )],
    };
    portal::upgrades::create(
        &s.h.state,
        &org,
        &user.id,
        ZONE.as_str(),
        &s.cluster.to_string(),
        new,
    )
    .await
    .unwrap();

    assert_eq!(portal::upgrades::resume_all(&s.h.state).await.unwrap(), 1);
    plan_done(&s).await;
    let now = instances(&s.client, &ZONE, s.cluster).await;
    assert!(all_running(&now));
    assert!(
        old.iter().all(|id| !now.iter().any(|(n, _)| n == id)),
        "the old nodes were replaced: {old:?} → {now:?}"
    );
}

#[tokio::test]
async fn a_recycle_left_running_by_a_stopped_portal_resumes_and_finishes_on_sqlite() {
    a_recycle_resumes(harness_at(100.0).await).await;
}

#[tokio::test]
async fn a_recycle_left_running_by_a_stopped_portal_resumes_and_finishes_on_postgresql() {
    let Some(url) = postgres_database("the recycle resume test on PostgreSQL").await else {
        return;
    };
    a_recycle_resumes(harness_with(100.0, &["--database-url", &url], |router| router).await).await;
}
