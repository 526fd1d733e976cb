//! A cluster's nodepools: the Nodepools tab names every setting of every pool (groups and
//! networks by name, not counted), for the organization's members only.

use crate::support::*;
use http::StatusCode;
use portal_types::nodepools::ClusterNodepools;
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
