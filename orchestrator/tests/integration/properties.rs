//! Random and hostile request bodies against the orchestrator's HTTP API, on SQLite and on
//! PostgreSQL: every answer is a success or a 4xx in the spec's error shape (`{"message": …}`),
//! never a 5xx; a value made hostile in one field of an otherwise valid body is refused naming
//! that field (or accepted); and after any refusal nothing new is stored (the clusters',
//! nodepools' and resources' rows and the number of operations are as before).

use std::time::Duration;

use crate::support::{Harness, postgres, sqlite};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use sks_api::client::WaitOptions;
use sks_api::sign::Credentials;
use sks_api::*;
use sqlx::Row as _;
use uuid::Uuid;

const ZONE: ZoneName = ZoneName::ChGva2;
/// Cases per property and store: enough to meet every endpoint and kind of value several times
/// while the file stays well under a minute.
const CASES: u32 = 64;

/// An orchestrator with one running cluster and one nodepool of one node, reached over raw
/// signed HTTP, and a read-only view of its database.
struct Api {
    harness: Harness,
    http: reqwest::Client,
    credentials: Credentials,
    db: sqlx::AnyPool,
    cluster: Uuid,
    nodepool: Uuid,
    instance_type: Uuid,
    /// The version the cluster runs (a valid `version` for a new cluster).
    version: String,
}

impl Api {
    async fn start(database: String, dir: Option<tempfile::TempDir>) -> Api {
        let harness = Harness::start(database.clone(), dir).await;
        let c = &harness.client;
        let version = c.list_sks_cluster_versions(&ZONE, false).await.unwrap()[0].clone();
        let op = c
            .create_sks_cluster(
                &ZONE,
                &CreateSksClusterRequest::new("target", Level::Starter, &version),
            )
            .await
            .unwrap();
        let wait = WaitOptions {
            cadence: 0.01,
            deadline: Some(Duration::from_secs(60)),
            ..WaitOptions::default()
        };
        c.wait(&ZONE, &op, &wait).await.unwrap();
        let cluster = op.reference.unwrap().id.unwrap();
        let types = c.list_instance_types(&ZONE).await.unwrap();
        let instance_type = types
            .iter()
            .find(|t| t.display_name().as_deref() == Some("standard.small"))
            .and_then(|t| t.id)
            .unwrap();
        let op = c
            .create_sks_nodepool(
                &ZONE,
                cluster,
                &CreateSksNodepoolRequest::new("workers", 1, 50, instance_type),
            )
            .await
            .unwrap();
        c.wait(&ZONE, &op, &wait).await.unwrap();
        let nodepool = op.reference.unwrap().id.unwrap();
        let key = harness.orchestrator.create_key("default").await.unwrap();
        sqlx::any::install_default_drivers();
        let db = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&database)
            .await
            .unwrap();
        Api {
            harness,
            http: reqwest::Client::new(),
            credentials: Credentials::new(key.key, key.secret),
            db,
            cluster,
            nodepool,
            instance_type,
            version,
        }
    }

    async fn stop(self) {
        self.db.close().await;
        self.harness.stop().await;
    }

    /// Sends `body` signed, as the portal's client does; the status and the body text.
    async fn send(&self, method: &str, path: &str, body: Vec<u8>) -> (u16, String) {
        let expires = (orchestrator::model::now_ms() / 1000) as i64 + 60;
        let header =
            sks_api::sign::authorization(&self.credentials, method, path, &[], &body, expires)
                .unwrap();
        let response = self
            .http
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("http://{}{path}", self.harness.running.address),
            )
            .header("authorization", header)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// What the API writes: desired state, resources, and how many operations exist. The
    /// reconciler writes only status columns, instances and operation states, none of them here.
    async fn stored(&self) -> Vec<String> {
        let mut rows = Vec::new();
        for query in [
            "SELECT id, spec, generation FROM clusters ORDER BY id",
            "SELECT id, spec, generation FROM nodepools ORDER BY id",
            "SELECT id, body, created_at FROM resources ORDER BY id",
        ] {
            for row in sqlx::query(query).fetch_all(&self.db).await.unwrap() {
                rows.push(format!(
                    "{} {} {}",
                    row.get::<String, _>(0),
                    row.get::<String, _>(1),
                    row.get::<i64, _>(2)
                ));
            }
        }
        let operations: i64 = sqlx::query("SELECT COUNT(*) FROM operations")
            .fetch_one(&self.db)
            .await
            .unwrap()
            .get(0);
        rows.push(format!("{operations} operations"));
        rows
    }

    /// The mutating endpoints: method, path, and a body every rule accepts.
    fn endpoints(&self) -> Vec<(&'static str, String, Value)> {
        let (c, n) = (self.cluster, self.nodepool);
        vec![
            (
                "POST",
                "/v2/sks-cluster".into(),
                json!({
                    "name": "made", "level": "starter", "version": self.version,
                    "description": "d", "cni": "calico", "labels": {"team": "a"},
                    "addons": ["exoscale-cloud-controller"], "auto-upgrade": false,
                }),
            ),
            (
                "PUT",
                format!("/v2/sks-cluster/{c}"),
                json!({
                    "name": "renamed", "description": "d", "labels": {"team": "b"},
                    "auto-upgrade": true,
                }),
            ),
            (
                "PUT",
                format!("/v2/sks-cluster/{c}/upgrade"),
                json!({"version": self.version}),
            ),
            (
                "POST",
                format!("/v2/sks-cluster-kubeconfig/{c}"),
                json!({"user": "alice", "groups": ["ops"], "ttl": 3600}),
            ),
            (
                "POST",
                format!("/v2/sks-cluster/{c}/nodepool"),
                json!({
                    "name": "more", "size": 1, "disk-size": 50,
                    "instance-type": {"id": self.instance_type},
                    "description": "d", "labels": {"role": "w"}, "instance-prefix": "pool",
                    "taints": {"dedicated": {"value": "x", "effect": "NoSchedule"}},
                    "kubelet-max-pods": 110,
                }),
            ),
            (
                "PUT",
                format!("/v2/sks-cluster/{c}/nodepool/{n}"),
                json!({
                    "name": "workers", "description": "d", "labels": {"role": "w"},
                    "instance-prefix": "pool", "disk-size": 60,
                }),
            ),
            (
                "PUT",
                format!("/v2/sks-cluster/{c}/nodepool/{n}:scale"),
                json!({"size": 1}),
            ),
            (
                "POST",
                "/v2/security-group".into(),
                json!({"name": "web", "description": "d"}),
            ),
            (
                "POST",
                "/v2/private-network".into(),
                json!({
                    "name": "lan", "description": "d", "netmask": "255.255.255.0",
                    "start-ip": "10.0.0.10", "end-ip": "10.0.0.20",
                }),
            ),
        ]
    }
}

