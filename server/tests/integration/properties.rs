//! Random and hostile inputs to the portal's server functions (`/api/<fn>`), as a signed-in
//! owner, on SQLite and on PostgreSQL: every answer is a success or a 4xx carrying the app's
//! error (a validation error names each field it refuses), never a 5xx; and after a refusal
//! nothing new is stored — the accounts, organizations, memberships, invitations, credentials,
//! create and upgrade requests in the portal's database, and the organization's clusters and
//! the target cluster's nodepools at the orchestration API, are as before.

use std::time::Duration;

use crate::support::*;
use app::error::AppError;
use axum::body::Body;
use http::{Request, header};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sks_api::client::{Client, WaitOptions};
use sks_api::{CreateSksClusterRequest, CreateSksNodepoolRequest, Level, ZoneName};
use sqlx::Row as _;
use uuid::Uuid;

const ZONE: ZoneName = ZoneName::ChGva2;
const EMAIL: &str = "owner@example.com";
/// Cases per property and store.
const CASES: u32 = 64;

/// A portal with a signed-in owner, a running cluster on the newest version (so no upgrade
/// can start) and a two-node pool.
struct Portal {
    h: Harness,
    cookie: String,
    client: Client,
    database: Option<String>,
    cluster: Uuid,
    nodepool: Uuid,
    org: String,
    user: String,
    version: String,
    instance_type: String,
}

