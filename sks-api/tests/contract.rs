//! The wire types against the contract itself: fully populated values serialize to JSON that
//! the spec's schemas accept, with no property the spec does not define (so a misspelled field
//! name fails here), and every required property present.

use std::collections::BTreeMap;

use serde_json::Value;
use sks_api::contract as schema;
use sks_api::*;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn labels() -> Labels {
    BTreeMap::from([("team".to_owned(), "platform".to_owned())])
}

fn taints() -> SksNodepoolTaints {
    BTreeMap::from([(
        "nvidia.com/gpu".to_owned(),
        SksNodepoolTaint {
            value: "present".into(),
            effect: TaintEffect::NoSchedule,
        },
    )])
}

fn full_create_cluster() -> CreateSksClusterRequest {
    CreateSksClusterRequest {
        description: Some("a demo".into()),
        labels: Some(labels()),
        cni: Some(Cni::Cilium),
        auto_upgrade: Some(true),
        networking: Some(Networking {
            cluster_cidr: Some("192.168.0.0/16".into()),
            service_cluster_ip_range: Some("10.96.0.0/12".into()),
            node_cidr_mask_size_ipv4: Some(24),
            node_cidr_mask_size_ipv6: Some(64),
        }),
        oidc: Some(oidc()),
        create_default_security_group: Some(true),
        enable_kube_proxy: Some(false),
        feature_gates: Some(vec!["SomeAlpha".into()]),
        addons: Some(vec![
            ClusterAddon::ExoscaleCloudController,
            ClusterAddon::MetricsServer,
        ]),
        audit: Some(SksAuditCreate {
            endpoint: "https://audit.example".into(),
            bearer_token: "token".into(),
            initial_backoff: Some("10s".into()),
        }),
        ..CreateSksClusterRequest::new("demo", Level::Pro, "1.34.3")
    }
}

fn oidc() -> SksOidc {
    SksOidc {
        client_id: "capstan".into(),
        issuer_url: "https://id.example".into(),
        username_claim: Some("email".into()),
        username_prefix: Some("oidc:".into()),
        groups_claim: Some("groups".into()),
        groups_prefix: Some("oidc:".into()),
        required_claim: Some(labels()),
    }
}

fn full_create_nodepool() -> CreateSksNodepoolRequest {
    CreateSksNodepoolRequest {
        description: Some("GPU workers".into()),
        anti_affinity_groups: Some(vec![Ref::from(id(1))]),
        public_ip_assignment: Some(PublicIpAssignment::Dual),
        labels: Some(labels()),
        taints: Some(taints()),
        security_groups: Some(vec![Ref::from(id(2))]),
        private_networks: Some(vec![Ref::from(id(3))]),
        kubelet_image_gc: Some(KubeletImageGc {
            high_threshold: Some(85),
            low_threshold: Some(80),
            min_age: Some("2m".into()),
        }),
        instance_prefix: Some("gpu".into()),
        deploy_target: Some(Ref::from(id(4))),
        kubelet_max_pods: Some(110),
        addons: Some(vec![NodepoolAddon::StorageLvm]),
        nvidia_mig_profiles: Some(NvidiaMigProfiles {
            a30_24gb: Some("1g.6gb".into()),
            rtxpro6000_96gb: Some("2g.48gb".into()),
            b300_269gb: Some("7g.269gb".into()),
        }),
        ..CreateSksNodepoolRequest::new("gpu", 2, 100, id(5))
    }
}