/// Strings that have broken services: empty, NUL, huge, mixed scripts, bidi overrides,
/// terminal escapes, SQL and markup, and arbitrary Unicode.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\0".to_owned()),
        Just("name\0with a NUL".to_owned()),
        Just("   ".to_owned()),
        Just("x".repeat(300_000)),
        Just("é".repeat(256)),
        Just("🚀 кластер 集群 \u{202e}lamron".to_owned()),
        Just("\u{1}\u{7}\u{1b}[31m\r\n\t\u{7f}".to_owned()),
        Just("'; DROP TABLE clusters; --".to_owned()),
        Just("../../etc/passwd".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("\u{feff}\u{200d}\u{fffd}\u{10ffff}".to_owned()),
        any::<String>(),
        (any::<String>(), any::<prop::sample::Index>()).prop_map(|(s, at)| {
            let mut chars: Vec<char> = s.chars().collect();
            chars.insert(at.index(chars.len() + 1), '\0');
            chars.into_iter().collect()
        }),
    ]
}

/// A hostile JSON value as text: hostile strings, numbers at and past the edges of i64, u64
/// and f64, negatives, fractions, and values of the wrong type.
fn hostile_json() -> impl Strategy<Value = String> {
    const NUMBERS: &[&str] = &[
        "-9223372036854775808",
        "9223372036854775807",
        "18446744073709551615",
        "18446744073709551616",
        "1.7976931348623157e308",
        "1e999",
        "-1",
        "0",
        "-0",
        "1001",
        "0.5",
        "-2.5e-308",
    ];
    prop_oneof![
        3 => hostile_string().prop_map(|s| Value::String(s).to_string()),
        3 => proptest::sample::select(NUMBERS).prop_map(str::to_owned),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(|f| json!(f).to_string()),
        1 => proptest::sample::select(&["true", "null", "[]", "{}", "[null]", "\"\""][..])
            .prop_map(str::to_owned),
        1 => (hostile_string(), hostile_string())
            .prop_map(|(k, v)| json!({ k: v }).to_string()),
        1 => Just(format!("{}{}", "[".repeat(200), "]".repeat(200))),
    ]
}