impl Portal {
    async fn start(database: Option<String>) -> Portal {
        let flags: Vec<&str> = match &database {
            Some(url) => vec!["--database-url", url],
            None => vec![],
        };
        let h = harness_with(100.0, &flags, |router| router).await;
        let cookie = sign_up(&h.router, EMAIL).await;
        let client = org_client(&h, EMAIL).await;
        let wait = WaitOptions {
            cadence: 0.02,
            deadline: Some(Duration::from_secs(60)),
            ..WaitOptions::default()
        };
        let version = client
            .list_sks_cluster_versions(&ZONE, false)
            .await
            .unwrap()[0]
            .clone();
        let op = client
            .create_sks_cluster(
                &ZONE,
                &CreateSksClusterRequest::new("target", Level::Starter, &version),
            )
            .await
            .unwrap();
        let op = client.wait(&ZONE, &op, &wait).await.unwrap();
        let cluster = op.reference.unwrap().id.unwrap();
        let instance_type = client
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
                &CreateSksNodepoolRequest::new("workers", 2, 50, instance_type),
            )
            .await
            .unwrap();
        let op = client.wait(&ZONE, &op, &wait).await.unwrap();
        let nodepool = op.reference.unwrap().id.unwrap();
        let accounts = portal::accounts::Accounts::new(h.store.clone());
        let user = accounts.user_by_email(EMAIL).await.unwrap().unwrap().id;
        let org = accounts.memberships(&user).await.unwrap()[0].org_id.clone();
        Portal {
            h,
            cookie,
            client,
            database,
            cluster,
            nodepool,
            org,
            user,
            version,
            instance_type: instance_type.to_string(),
        }
    }

    async fn stop(self) {
        self.h.store.close().await;
        if let Some(url) = &self.database {
            drop_database(url).await;
        }
    }

    /// What a refused call must leave as it was. Sessions, sign-in throttling and the audit
    /// log are left out: refusals are rightly recorded there.
    async fn stored(&self) -> Vec<String> {
        self.read().await.0
    }

    /// [`Portal::stored`], and whether the orchestrator is still carrying out a change (a
    /// cluster, or one of the target cluster's nodepools, in a transitional state), from the
    /// same reads of the API.
    async fn read(&self) -> (Vec<String>, bool) {
        let mut rows = Vec::new();
        let mut moving = false;
        for query in [
            "SELECT id || ' ' || email || ' ' || name || ' ' || password_hash FROM users ORDER BY id",
            "SELECT id || ' ' || name FROM orgs ORDER BY id",
            "SELECT org_id || ' ' || user_id || ' ' || role FROM memberships ORDER BY org_id, user_id",
            "SELECT token_hash || ' ' || role FROM invitations ORDER BY token_hash",
            "SELECT org_id || ' ' || kind || ' ' || api_key || ' ' || zones FROM org_credentials ORDER BY org_id",
            "SELECT token || ' ' || zone FROM create_requests ORDER BY token",
            // A plan's state moves on its own once it runs (as clusters' states do): only
            // whether a plan exists is what a request writes.
            "SELECT id FROM upgrade_plans ORDER BY id",
        ] {
            for row in sqlx::query(query)
                .fetch_all(self.h.store.pool())
                .await
                .unwrap()
            {
                rows.push(row.get::<String, _>(0));
            }
        }
        // The organization's clusters as the API describes them (states left out: they move on
        // their own), and the target cluster's nodepools.
        for cluster in self.client.list_sks_clusters(&ZONE).await.unwrap() {
            moving |= cluster.state.as_ref().is_none_or(|s| s.is_transitional());
            rows.push(format!(
                "cluster {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                cluster.id,
                cluster.name,
                cluster.description,
                cluster.labels,
                cluster.level,
                cluster.addons,
                cluster.auto_upgrade
            ));
        }
        let target = self
            .client
            .get_sks_cluster(&ZONE, self.cluster)
            .await
            .unwrap();
        for pool in target.nodepools.unwrap_or_default() {
            moving |= pool.state.as_ref().is_none_or(|s| s.is_transitional());
            rows.push(format!(
                "nodepool {:?} {:?} {:?} {:?} {:?} {:?}",
                pool.id, pool.name, pool.size, pool.description, pool.labels, pool.disk_size
            ));
        }
        (rows, moving)
    }

    /// What is stored once background work has stopped moving it (a deletion in order, a new
    /// cluster's nodepools, the orchestrator's reconciler converging on an accepted change — a
    /// service level shows once its task ends): no cluster and no nodepool of the target is in
    /// a transitional state, and two snapshots 100 ms apart agree; or the last of 10 s. Taken
    /// before each request, so what a refused request is compared with is not still changing
    /// on its own.
    async fn settled(&self) -> Vec<String> {
        let mut last = self.stored().await;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let (now, moving) = self.read().await;
            if now == last && !moving {
                return now;
            }
            last = now;
        }
        last
    }

    /// The server functions, each with its fields and the values that are valid for them. A
    /// field missing from the list of values takes only hostile values.
    fn functions(&self) -> Vec<(&'static str, Fields)> {
        let zone = || vec![ZONE.as_str().to_owned()];
        let id = || vec![self.cluster.to_string()];
        let pool = || vec![self.nodepool.to_string()];
        let none = Vec::new;
        let of = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
        vec![
            (
                "sign_up",
                vec![
                    ("name", of(&["Someone"])),
                    ("email", of(&["someone@example.com"])),
                    ("password", of(&["a long enough password"])),
                    ("invitation", of(&[""])),
                ],
            ),
            (
                "sign_in",
                vec![
                    ("email", of(&[EMAIL])),
                    ("password", none()),
                    ("next", of(&["/clusters"])),
                ],
            ),
            (
                "change_password",
                vec![
                    ("current", none()),
                    ("new_password", of(&["another long password"])),
                ],
            ),
            ("switch_org", vec![("org", vec![self.org.clone()])]),
            (
                "create_cluster",
                vec![
                    ("form[name]", of(&["made"])),
                    ("form[description]", of(&["", "d"])),
                    ("form[zone]", zone()),
                    ("form[version]", vec![self.version.clone()]),
                    ("form[level]", of(&["starter", "pro"])),
                    ("form[cni]", of(&["calico", "cilium", ""])),
                    ("form[nodepools][0][name]", of(&["w"])),
                    (
                        "form[nodepools][0][instance_type]",
                        vec![self.instance_type.clone()],
                    ),
                    ("form[nodepools][0][size]", of(&["1"])),
                    ("form[nodepools][0][disk_size]", of(&["50"])),
                    ("form[nodepools][0][labels]", of(&["", "team=a"])),
                    (
                        "form[nodepools][0][taints]",
                        of(&["", "gpu=yes:NoSchedule"]),
                    ),
                ],
            ),
            (
                "update_cluster",
                vec![
                    ("zone", zone()),
                    ("id", id()),
                    ("name", of(&["target", "renamed"])),
                    ("description", of(&["", "d"])),
                    ("labels", of(&["", "team=a"])),
                    ("auto_upgrade", of(&["on"])),
                    ("addons[]", of(&["karpenter"])),
                ],
            ),
            (
                "upgrade_service_level",
                vec![("zone", zone()), ("id", id())],
            ),
            (
                "start_upgrade",
                vec![
                    ("zone", zone()),
                    ("id", id()),
                    ("version", vec![self.version.clone()]),
                ],
            ),
            (
                "scale_nodepool",
                vec![
                    ("zone", zone()),
                    ("id", id()),
                    ("nodepool", pool()),
                    ("size", of(&["1", "2", "3"])),
                    ("evict[]", none()),
                ],
            ),
            (
                "issue_kubeconfig",
                vec![
                    ("zone", zone()),
                    ("id", id()),
                    ("user", of(&["alice"])),
                    ("groups", of(&["", "ops, devs"])),
                    ("ttl_hours", of(&["1", "24"])),
                ],
            ),
            (
                "rotate_credentials",
                vec![
                    ("zone", zone()),
                    ("id", id()),
                    ("which", of(&["operators-ca", "ccm"])),
                ],
            ),
            (
                "invite_member",
                vec![("role", of(&["viewer", "operator", "admin", "owner"]))],
            ),
            (
                "set_member_role",
                vec![
                    ("user_id", vec![self.user.clone()]),
                    ("role", of(&["owner"])),
                ],
            ),
            ("accept_invitation", vec![("token", none())]),
            ("invitation_info", vec![("token", none())]),
            (
                "set_exoscale_credentials",
                vec![
                    ("api_key", none()),
                    ("api_secret", none()),
                    ("zones", of(&["ch-gva-2"])),
                ],
            ),
            (
                "render_catalog_entry",
                vec![
                    ("name", of(&["cert-manager", "backup-velero"])),
                    ("version", of(&[""])),
                    ("values[email]", none()),
                    ("values[replicas]", of(&["2"])),
                ],
            ),
            (
                "diff_catalog_entry",
                vec![
                    ("name", of(&["cert-manager"])),
                    ("from", none()),
                    ("to", none()),
                    ("values[email]", none()),
                ],
            ),
            (
                "list_catalog",
                vec![("q", of(&["", "tls"])), ("category", of(&[""]))],
            ),
            (
                "list_clusters",
                vec![
                    ("query[q]", of(&["target"])),
                    ("query[sort]", of(&["-name", "created"])),
                    ("query[page]", of(&["1"])),
                    ("query[state]", of(&["running"])),
                ],
            ),
            (
                "list_activity",
                vec![
                    ("user", of(&[EMAIL])),
                    ("action", of(&["cluster.create"])),
                    ("from", of(&["2026-01-01"])),
                    ("before", of(&["10"])),
                ],
            ),
            ("get_cluster", vec![("zone", zone()), ("id", id())]),
            ("get_cluster_access", vec![("zone", zone()), ("id", id())]),
            (
                "get_nodepool_scale_info",
                vec![("zone", zone()), ("id", id()), ("nodepool", pool())],
            ),
            ("set_theme", vec![("theme", of(&["dark", "system"]))]),
            ("wizard_options", vec![("zone", zone())]),
        ]
    }

    async fn post(&self, function: &str, content_type: &str, body: Vec<u8>) -> (u16, String) {
        let request = Request::post(format!("/api/{function}"))
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ORIGIN, ORIGIN)
            .header(header::COOKIE, &self.cookie)
            .body(Body::from(body))
            .unwrap();
        let (status, _, body) = send(&self.h.router, request).await;
        (status.as_u16(), body)
    }
}

