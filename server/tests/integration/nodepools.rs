//! A cluster's nodepools: the Nodepools tab names every setting of every pool (groups and
//! networks by name, not counted), for the organization's members only; a pool is added to a
//! running cluster by the wizard's own rules, with and without JavaScript, and bad input is
//! refused field by field with nothing sent to the API.

use crate::support::*;
use axum::body::Body;
use http::{Request, StatusCode, header};
use portal::accounts::{Accounts, AuditFilter};
use portal_types::nodepools::{ClusterNodepools, NewNodepoolOptions};
use portal_types::wizard::{ClusterForm, NodepoolForm};
use sks_api::{
    CreateNamedRequest, CreatePrivateNetworkRequest, CreateSksClusterRequest,
    CreateSksNodepoolRequest, KubeletImageGc, Level, Operation, PublicIpAssignment, Ref,
    SksNodepoolTaint, TaintEffect, ZoneName,
};
use uuid::Uuid;

const ZONE: ZoneName = ZoneName::ChGva2;

/// The id of what `operation` created, once it has.
async fn created(client: &sks_api::client::Client, operation: Operation) -> Uuid {
    let done = client.wait(&ZONE, &operation, &quick()).await.unwrap();
    done.reference.unwrap().id.unwrap()
}

#[tokio::test]
async fn the_nodepools_tab_names_every_setting_of_every_pool() {
    let h = harness_at(100.0).await;
    let cookie = sign_up(&h.router, "pools@example.com").await;
    let client = org_client(&h, "pools@example.com").await;
    let named = |name: &str| CreateNamedRequest {
        name: name.into(),
        description: None,
    };
    let sg = created(
        &client,
        client
            .create_security_group(&ZONE, &named("web"))
            .await
            .unwrap(),
    )
    .await;
    let aag = created(
        &client,
        client
            .create_anti_affinity_group(&ZONE, &named("spread"))
            .await
            .unwrap(),
    )
    .await;
    let network = CreatePrivateNetworkRequest {
        name: "backend".into(),
        description: None,
        netmask: None,
        start_ip: None,
        end_ip: None,
        labels: None,
        options: None,
    };
    let net = created(
        &client,
        client
            .create_private_network(&ZONE, &network)
            .await
            .unwrap(),
    )
    .await;
    let cluster = created(
        &client,
        client
            .create_sks_cluster(
                &ZONE,
                &CreateSksClusterRequest::new("shop", Level::Pro, "1.36.3"),
            )
            .await
            .unwrap(),
    )
    .await;
    let small = client
        .list_instance_types(&ZONE)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.display_name().as_deref() == Some("standard.small"))
        .and_then(|t| t.id)
        .unwrap();
    let mut pool = CreateSksNodepoolRequest::new("front", 1, 60, small);
    pool.description = Some("front end of the shop".into());
    pool.labels = Some([("role".to_owned(), "web".to_owned())].into());
    pool.taints = Some(
        [(
            "dedicated".to_owned(),
            SksNodepoolTaint {
                value: "web".into(),
                effect: TaintEffect::NoSchedule,
            },
        )]
        .into(),
    );
    pool.security_groups = Some(vec![Ref::from(sg)]);
    pool.anti_affinity_groups = Some(vec![Ref::from(aag)]);
    pool.private_networks = Some(vec![Ref::from(net)]);
    pool.instance_prefix = Some("front".into());
    pool.public_ip_assignment = Some(PublicIpAssignment::Dual);
    pool.kubelet_image_gc = Some(KubeletImageGc {
        high_threshold: Some(85),
        low_threshold: Some(80),
        min_age: Some("2m".into()),
    });
    created(
        &client,
        client
            .create_sks_nodepool(&ZONE, cluster, &pool)
            .await
            .unwrap(),
    )
    .await;

    let body = format!("zone={}&id={cluster}", ZONE.as_str());
    let (status, _, answer) = send(
        &h.router,
        call("/api/get_cluster_nodepools", &body, &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let tab: ClusterNodepools = serde_json::from_str(&answer).unwrap();
    assert!(tab.may_scale && tab.may_change && tab.may_delete);
    let [shown] = tab.cluster.nodepools.as_slice() else {
        panic!("one pool: {tab:?}")
    };
    assert_eq!(shown.labels, [("role".to_owned(), "web".to_owned())]);
    assert_eq!(shown.taints, ["dedicated=web:NoSchedule"]);
    assert_eq!(shown.disk_size, 60);
    let [settings] = tab.settings.as_slice() else {
        panic!("one pool's settings: {tab:?}")
    };
    assert_eq!(settings.id, shown.id);
    let names = |list: &[portal_types::wizard::NamedChoice]| -> Vec<String> {
        list.iter().map(|n| n.name.clone()).collect()
    };
    assert_eq!(names(&settings.security_groups), ["web"]);
    assert_eq!(names(&settings.anti_affinity_groups), ["spread"]);
    assert_eq!(names(&settings.private_networks), ["backend"]);
    assert_eq!(settings.public_ip_assignment, "dual");
    assert_eq!(settings.instance_prefix.as_deref(), Some("front"));
    assert_eq!(
        settings.description.as_deref(),
        Some("front end of the shop")
    );
    assert_eq!(
        settings.image_gc.as_deref(),
        Some("above 85% disk use, down to 80%, images unused for 2m or more")
    );

    // The page, rendered on the server, says the same to a reader without JavaScript.
    let page = format!("/clusters/{}/{cluster}/nodepools", ZONE.as_str());
    let (status, _, html) = send(&h.router, get_with(&page, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "front end of the shop",
        ">web<",
        ">spread<",
        ">backend<",
        "IPv4 and IPv6",
        "front-…",
        "above 85% disk use",
        "role=web",
        "dedicated=web:NoSchedule",
        "60 GiB per node",
        "Add a nodepool",
    ] {
        assert!(html.contains(shown), "the page shows {shown:?}");
    }
    assert!(
        html.contains(r#"aria-current="page""#) && html.contains(">Nodepools</a>"),
        "the tab is marked as the current one"
    );

    // Another organization does not learn the cluster exists.
    let stranger = sign_up(&h.router, "stranger@example.com").await;
    let (status, _, _) = send(
        &h.router,
        call("/api/get_cluster_nodepools", &body, &stranger),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A signed-up owner's organization with a running cluster `shop` and its pool `workers`:
/// (cookie, client, cluster id).
async fn running_cluster(h: &Harness, email: &str) -> (String, sks_api::client::Client, Uuid) {
    let cookie = sign_up(&h.router, email).await;
    let client = org_client(h, email).await;
    let cluster = created(
        &client,
        client
            .create_sks_cluster(
                &ZONE,
                &CreateSksClusterRequest::new("shop", Level::Pro, "1.36.3"),
            )
            .await
            .unwrap(),
    )
    .await;
    let small = client
        .list_instance_types(&ZONE)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.display_name().as_deref() == Some("standard.small"))
        .and_then(|t| t.id)
        .unwrap();
    created(
        &client,
        client
            .create_sks_nodepool(
                &ZONE,
                cluster,
                &CreateSksNodepoolRequest::new("workers", 1, 50, small),
            )
            .await
            .unwrap(),
    )
    .await;
    (cookie, client, cluster)
}

/// `zone=…&id=…&form[…]=…` as the add page posts it.
fn add_body(cluster: Uuid, form: &ClusterForm) -> String {
    #[derive(serde::Serialize)]
    struct Args<'a> {
        zone: &'a str,
        id: String,
        form: &'a ClusterForm,
    }
    serde_qs::to_string(&Args {
        zone: ZONE.as_str(),
        id: cluster.to_string(),
        form,
    })
    .unwrap()
}

/// The names of the cluster's pools, as the API has them.
async fn pool_names(client: &sks_api::client::Client, cluster: Uuid) -> Vec<String> {
    let cluster = client.get_sks_cluster(&ZONE, cluster).await.unwrap();
    let mut names: Vec<String> = cluster
        .nodepools
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.name)
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_pool_is_added_to_a_running_cluster_by_the_wizards_rules() {
    let h = harness_at(100.0).await;
    let (cookie, client, cluster) = running_cluster(&h, "grow@example.com").await;
    let base = format!("zone={}&id={cluster}", ZONE.as_str());
    let (status, _, answer) = send(
        &h.router,
        call("/api/get_new_nodepool_options", &base, &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let options: NewNodepoolOptions = serde_json::from_str(&answer).unwrap();
    assert_eq!(options.existing, ["workers"]);
    let small = options
        .choices
        .instance_types
        .iter()
        .find(|t| t.name == "standard.small")
        .unwrap()
        .id
        .clone();

    // A name the cluster already uses, a size that is not a number, a taint without effect:
    // each named, nothing sent.
    let mut form = ClusterForm {
        nodepools: vec![NodepoolForm {
            name: "workers".into(),
            instance_type: small.clone(),
            size: "many".into(),
            taints: "batch=yes".into(),
            ..NodepoolForm::default()
        }],
        ..ClusterForm::default()
    };
    let (status, _, answer) = send(
        &h.router,
        call("/api/add_nodepool", &add_body(cluster, &form), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let error: portal_types::error::AppError = serde_json::from_str(&answer).unwrap();
    let portal_types::error::AppError::Validation { fields } = error else {
        panic!("{error:?}")
    };
    let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        named,
        [
            "nodepools[0].name",
            "nodepools[0].size",
            "nodepools[0].taints"
        ]
    );
    assert_eq!(pool_names(&client, cluster).await, ["workers"]);

    // A good one is added, with its labels and taint, and comes up.
    form.nodepools[0].name = "batch".into();
    form.nodepools[0].size = "2".into();
    form.nodepools[0].labels = "tier=batch".into();
    form.nodepools[0].taints = "batch=yes:NoSchedule".into();
    let (status, _, answer) = send(
        &h.router,
        call("/api/add_nodepool", &add_body(cluster, &form), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer.contains(&format!("/clusters/{}/{cluster}/nodepools", ZONE.as_str())));
    assert_eq!(pool_names(&client, cluster).await, ["batch", "workers"]);
    let batch = client
        .get_sks_cluster(&ZONE, cluster)
        .await
        .unwrap()
        .nodepools
        .unwrap()
        .into_iter()
        .find(|p| p.name.as_deref() == Some("batch"))
        .unwrap();
    assert_eq!(batch.size, Some(2));
    assert_eq!(
        batch.labels.unwrap().get("tier").map(String::as_str),
        Some("batch")
    );
    assert_eq!(
        batch.taints.unwrap()["batch"].effect,
        TaintEffect::NoSchedule
    );

    // Audited under the cluster, once, as a success (the refusal sent nothing to audit).
    let accounts = Accounts::new(h.store.clone());
    let user = accounts
        .user_by_email("grow@example.com")
        .await
        .unwrap()
        .unwrap();
    let org = accounts.memberships(&user.id).await.unwrap()[0]
        .org_id
        .clone();
    let filter = AuditFilter {
        target: Some(format!("cluster/{}/{cluster}", ZONE.as_str())),
        ..AuditFilter::default()
    };
    let audit: Vec<(String, String)> = accounts
        .audit(&org, &filter, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.outcome))
        .collect();
    assert_eq!(
        audit,
        [("nodepool.create".to_owned(), "success".to_owned())]
    );
}

/// A form post from the add page, as a browser without JavaScript sends it.
fn plain_post(body: &str, cookie: &str, cluster: Uuid) -> Request<Body> {
    Request::post("/api/add_nodepool")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, ORIGIN)
        .header(
            header::REFERER,
            format!(
                "{ORIGIN}/clusters/{}/{cluster}/nodepools/new",
                ZONE.as_str()
            ),
        )
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn without_javascript_a_pool_is_added_or_the_form_comes_back_with_what_was_typed() {
    let h = harness_at(100.0).await;
    let (cookie, client, cluster) = running_cluster(&h, "plain@example.com").await;
    let page = format!("/clusters/{}/{cluster}/nodepools/new", ZONE.as_str());
    let (status, _, html) = send(&h.router, get_with(&page, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "New nodepool name",
        r#"name="form[nodepools][0][size]""#,
        r#"name="zone""#,
        "Its nodepools: workers.",
    ] {
        assert!(html.contains(shown), "the form has {shown:?}");
    }

    let mut form = ClusterForm {
        nodepools: vec![NodepoolForm {
            name: "typed name".into(),
            size: "0".into(),
            ..NodepoolForm::default()
        }],
        ..ClusterForm::default()
    };
    let (status, headers, _) = send(
        &h.router,
        plain_post(&add_body(cluster, &form), &cookie, cluster),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let back = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(back.starts_with(&page), "{back}");
    let (status, _, html) = send(&h.router, get_with(&back, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"value="typed name""#),
        "what was typed is kept"
    );
    assert!(
        html.contains("Please check these fields"),
        "the refusal is shown"
    );
    assert_eq!(pool_names(&client, cluster).await, ["workers"]);

    // As the page fills it: the zone's default instance type.
    let medium = client
        .list_instance_types(&ZONE)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.display_name().as_deref() == Some("standard.medium"))
        .and_then(|t| t.id)
        .unwrap();
    form.nodepools[0].instance_type = medium.to_string();
    form.nodepools[0].size = "1".into();
    form.nodepools[0].name = "plain".into();
    let (status, headers, _) = send(
        &h.router,
        plain_post(&add_body(cluster, &form), &cookie, cluster),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        headers[header::LOCATION],
        format!("/clusters/{}/{cluster}/nodepools", ZONE.as_str())
    );
    assert_eq!(pool_names(&client, cluster).await, ["plain", "workers"]);
}

#[tokio::test]
async fn a_pool_is_removed_only_once_its_name_is_typed_back() {
    let h = harness_at(100.0).await;
    let (cookie, client, cluster) = running_cluster(&h, "shrink@example.com").await;
    let pool = client
        .get_sks_cluster(&ZONE, cluster)
        .await
        .unwrap()
        .nodepools
        .unwrap()[0]
        .id
        .unwrap();
    let nodes = instances(&client, &ZONE, cluster).await;

    // The page says what goes: the nodes by name, and that it is the last pool.
    let page = format!(
        "/clusters/{}/{cluster}/nodepools/{pool}/delete",
        ZONE.as_str()
    );
    let (status, _, html) = send(&h.router, get_with(&page, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Type workers to confirm"));
    assert!(
        html.contains("the cluster&#x27;s last nodepool")
            || html.contains("the cluster's last nodepool")
    );
    let node_names: Vec<String> = client
        .get_instance_pool(
            &ZONE,
            client
                .get_sks_cluster(&ZONE, cluster)
                .await
                .unwrap()
                .nodepools
                .unwrap()[0]
                .instance_pool
                .unwrap()
                .id,
        )
        .await
        .unwrap()
        .instances
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| i.name)
        .collect();
    assert_eq!(node_names.len(), nodes.len());
    for name in &node_names {
        assert!(html.contains(name.as_str()), "the page names node {name}");
    }

    let body = |typed: &str| {
        format!(
            "zone={}&id={cluster}&nodepool={pool}&confirm_name={typed}",
            ZONE.as_str()
        )
    };
    let (status, _, answer) = send(
        &h.router,
        call("/api/delete_nodepool", &body("worker"), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer.contains("confirm_name"), "{answer}");
    assert_eq!(pool_names(&client, cluster).await, ["workers"]);

    let (status, _, answer) = send(
        &h.router,
        call("/api/delete_nodepool", &body("workers"), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    eventually("the pool is gone", PATIENCE, || async {
        pool_names(&client, cluster).await.is_empty()
    })
    .await;
}

#[tokio::test]
async fn an_edit_sends_what_changed_resets_what_was_emptied_and_refuses_bad_input() {
    let h = harness_at(100.0).await;
    let (cookie, client, cluster) = running_cluster(&h, "edit@example.com").await;
    let read_pool = || async {
        client
            .get_sks_cluster(&ZONE, cluster)
            .await
            .unwrap()
            .nodepools
            .unwrap()
            .remove(0)
    };
    let pool_id = read_pool().await.id.unwrap();
    let base = format!("zone={}&id={cluster}&nodepool={pool_id}", ZONE.as_str());
    let (status, _, answer) = send(
        &h.router,
        call("/api/get_nodepool_edit_options", &base, &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let options: portal_types::nodepools::NodepoolEditOptions =
        serde_json::from_str(&answer).unwrap();
    assert_eq!(options.current.name, "workers");
    let medium = options
        .choices
        .instance_types
        .iter()
        .find(|t| t.name == "standard.medium")
        .unwrap()
        .id
        .clone();
    let save = |pool: NodepoolForm| {
        let form = ClusterForm {
            nodepools: vec![pool],
            ..ClusterForm::default()
        };
        #[derive(serde::Serialize)]
        struct Args<'a> {
            form: &'a ClusterForm,
        }
        let body = format!(
            "{base}&{}",
            serde_qs::to_string(&Args { form: &form }).unwrap()
        );
        let request = call("/api/edit_nodepool", &body, &cookie);
        async { send(&h.router, request).await }
    };

    // Nothing changed, a disk too small: refused, named, nothing sent.
    let (status, _, answer) = save(options.current.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.contains(r#""field":"request""#), "{answer}");
    let mut bad = options.current.clone();
    bad.disk_size = "5".into();
    bad.labels = "tier=front".into();
    let (status, _, answer) = save(bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.contains("nodepools[0].disk_size"), "{answer}");
    assert_eq!(read_pool().await.labels.unwrap_or_default().len(), 0);

    // Renamed, relabelled, another instance type: all sent, the size untouched.
    let mut good = options.current.clone();
    good.name = "front".into();
    good.labels = "tier=front".into();
    good.instance_type = medium.clone();
    let (status, _, answer) = save(good.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let pool = read_pool().await;
    assert_eq!(pool.name.as_deref(), Some("front"));
    assert_eq!(
        pool.labels.unwrap().get("tier").map(String::as_str),
        Some("front")
    );
    assert_eq!(pool.instance_type.unwrap().id.to_string(), medium);
    assert_eq!(pool.size, Some(1));

    // Emptied labels are reset.
    good.labels.clear();
    let (status, _, answer) = save(good.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(read_pool().await.labels.unwrap_or_default().is_empty());

    // Placed on a deploy target, with the kubelet's pods per node and image clean-up.
    let target = options
        .choices
        .deploy_targets
        .first()
        .expect("the zone offers a deploy target")
        .id
        .clone();
    let mut placed = good.clone();
    placed.deploy_target = target.clone();
    placed.max_pods = "60".into();
    placed.image_gc_high = "90".into();
    placed.image_gc_low = "95".into();
    let (status, _, answer) = save(placed.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer.contains("nodepools[0].image_gc_low"), "{answer}");
    assert!(read_pool().await.deploy_target.is_none(), "nothing sent");
    placed.image_gc_low = "70".into();
    let (status, _, answer) = save(placed.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let pool = read_pool().await;
    assert_eq!(pool.deploy_target.map(|t| t.id.to_string()), Some(target));
    assert_eq!(pool.kubelet_max_pods, Some(60));
    let gc = pool.kubelet_image_gc.unwrap();
    assert_eq!((gc.high_threshold, gc.low_threshold), (Some(90), Some(70)));
    // The pods per node cannot be emptied once set (no reset exists); the target can.
    let mut emptied = placed.clone();
    emptied.max_pods.clear();
    let (status, _, answer) = save(emptied).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer.contains("nodepools[0].max_pods"), "{answer}");
    placed.deploy_target.clear();
    let (status, _, answer) = save(placed).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let pool = read_pool().await;
    assert!(pool.deploy_target.is_none(), "the target was reset");
    assert_eq!(pool.kubelet_max_pods, Some(60), "kept");

    // The page shows the pool's values to edit.
    let page = format!(
        "/clusters/{}/{cluster}/nodepools/{pool_id}/edit",
        ZONE.as_str()
    );
    let (status, _, html) = send(&h.router, get_with(&page, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"value="front""#),
        "the current name is filled in"
    );
    assert!(html.contains("No changes yet."));
    assert!(
        !html.contains(r#"name="form[nodepools][0][size]""#),
        "no size to edit"
    );
}