/// A random JSON value whose object keys are often the endpoints' real field names.
fn random_json() -> impl Strategy<Value = Value> {
    const NAMES: &[&str] = &[
        "name",
        "size",
        "disk-size",
        "level",
        "version",
        "labels",
        "description",
        "instance-type",
        "id",
        "taints",
        "addons",
        "cni",
        "user",
        "groups",
        "ttl",
        "instances",
        "netmask",
        "start-ip",
        "oidc",
        "audit",
        "instance-prefix",
    ];
    let key = prop_oneof![
        3 => proptest::sample::select(NAMES).prop_map(str::to_owned),
        1 => hostile_string(),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(u64::MAX)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        hostile_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Checks one answer: not a server failure, a message on refusal, nothing written on refusal.
/// Returns whether it was refused.
fn judge(
    what: &str,
    status: u16,
    body: &str,
    before: &[String],
    after: &[String],
) -> Result<bool, TestCaseError> {
    prop_assert!(status < 500, "{what}: a server failure {status}: {body}");
    if (200..300).contains(&status) {
        return Ok(false);
    }
    prop_assert!((400..500).contains(&status), "{what}: {status}");
    let error: Value = serde_json::from_str(body)
        .map_err(|e| TestCaseError::fail(format!("{what}: not JSON ({e}): {body}")))?;
    let message = error["message"].as_str().unwrap_or_default();
    prop_assert!(!message.is_empty(), "{what}: no message: {body}");
    prop_assert!(
        before == after,
        "{what}: refused ({status} {message}) yet something was written"
    );
    Ok(true)
}

/// Runs `property` against an orchestrator on SQLite, then on PostgreSQL, on one runtime.
fn on_both_stores(property: fn(&tokio::runtime::Runtime, &Api)) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (url, dir) = sqlite();
    let api = runtime.block_on(Api::start(url, Some(dir)));
    property(&runtime, &api);
    runtime.block_on(api.stop());
    if let Some(url) = runtime.block_on(postgres()) {
        let api = runtime.block_on(Api::start(url, None));
        property(&runtime, &api);
        runtime.block_on(api.stop());
    }
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn a_hostile_value_in_one_field_is_refused_naming_that_field_or_accepted() {
    on_both_stores(|runtime, api| {
        let endpoints = api.endpoints();
        let cases = (0..endpoints.len())
            .prop_flat_map(|e| {
                let fields = endpoints_fields(e);
                (Just(e), proptest::sample::select(fields))
            })
            .prop_flat_map(|(e, f)| (Just(e), Just(f), hostile_json()));
        runner()
            .run(&cases, |(e, field, hostile)| {
                let (method, path, template) = &endpoints[e];
                let mut body = template.clone();
                body[field] = Value::String("@@hostile@@".into());
                let text = body.to_string().replace("\"@@hostile@@\"", &hostile);
                let what = format!("{method} {path} with {field} = {}", shorten(&hostile));
                runtime.block_on(async {
                    let before = api.stored().await;
                    let (status, answer) = api.send(method, path, text.into_bytes()).await;
                    let after = api.stored().await;
                    if judge(&what, status, &answer, &before, &after)? {
                        let message: Value = serde_json::from_str(&answer).unwrap();
                        let message = message["message"].as_str().unwrap();
                        // The one refusal that is about the cluster, not the body.
                        let full = message.contains("most nodepools allowed");
                        prop_assert!(
                            message.contains(field) || full,
                            "{what}: {status} without naming {field}: {message}"
                        );
                    }
                    Ok(())
                })
            })
            .unwrap();
    });
}

/// The top-level fields of endpoint `e`'s valid body (same order as [`Api::endpoints`]).
fn endpoints_fields(e: usize) -> &'static [&'static str] {
    const FIELDS: [&[&str]; 9] = [
        &[
            "name",
            "level",
            "version",
            "description",
            "cni",
            "labels",
            "addons",
            "auto-upgrade",
        ],
        &["name", "description", "labels", "auto-upgrade"],
        &["version"],
        &["user", "groups", "ttl"],
        &[
            "name",
            "size",
            "disk-size",
            "instance-type",
            "description",
            "labels",
            "instance-prefix",
            "taints",
            "kubelet-max-pods",
        ],
        &[
            "name",
            "description",
            "labels",
            "instance-prefix",
            "disk-size",
        ],
        &["size"],
        &["name", "description"],
        &["name", "description", "netmask", "start-ip", "end-ip"],
    ];
    FIELDS[e]
}

/// A value short enough for a failure message.
fn shorten(text: &str) -> String {
    if text.chars().count() > 60 {
        format!(
            "{}… ({} characters)",
            text.chars().take(60).collect::<String>(),
            text.chars().count()
        )
    } else {
        format!("{text:?}")
    }
}

#[test]
fn random_bodies_get_a_clear_answer_and_refusals_write_nothing() {
    on_both_stores(|runtime, api| {
        let endpoints = api.endpoints();
        let bodies = prop_oneof![
            4 => random_json().prop_map(|v| v.to_string().into_bytes()),
            1 => prop::collection::vec(any::<u8>(), 0..64),
            1 => hostile_json().prop_map(String::into_bytes),
        ];
        let cases = (0..endpoints.len(), bodies);
        runner()
            .run(&cases, |(e, body)| {
                let (method, path, _) = &endpoints[e];
                let what = format!(
                    "{method} {path} with {}",
                    shorten(&String::from_utf8_lossy(&body))
                );
                runtime.block_on(async {
                    let before = api.stored().await;
                    let (status, answer) = api.send(method, path, body).await;
                    let after = api.stored().await;
                    judge(&what, status, &answer, &before, &after)?;
                    Ok(())
                })
            })
            .unwrap();
    });
}

/// The message of a refused request, after checking it is a 400.
async fn refusal(api: &Api, method: &str, path: &str, body: Value) -> String {
    let before = api.stored().await;
    let (status, answer) = api.send(method, path, body.to_string().into_bytes()).await;
    assert_eq!(status, 400, "{method} {path} {body}: {answer}");
    assert_eq!(
        api.stored().await,
        before,
        "{method} {path}: nothing stored"
    );
    let answer: ErrorBody = serde_json::from_str(&answer).unwrap();
    answer.message.unwrap()
}

#[test]
fn nul_characters_are_refused_naming_the_field_on_every_store() {
    // PostgreSQL refuses NUL in text: this was a 500 there, and a 200 on SQLite.
    on_both_stores(|runtime, api| {
        runtime.block_on(async {
            let c = api.cluster;
            let cases = [
                (
                    "POST",
                    "/v2/security-group".to_owned(),
                    json!({"name": "web\0"}),
                    "name",
                ),
                (
                    "POST",
                    "/v2/sks-cluster".to_owned(),
                    json!({"name": "a", "level": "starter", "version": api.version,
                           "labels": {"team": "x\0y"}}),
                    "labels.team",
                ),
                (
                    "POST",
                    format!("/v2/sks-cluster/{c}/nodepool"),
                    json!({"name": "w", "size": 1, "disk-size": 50,
                           "instance-type": {"id": api.instance_type},
                           "instance-prefix": "p\0"}),
                    "instance-prefix",
                ),
                (
                    "POST",
                    format!("/v2/sks-cluster-kubeconfig/{c}"),
                    json!({"user": "alice", "groups": ["ok", "\0"]}),
                    "groups[1]",
                ),
            ];
            for (method, path, body, field) in cases {
                let message = refusal(api, method, &path, body).await;
                assert_eq!(
                    message,
                    format!("invalid request: {field}: must not contain NUL characters")
                );
            }
        });
    });
}

#[test]
fn nodepool_sizes_beyond_the_quota_are_refused_not_planned() {
    // A size of i64::MAX was accepted and the reconciler planned every instance at once.
    on_both_stores(|runtime, api| {
        runtime.block_on(async {
            let (c, n) = (api.cluster, api.nodepool);
            let create = format!("/v2/sks-cluster/{c}/nodepool");
            let scale = format!("/v2/sks-cluster/{c}/nodepool/{n}:scale");
            for (method, path, size) in [
                ("POST", &create, i64::MAX),
                ("POST", &create, 1001),
                ("PUT", &scale, i64::MAX),
                ("PUT", &scale, 1001),
            ] {
                let body = json!({"name": "big", "size": size, "disk-size": 50,
                                  "instance-type": {"id": api.instance_type}});
                let message = refusal(api, method, path, body).await;
                assert_eq!(
                    message,
                    format!(
                        "invalid request: size: must be at most 1000 (the nodepool size \
                         quota), not {size}"
                    )
                );
            }
            let pool = api
                .harness
                .client
                .get_sks_nodepool(&ZONE, c, n)
                .await
                .unwrap();
            assert_eq!(pool.size, Some(1));
        });
    });
}