/// A server function's fields, each with its valid values.
type Fields = Vec<(&'static str, Vec<String>)>;

/// Strings that have broken services: empty, NUL, huge, mixed scripts, bidi overrides,
/// terminal escapes, SQL and markup, numbers past every integer, and arbitrary Unicode.
fn hostile_string() -> impl Strategy<Value = String> {
    const FIXED: &[&str] = &[
        "",
        "\0",
        "name\0with a NUL",
        "   ",
        "🚀 кластер 集群 \u{202e}lamron",
        "\u{1}\u{7}\u{1b}[31m\r\n\t\u{7f}",
        "'; DROP TABLE users; --",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "\u{feff}\u{200d}\u{fffd}\u{10ffff}",
        "-1",
        "0",
        "1001",
        "-9223372036854775808",
        "9223372036854775807",
        "18446744073709551616",
        "1e999",
        "NaN",
        "３",
        "key=value:NoSchedule\n=\n==:",
    ];
    prop_oneof![
        4 => proptest::sample::select(FIXED).prop_map(str::to_owned),
        1 => Just("x".repeat(100_000)),
        1 => Just("é".repeat(256)),
        2 => any::<String>(),
        1 => (any::<String>(), any::<prop::sample::Index>()).prop_map(|(s, at)| {
            let mut chars: Vec<char> = s.chars().collect();
            chars.insert(at.index(chars.len() + 1), '\0');
            chars.into_iter().collect()
        }),
    ]
}

/// One field's value: a valid one, a hostile one, or none at all.
fn field_value(valid: Vec<String>) -> BoxedStrategy<Option<String>> {
    if valid.is_empty() {
        prop_oneof![3 => hostile_string().prop_map(Some), 1 => Just(None)].boxed()
    } else {
        prop_oneof![
            2 => proptest::sample::select(valid).prop_map(Some),
            2 => hostile_string().prop_map(Some),
            1 => Just(None),
        ]
        .boxed()
    }
}

/// Checks one answer: not a server failure; on refusal, the app's error (a validation error
/// names its fields) and nothing written.
fn judge(
    what: &str,
    status: u16,
    body: &str,
    before: &[String],
    after: &[String],
) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "{what}: a server failure {status}: {body}");
    if status < 400 {
        return Ok(());
    }
    let error: AppError = serde_json::from_str(body).map_err(|e| {
        TestCaseError::fail(format!(
            "{what}: {status}, not the app's error ({e}): {body}"
        ))
    })?;
    prop_assert_eq!(error.status().as_u16(), status, "{}: {}", what, body);
    if let AppError::Validation { fields } = &error {
        prop_assert!(
            !fields.is_empty(),
            "{what}: a validation error without fields"
        );
        for field in fields {
            prop_assert!(
                !field.field.is_empty() && !field.message.is_empty(),
                "{what}: {field:?}"
            );
        }
    }
    if before != after {
        let gone: Vec<&String> = before.iter().filter(|row| !after.contains(row)).collect();
        let new: Vec<&String> = after.iter().filter(|row| !before.contains(row)).collect();
        return Err(TestCaseError::fail(format!(
            "{what}: refused ({error:?}) yet something was written: gone {gone:?}, new {new:?}"
        )));
    }
    Ok(())
}