fn full_nodepool() -> SksNodepool {
    SksNodepool {
        id: Some(id(10)),
        name: Some("gpu".into()),
        description: Some("GPU workers".into()),
        anti_affinity_groups: Some(vec![Ref::from(id(1))]),
        public_ip_assignment: Some(PublicIpAssignment::Inet4),
        labels: Some(labels()),
        taints: Some(taints()),
        security_groups: Some(vec![Ref::from(id(2))]),
        instance_type: Some(Ref::from(id(5))),
        private_networks: Some(vec![Ref::from(id(3))]),
        template: Some(Ref::from(id(6))),
        state: Some(NodepoolState::Running),
        size: Some(2),
        kubelet_image_gc: Some(KubeletImageGc::default()),
        instance_pool: Some(Ref::from(id(7))),
        instance_prefix: Some("gpu".into()),
        deploy_target: Some(Ref::from(id(4))),
        kubelet_max_pods: Some(110),
        addons: Some(vec![NodepoolAddon::StorageLvm]),
        disk_size: Some(100),
        version: Some("1.34.3".into()),
        nvidia_mig_profiles: Some(NvidiaMigProfiles::default()),
        created_at: Some("2026-11-27T10:00:00Z".into()),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serializes")
}

#[track_caller]
fn assert_conforms(value: Value, schema: &Value) {
    let spec = schema::spec();
    let errors = schema::check(&spec, schema, &value, "", true);
    assert!(errors.is_empty(), "{value:#}\n{errors:#?}");
}

#[test]
fn request_bodies_match_their_operations() {
    let cases: Vec<(&str, Value)> = vec![
        ("create-sks-cluster", to_json(&full_create_cluster())),
        (
            "update-sks-cluster",
            to_json(&UpdateSksClusterRequest {
                name: Some("renamed".into()),
                description: Some(String::new()),
                labels: Some(labels()),
                auto_upgrade: Some(false),
                oidc: Some(oidc()),
                enable_operators_ca: Some(true),
                feature_gates: Some(vec![]),
                addons: Some(vec![ClusterAddon::ExoscaleContainerStorageInterface]),
                audit: Some(SksAuditUpdate {
                    endpoint: Some("https://audit.example".into()),
                    bearer_token: Some("t".into()),
                    initial_backoff: Some("5s".into()),
                    enabled: Some(true),
                }),
            }),
        ),
        (
            "upgrade-sks-cluster",
            to_json(&UpgradeSksClusterRequest {
                version: "1.35.0".into(),
            }),
        ),
        ("create-sks-nodepool", to_json(&full_create_nodepool())),
        (
            "update-sks-nodepool",
            to_json(&UpdateSksNodepoolRequest {
                name: Some("gpu-2".into()),
                instance_type: Some(Ref::from(id(5))),
                disk_size: Some(200),
                kubelet_max_pods: Some(50),
                ..UpdateSksNodepoolRequest::default()
            }),
        ),
        (
            "scale-sks-nodepool",
            to_json(&ScaleSksNodepoolRequest { size: 0 }),
        ),
        (
            "evict-sks-nodepool-members",
            to_json(&EvictSksNodepoolMembersRequest {
                instances: vec![id(20), id(21)],
            }),
        ),
        (
            "generate-sks-cluster-kubeconfig",
            to_json(&SksKubeconfigRequest {
                user: "alice".into(),
                groups: vec!["system:masters".into()],
                ttl: Some(3600),
            }),
        ),
        (
            "create-anti-affinity-group",
            to_json(&CreateNamedRequest {
                name: "spread".into(),
                description: Some("one per host".into()),
            }),
        ),
        (
            "add-rule-to-security-group",
            to_json(&AddRuleToSecurityGroupRequest {
                flow_direction: FlowDirection::Ingress,
                protocol: Protocol::Tcp,
                description: Some("NodePort services".into()),
                network: Some("0.0.0.0/0".into()),
                security_group: None,
                icmp: None,
                start_port: Some(30000),
                end_port: Some(32767),
            }),
        ),
        (
            "create-private-network",
            to_json(&CreatePrivateNetworkRequest {
                name: "lan".into(),
                description: Some("nodes".into()),
                netmask: Some("255.255.255.0".into()),
                start_ip: Some("10.0.0.10".into()),
                end_ip: Some("10.0.0.200".into()),
                labels: Some(labels()),
                options: Some(PrivateNetworkOptions {
                    routers: Some(vec!["10.0.0.1".into()]),
                    dns_servers: Some(vec!["10.0.0.2".into()]),
                    ntp_servers: Some(vec!["10.0.0.3".into()]),
                    domain_search: Some(vec!["example.internal".into()]),
                }),
            }),
        ),
    ];
    let spec = schema::spec();
    for (operation, body) in cases {
        let schema = schema::request_schema(&spec, operation);
        let errors = schema::check(&spec, &schema, &body, "", true);
        assert!(errors.is_empty(), "{operation}: {body:#}\n{errors:#?}");
    }
}

#[test]
fn a_full_cluster_matches_the_sks_cluster_schema() {
    let cluster = SksCluster {
        id: Some(id(30)),
        name: Some("demo".into()),
        description: Some("a demo".into()),
        labels: Some(labels()),
        cni: Some(Cni::Calico),
        auto_upgrade: Some(true),
        oidc: Some(oidc()),
        enable_operators_ca: Some(true),
        default_security_group_id: Some(id(31)),
        state: Some(ClusterState::Running),
        enable_kube_proxy: Some(true),
        nodepools: Some(vec![full_nodepool()]),
        level: Some(Level::Pro),
        feature_gates: Some(vec![]),
        addons: Some(vec![ClusterAddon::Karpenter]),
        audit: Some(SksAudit {
            endpoint: Some("https://audit.example".into()),
            enabled: Some(true),
            initial_backoff: Some("10s".into()),
        }),
        version: Some("1.34.3".into()),
        created_at: Some("2026-11-27T10:00:00Z".into()),
        endpoint: Some(format!("https://{}.sks-ch-gva-2.exo.io:443", id(30))),
    };
    assert_conforms(to_json(&cluster), &schema::component("sks-cluster"));
}

#[test]
fn operations_and_compute_resources_match_their_schemas() {
    let operation = Operation {
        id: Some(id(40)),
        reason: Some(OperationReason::Conflict),
        reference: Some(OperationReference {
            id: Some(id(30)),
            link: Some(format!("/v2/sks-cluster/{}", id(30))),
            command: Some("get-sks-cluster".into()),
        }),
        message: Some("cluster has nodepools".into()),
        state: Some(OperationState::Failure),
    };
    assert_conforms(to_json(&operation), &schema::component("operation"));

    let instance_type = InstanceType {
        id: Some(id(5)),
        size: Some(InstanceTypeSize::Medium),
        family: Some(InstanceTypeFamily::Standard),
        cpus: Some(2),
        gpus: None,
        authorized: Some(true),
        memory: Some(4 * 1024 * 1024 * 1024),
        zones: Some(vec![ZoneName::ChGva2, ZoneName::DeFra1]),
    };
    assert_eq!(
        instance_type.display_name().as_deref(),
        Some("standard.medium")
    );
    assert_conforms(to_json(&instance_type), &schema::component("instance-type"));

    let pool = InstancePool {
        id: Some(id(7)),
        name: Some("nodepool-gpu".into()),
        instance_prefix: Some("gpu".into()),
        state: Some(InstancePoolState::ScalingUp),
        size: Some(2),
        instance_type: Some(Ref::from(id(5))),
        disk_size: Some(100),
        manager: Some(Manager {
            id: Some(id(10)),
            kind: Some(ManagerType::SksNodepool),
        }),
        instances: Some(vec![InstanceRef {
            id: id(20),
            name: None,
            state: None,
            public_ip: None,
        }]),
        ..InstancePool::default()
    };
    assert_conforms(to_json(&pool), &schema::component("instance-pool"));
}

#[test]
fn responses_read_from_the_wire_ignore_what_they_do_not_know() {
    let cluster: SksCluster = serde_json::from_value(serde_json::json!({
        "id": id(30),
        "name": "demo",
        "state": "hibernating",
        "level": "pro",
        "addons": ["exoscale-cloud-controller", "gpu-operator"],
        "brand-new-field": {"nested": true},
        "nodepools": [{"id": id(10), "state": "running", "size": 3, "another-new-field": 1}]
    }))
    .expect("tolerant reading");
    assert_eq!(
        cluster.state,
        Some(ClusterState::Unknown("hibernating".into()))
    );
    assert_eq!(
        cluster.addons.as_ref().unwrap()[1],
        ClusterAddon::Unknown("gpu-operator".into())
    );
    assert_eq!(cluster.nodepools.unwrap()[0].size, Some(3));
}

#[test]
fn absent_optional_fields_are_not_sent() {
    let body = to_json(&CreateSksClusterRequest::new(
        "demo",
        Level::Starter,
        "1.34.3",
    ));
    assert_eq!(
        body,
        serde_json::json!({"name": "demo", "level": "starter", "version": "1.34.3"})
    );
    let body = to_json(&CreateSksNodepoolRequest::new("workers", 3, 50, id(5)));
    assert_eq!(
        body,
        serde_json::json!({"name": "workers", "size": 3, "disk-size": 50, "instance-type": {"id": id(5)}})
    );
}

#[test]
fn requests_are_matched_to_their_operations() {
    let spec = schema::spec();
    let id = "8561ee34-09f0-42da-a765-abde807f944b";
    for (method, path, expected) in [
        ("GET", "/zone".to_owned(), "list-zones"),
        ("GET", format!("/sks-cluster/{id}"), "get-sks-cluster"),
        (
            "PUT",
            format!("/sks-cluster/{id}/upgrade"),
            "upgrade-sks-cluster",
        ),
        (
            "DELETE",
            format!("/sks-cluster/{id}/labels"),
            "reset-sks-cluster-field",
        ),
        (
            "PUT",
            format!("/sks-cluster/{id}/nodepool/{id}"),
            "update-sks-nodepool",
        ),
        (
            "PUT",
            format!("/sks-cluster/{id}/nodepool/{id}:scale"),
            "scale-sks-nodepool",
        ),
        (
            "PUT",
            format!("/sks-cluster/{id}/nodepool/{id}:evict"),
            "evict-sks-nodepool-members",
        ),
        (
            "POST",
            format!("/sks-cluster-kubeconfig/{id}"),
            "generate-sks-cluster-kubeconfig",
        ),
    ] {
        assert_eq!(
            schema::operation_for(&spec, method, &path).as_deref(),
            Some(expected),
            "{method} {path}"
        );
    }
    assert_eq!(schema::operation_for(&spec, "PATCH", "/zone"), None);
}

#[test]
fn the_schema_checker_catches_wrong_names_and_values() {
    // The checker must fail when it should, or the tests above prove nothing.
    let spec = schema::spec();
    let schema = schema::request_schema(&spec, "create-sks-nodepool");
    let errors = schema::check(
        &spec,
        &schema,
        &serde_json::json!({"name": "", "size": 0, "disk_size": 10, "instance-type": {"id": "x"}}),
        "",
        true,
    );
    let text = errors.join("\n");
    assert!(text.contains("disk_size: not in the schema"), "{text}");
    assert!(text.contains("disk-size: required"), "{text}");
    assert!(text.contains("name: shorter than 1"), "{text}");
    assert!(text.contains("size: must be above 0"), "{text}");
    assert!(text.contains("instance-type.id: not a uuid"), "{text}");
}
