//! Accounts and tenancy on both engines: users, memberships and the last owner, sessions
//! (fresh tokens, expiry, sign out everywhere), invitations (single use, expiry), credentials
//! sealed at rest, the append-only audit log, and sign-in throttling.

use crate::support::{now_ms, on_both};
use portal::accounts::secrets::Sealer;
use portal::accounts::throttle::{self, Subject};
use portal::accounts::{
    AccountError, Accounts, AuditEntry, AuditFilter, SessionPolicy, StoredCredentials, token_hash,
};
use portal::store::{Backend, Store};
use portal_types::roles::Role;

const HOUR: i64 = 3_600_000;
const POLICY: SessionPolicy = SessionPolicy {
    idle_ms: 12 * HOUR,
    absolute_ms: 7 * 24 * HOUR,
};

async fn accounts(url: &str) -> (Store, Accounts) {
    let store = Store::connect(url, 2).await.expect("connect");
    (store.clone(), Accounts::new(store))
}

#[tokio::test]
async fn emails_are_unique_whatever_their_case() {
    on_both(|url, _| async move {
        let (store, accounts) = accounts(&url).await;
        let alice = accounts
            .create_user("Alice@Example.com ", "Alice", "hash", now_ms())
            .await
            .unwrap();
        assert_eq!(alice.email, "alice@example.com");
        let again = accounts
            .create_user("alice@example.COM", "Other", "hash", now_ms())
            .await;
        assert!(matches!(again, Err(AccountError::EmailTaken)), "{again:?}");
        let found = accounts.user_by_email("ALICE@example.com").await.unwrap();
        assert_eq!(found.map(|u| u.id), Some(alice.id));
        assert_eq!(accounts.count_users().await.unwrap(), 1);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_organization_never_loses_its_last_owner() {
    on_both(|url, _| async move {
        let (store, accounts) = accounts(&url).await;
        let now = now_ms();
        let org = accounts.create_org("acme", now).await.unwrap();
        let a = accounts.create_user("a@x.io", "A", "h", now).await.unwrap();
        let b = accounts.create_user("b@x.io", "B", "h", now).await.unwrap();
        accounts
            .add_member(&org, &a.id, Role::Owner, now)
            .await
            .unwrap();
        accounts
            .add_member(&org, &b.id, Role::Viewer, now)
            .await
            .unwrap();

        assert!(matches!(
            accounts.set_role(&org, &a.id, Role::Admin).await,
            Err(AccountError::LastOwner)
        ));
        assert!(matches!(
            accounts.remove_member(&org, &a.id).await,
            Err(AccountError::LastOwner)
        ));
        accounts.set_role(&org, &b.id, Role::Owner).await.unwrap();
        accounts
            .set_role(&org, &a.id, Role::Operator)
            .await
            .unwrap();
        assert_eq!(
            accounts.role(&org, &a.id).await.unwrap(),
            Some(Role::Operator)
        );
        assert!(matches!(
            accounts.remove_member(&org, &b.id).await,
            Err(AccountError::LastOwner)
        ));
        accounts.remove_member(&org, &a.id).await.unwrap();
        assert_eq!(accounts.role(&org, &a.id).await.unwrap(), None);
        assert!(matches!(
            accounts.remove_member(&org, &a.id).await,
            Err(AccountError::NotFound)
        ));
        let members = accounts.members(&org).await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].role, Role::Owner);
        assert!(matches!(
            accounts.create_org("acme", now).await,
            Err(AccountError::OrganizationTaken)
        ));
        store.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_owners_stepping_down_at_once_leave_one_owner() {
    on_both(|url, _| async move {
        let (store, accounts) = accounts(&url).await;
        let now = now_ms();
        for round in 0..10 {
            let org = accounts
                .create_org(&format!("race-{round}"), now)
                .await
                .unwrap();
            let mut owners = Vec::new();
            for n in 0..2 {
                let user = accounts
                    .create_user(&format!("o{n}-{round}@x.io"), "O", "h", now)
                    .await
                    .unwrap();
                accounts
                    .add_member(&org, &user.id, Role::Owner, now)
                    .await
                    .unwrap();
                owners.push(user.id);
            }
            let (a, b) = (accounts.clone(), accounts.clone());
            let (org_a, org_b) = (org.clone(), org.clone());
            let (first, second) = (owners[0].clone(), owners[1].clone());
            let (x, y) = tokio::join!(
                tokio::spawn(async move { a.set_role(&org_a, &first, Role::Admin).await }),
                tokio::spawn(async move { b.set_role(&org_b, &second, Role::Admin).await }),
            );
            let outcomes = [x.unwrap(), y.unwrap()];
            assert!(
                outcomes.iter().any(Result::is_err),
                "round {round}: both stepped down"
            );
            let left = accounts
                .members(&org)
                .await
                .unwrap()
                .iter()
                .filter(|m| m.role == Role::Owner)
                .count();
            assert_eq!(left, 1, "round {round}: {outcomes:?}");
        }
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn sessions_get_fresh_tokens_expire_and_end_everywhere() {
    on_both(|url, _| async move {
        let (store, accounts) = accounts(&url).await;
        let now = now_ms();
        let user = accounts.create_user("s@x.io", "S", "h", now).await.unwrap();
        let first = accounts
            .create_session(&user.id, None, Some("192.0.2.1"), now)
            .await
            .unwrap();
        let second = accounts
            .create_session(&user.id, None, None, now)
            .await
            .unwrap();
        assert_ne!(first, second, "every sign-in gets a new token");

        // Only the hash is stored.
        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert!(stored.contains(&token_hash(&first)));
        assert!(!stored.contains(&first));

        let session = accounts
            .session(&first, POLICY, now + HOUR)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.user_id, user.id);
        // Used an hour ago: still alive 12 h after that, not 12 h + 1 ms.
        assert!(
            accounts
                .session(&first, POLICY, now + 13 * HOUR)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            accounts
                .session(&first, POLICY, now + 25 * HOUR + 1)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            accounts
                .session(&first, POLICY, now + 13 * HOUR)
                .await
                .unwrap()
                .is_none(),
            "an expired session is ended, not revived"
        );

        // Kept busy, a session still ends a week after sign-in.
        let busy = accounts
            .create_session(&user.id, None, None, now)
            .await
            .unwrap();
        let mut at = now + 10 * HOUR;
        while at < now + 7 * 24 * HOUR {
            assert!(
                accounts.session(&busy, POLICY, at).await.unwrap().is_some(),
                "at {at}"
            );
            at += 10 * HOUR;
        }
        assert!(
            accounts
                .session(&busy, POLICY, now + 7 * 24 * HOUR + 1)
                .await
                .unwrap()
                .is_none()
        );

        // Sign out everywhere.
        let a = accounts
            .create_session(&user.id, None, None, now)
            .await
            .unwrap();
        let b = accounts
            .create_session(&user.id, None, None, now)
            .await
            .unwrap();
        assert!(accounts.end_sessions_of(&user.id).await.unwrap() >= 2);
        for token in [a, b, second] {
            assert!(
                accounts
                    .session(&token, POLICY, now)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn invitations_are_single_use_and_expire() {
    on_both(|url, _| async move {
        let (store, accounts) = accounts(&url).await;
        let now = now_ms();
        let org = accounts.create_org("team", now).await.unwrap();
        let owner = accounts.create_user("o@x.io", "O", "h", now).await.unwrap();
        let guest = accounts.create_user("g@x.io", "G", "h", now).await.unwrap();
        let late = accounts.create_user("l@x.io", "L", "h", now).await.unwrap();
        accounts
            .add_member(&org, &owner.id, Role::Owner, now)
            .await
            .unwrap();

        let token = accounts
            .invite(&org, Role::Operator, &owner.id, now, HOUR)
            .await
            .unwrap();
        let (joined, role) = accounts
            .accept_invitation(&token, &guest.id, now + 1)
            .await
            .unwrap();
        assert_eq!((joined.as_str(), role), (org.as_str(), Role::Operator));
        assert_eq!(
            accounts.role(&org, &guest.id).await.unwrap(),
            Some(Role::Operator)
        );
        assert!(matches!(
            accounts.accept_invitation(&token, &late.id, now + 2).await,
            Err(AccountError::InvitationInvalid)
        ));

        let expiring = accounts
            .invite(&org, Role::Viewer, &owner.id, now, HOUR)
            .await
            .unwrap();
        assert!(matches!(
            accounts
                .accept_invitation(&expiring, &late.id, now + HOUR)
                .await,
            Err(AccountError::InvitationInvalid)
        ));
        assert!(matches!(
            accounts.accept_invitation("made-up", &late.id, now).await,
            Err(AccountError::InvitationInvalid)
        ));
        assert_eq!(accounts.role(&org, &late.id).await.unwrap(), None);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn credentials_are_sealed_at_rest() {
    on_both(|url, backend| async move {
        let (store, accounts) = accounts(&url).await;
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::load_or_create(dir.path(), None).unwrap();
        let org = accounts.create_org("sealed", now_ms()).await.unwrap();
        let secret = "EXO-very-secret-Zq8vL2";
        accounts
            .set_credentials(
                &org,
                &StoredCredentials {
                    kind: "exoscale".into(),
                    api_key: "EXOkey123".into(),
                    secret_sealed: sealer.seal(&org, secret),
                    zones: vec!["ch-gva-2".into(), "de-fra-1".into()],
                    updated_at: now_ms(),
                },
            )
            .await
            .unwrap();
        let stored = accounts.credentials(&org).await.unwrap().unwrap();
        assert_eq!(stored.zones, ["ch-gva-2", "de-fra-1"]);
        assert_eq!(sealer.open(&org, &stored.secret_sealed).unwrap(), secret);
        assert!(!stored.secret_sealed.contains(secret));

        if backend == Backend::Sqlite {
            // Nothing on disk (database or write-ahead log) holds the raw secret.
            sqlx::query("PRAGMA wal_checkpoint(FULL)")
                .execute(store.pool())
                .await
                .unwrap();
            let path = url.strip_prefix("sqlite://").unwrap();
            for file in [path.to_owned(), format!("{path}-wal")] {
                if let Ok(bytes) = std::fs::read(&file) {
                    let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
                    assert!(!found, "the raw secret is in {file}");
                }
            }
        }
        store.close().await;
    })
    .await;
}

fn entry(org: &str, email: &str, action: &str, target: &str, at: i64) -> AuditEntry {
    AuditEntry {
        at,
        org_id: Some(org.to_owned()),
        user_email: Some(email.to_owned()),
        action: action.to_owned(),
        target: Some(target.to_owned()),
        outcome: "success".into(),
        ..AuditEntry::default()
    }
}

#[tokio::test]
async fn the_audit_log_filters_pages_and_cannot_be_changed() {
    on_both(|url, _| async move {
        let (store, accounts) = accounts(&url).await;
        let now = now_ms();
        let entries = [
            entry("o1", "a@x.io", "sign-in", "a@x.io", now),
            entry("o1", "a@x.io", "cluster.create", "cluster/c1", now + 1),
            entry(
                "o1",
                "b@x.io",
                "nodepool.scale",
                "cluster/c1/nodepool/n1",
                now + 2,
            ),
            entry("o1", "b@x.io", "cluster.create", "cluster/c2", now + 3),
            entry("o2", "c@x.io", "cluster.create", "cluster/c9", now + 4),
        ];
        for e in &entries {
            accounts.record(e).await.unwrap();
        }
        let all = accounts
            .audit("o1", &AuditFilter::default(), 10)
            .await
            .unwrap();
        assert_eq!(all.len(), 4, "only the organization's entries");
        assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");

        let by = |filter: AuditFilter| {
            let accounts = accounts.clone();
            async move { accounts.audit("o1", &filter, 10).await.unwrap() }
        };
        assert_eq!(
            by(AuditFilter {
                user_email: Some("B@x.io".into()),
                ..Default::default()
            })
            .await
            .len(),
            2
        );
        assert_eq!(
            by(AuditFilter {
                action: Some("cluster.create".into()),
                ..Default::default()
            })
            .await
            .len(),
            2
        );
        assert_eq!(
            by(AuditFilter {
                target: Some("cluster/c1".into()),
                ..Default::default()
            })
            .await
            .len(),
            2
        );
        assert_eq!(
            by(AuditFilter {
                from_ms: Some(now + 1),
                to_ms: Some(now + 2),
                ..Default::default()
            })
            .await
            .len(),
            2
        );
        // Paging: two at a time, backwards from the newest.
        let first_page = accounts
            .audit("o1", &AuditFilter::default(), 2)
            .await
            .unwrap();
        let next = AuditFilter {
            before_id: Some(first_page[1].id),
            ..Default::default()
        };
        let second_page = accounts.audit("o1", &next, 2).await.unwrap();
        assert_eq!(second_page.len(), 2);
        assert_eq!(second_page[1].action, "sign-in");

        // Append-only.
        assert!(
            sqlx::query("UPDATE audit SET outcome = 'denied'")
                .execute(store.pool())
                .await
                .is_err()
        );
        assert!(
            sqlx::query("DELETE FROM audit")
                .execute(store.pool())
                .await
                .is_err()
        );
        assert_eq!(
            accounts
                .audit("o1", &AuditFilter::default(), 10)
                .await
                .unwrap()
                .len(),
            4
        );
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn attempts_are_counted_before_they_are_made_and_wait_longer_and_longer() {
    on_both(|url, _| async move {
        let (store, accounts) = accounts(&url).await;
        let subject = Subject::Account("t@x.io".into());
        let now = now_ms();
        for n in 1..=3 {
            assert_eq!(
                accounts.reserve_attempt(&subject, now).await.unwrap(),
                None,
                "free attempt {n}"
            );
        }
        // The fourth must wait a second from the third.
        assert_eq!(
            accounts.reserve_attempt(&subject, now).await.unwrap(),
            Some(now + 1000)
        );
        assert_eq!(
            accounts
                .reserve_attempt(&subject, now + 1000)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            accounts
                .reserve_attempt(&subject, now + 1500)
                .await
                .unwrap(),
            Some(now + 3000),
            "then two"
        );
        // Long waits are capped, however many attempts there were.
        let mut at = now + 3000;
        for _ in 0..20 {
            at = accounts
                .reserve_attempt(&subject, at)
                .await
                .unwrap()
                .unwrap_or(at);
        }
        // Whether the attempt at `at` went ahead or not, the next one then must wait.
        let _ = accounts.reserve_attempt(&subject, at).await.unwrap();
        let until = accounts.reserve_attempt(&subject, at).await.unwrap();
        assert!(
            until.is_some_and(|u| u - at <= throttle::MAX_WAIT.as_millis() as i64),
            "{until:?}"
        );
        // A quiet day forgets; a success forgets at once.
        let tomorrow = at + 2 * throttle::FORGET_AFTER.as_millis() as i64;
        assert_eq!(
            accounts.reserve_attempt(&subject, tomorrow).await.unwrap(),
            None
        );
        accounts.reserve_attempt(&subject, tomorrow).await.unwrap();
        accounts.reserve_attempt(&subject, tomorrow).await.unwrap();
        assert!(
            accounts
                .reserve_attempt(&subject, tomorrow)
                .await
                .unwrap()
                .is_some()
        );
        accounts.forget_attempts(&subject).await.unwrap();
        assert_eq!(
            accounts.reserve_attempt(&subject, tomorrow).await.unwrap(),
            None
        );

        // Parallel attempts are counted one after the other: only the free ones go through.
        let racer = Subject::Account("race@x.io".into());
        let attempts = (0..30).map(|_| accounts.reserve_attempt(&racer, now));
        let answers = futures::future::join_all(attempts).await;
        let through = answers
            .into_iter()
            .filter(|a| matches!(a, Ok(None)))
            .count();
        assert_eq!(through, 3);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_wait_computed_in_sql_is_the_wait_of_the_rule() {
    on_both(|url, _| async move {
        let (store, _) = accounts(&url).await;
        let pool = store.pool();
        for subject in [
            Subject::Account("a@x.io".into()),
            Subject::address("192.0.2.1"),
            Subject::sign_up("192.0.2.1"),
        ] {
            for attempts in 0..40i64 {
                let sql = format!("SELECT {}", subject.wait_ms_sql("$1"));
                let wait: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(attempts)
                    .fetch_one(pool)
                    .await
                    .unwrap();
                assert_eq!(
                    wait,
                    subject.wait_after(attempts).as_millis() as i64,
                    "{subject:?} after {attempts}"
                );
            }
        }
        store.close().await;
    })
    .await;
}