/// A value short enough for a failure message.
fn shorten(text: &str) -> String {
    if text.chars().count() > 200 {
        format!(
            "{}… ({} characters)",
            text.chars().take(200).collect::<String>(),
            text.chars().count()
        )
    } else {
        format!("{text:?}")
    }
}

/// Runs `property` against a portal on SQLite, then on PostgreSQL, on one runtime.
fn on_both_stores(property: fn(&tokio::runtime::Runtime, &Portal)) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let portal = runtime.block_on(Portal::start(None));
    property(&runtime, &portal);
    runtime.block_on(portal.stop());
    if let Some(url) = runtime.block_on(postgres_database("portal property tests")) {
        let portal = runtime.block_on(Portal::start(Some(url)));
        property(&runtime, &portal);
        runtime.block_on(portal.stop());
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
fn hostile_form_fields_get_a_clear_answer_and_refusals_write_nothing() {
    on_both_stores(|runtime, portal| {
        let functions = portal.functions();
        let cases = (0..functions.len()).prop_flat_map(|f| {
            let values: Vec<BoxedStrategy<Option<String>>> = functions[f]
                .1
                .iter()
                .map(|(_, valid)| field_value(valid.clone()))
                .collect();
            (Just(f), values)
        });
        runner()
            .run(&cases, |(f, values)| {
                let (function, fields) = &functions[f];
                let mut form = form_urlencoded::Serializer::new(String::new());
                for ((name, _), value) in fields.iter().zip(&values) {
                    if let Some(value) = value {
                        form.append_pair(name, value);
                    }
                }
                let body = form.finish();
                let what = format!("{function} with {}", shorten(&body));
                runtime.block_on(async {
                    let before = portal.settled().await;
                    let (status, answer) = portal
                        .post(
                            function,
                            "application/x-www-form-urlencoded",
                            body.into_bytes(),
                        )
                        .await;
                    let after = portal.stored().await;
                    judge(&what, status, &answer, &before, &after)
                })
            })
            .unwrap();
    });
}

#[test]
fn malformed_bodies_get_a_clear_answer_and_write_nothing() {
    on_both_stores(|runtime, portal| {
        let names: Vec<&'static str> = portal.functions().iter().map(|(n, _)| *n).collect();
        const CONTENT_TYPES: &[&str] = &[
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain",
            "multipart/form-data; boundary=x",
        ];
        let bodies = prop_oneof![
            // Broken percent-escapes, repeated and empty keys, brackets that do not close.
            Just(b"%ZZ&&==&=x&zone=%&id=%FF%FE".to_vec()),
            Just(b"form[nodepools][99999999999999999999][size]=1".to_vec()),
            Just(b"form[[[]]]=1&form]=2&query[q][q][q]=3".to_vec()),
            Just(b"zone=ch-gva-2&zone=de-fra-1&id=a&id=b".to_vec()),
            Just(b"{\"zone\":\"ch-gva-2\",\"id\":null}".to_vec()),
            prop::collection::vec(any::<u8>(), 0..128),
            hostile_string().prop_map(String::into_bytes),
        ];
        let cases = (
            proptest::sample::select(names),
            proptest::sample::select(CONTENT_TYPES),
            bodies,
        );
        runner()
            .run(&cases, |(function, content_type, body)| {
                let what = format!(
                    "{function} ({content_type}) with {}",
                    shorten(&String::from_utf8_lossy(&body))
                );
                runtime.block_on(async {
                    let before = portal.settled().await;
                    let (status, answer) = portal.post(function, content_type, body).await;
                    let after = portal.stored().await;
                    judge(&what, status, &answer, &before, &after)
                })
            })
            .unwrap();
    });
}

#[test]
fn nul_characters_and_non_utf8_bodies_are_validation_errors_naming_the_field() {
    // Both were server failures: a NUL in a filter was a 503 from the database (on SQLite as
    // on PostgreSQL), and a body that is not UTF-8 a 502 as if the answer were unreadable.
    on_both_stores(|runtime, portal| {
        runtime.block_on(async {
            let cluster = format!("zone=ch-gva-2&id={}", portal.cluster);
            let cases: [(&str, String, &str); 5] = [
                ("list_activity", "action=%00".into(), "action"),
                (
                    "sign_up",
                    "name=A%00B&email=nul%40example.com&password=a+long+enough+password&invitation="
                        .into(),
                    "name",
                ),
                (
                    "update_cluster",
                    format!("{cluster}&name=x%00&description=&labels="),
                    "name",
                ),
                ("set_theme", "theme=dark&%00=1".into(), "request"),
                ("list_catalog", "q=%FF".into(), "ok"),
            ];
            for (function, body, field) in cases {
                let before = portal.settled().await;
                let (status, answer) = portal
                    .post(
                        function,
                        "application/x-www-form-urlencoded",
                        body.into_bytes(),
                    )
                    .await;
                if field == "ok" {
                    // A percent-escape that is not UTF-8 decodes to U+FFFD, as browsers do.
                    assert_eq!(status, 200, "{function}: {answer}");
                    continue;
                }
                assert_eq!(status, 422, "{function}: {answer}");
                let error: AppError = serde_json::from_str(&answer).unwrap();
                assert_eq!(
                    error.field(field),
                    Some("must not contain NUL characters"),
                    "{function}: {answer}"
                );
                assert_eq!(portal.stored().await, before, "{function}: nothing stored");
            }
            let (status, answer) = portal
                .post("sign_up", "application/x-www-form-urlencoded", vec![0x80])
                .await;
            assert_eq!(status, 422, "{answer}");
            let error: AppError = serde_json::from_str(&answer).unwrap();
            assert_eq!(error.field("request"), Some("must be UTF-8 text"));
        });
    });
}

#[test]
fn the_wizard_refuses_a_nodepool_beyond_the_size_quota() {
    // The quota is the contract's (sks-api), so the portal says it before the API has to.
    on_both_stores(|runtime, portal| {
        runtime.block_on(async {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("form[name]", "big")
                .append_pair("form[zone]", ZONE.as_str())
                .append_pair("form[version]", &portal.version)
                .append_pair("form[level]", "pro")
                .append_pair("form[nodepools][0][name]", "w")
                .append_pair("form[nodepools][0][instance_type]", &portal.instance_type)
                .append_pair("form[nodepools][0][size]", "1001")
                .append_pair("form[nodepools][0][disk_size]", "50");
            let before = portal.settled().await;
            let (status, answer) = portal
                .post(
                    "create_cluster",
                    "application/x-www-form-urlencoded",
                    form.finish().into_bytes(),
                )
                .await;
            assert_eq!(status, 422, "{answer}");
            let error: AppError = serde_json::from_str(&answer).unwrap();
            assert_eq!(
                error.field("nodepools[0].size"),
                Some("must be at most 1000 (the nodepool size quota), not 1001"),
                "{answer}"
            );
            assert_eq!(portal.stored().await, before);
        });
    });
}
