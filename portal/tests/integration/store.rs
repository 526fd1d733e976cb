//! The portal store on both engines: every scenario runs on SQLite, then on PostgreSQL
//! (see `support`).

use std::time::Duration;

use crate::support::{now_ms, on_both};
use portal::store::{Backend, Store, StoreError};

#[tokio::test]
async fn a_fresh_database_is_created_and_migrated() {
    on_both(|url, backend| async move {
        let before = now_ms();
        let store = Store::connect(&url, 4).await.expect("connect");
        assert_eq!(store.backend(), backend);
        let installation = store.installation().await.expect("installation");
        assert_eq!(installation.backend, backend);
        assert!(installation.schema_version >= 1, "{installation:?}");
        assert!(
            installation.installed_at_ms >= before && installation.installed_at_ms <= now_ms(),
            "{installation:?}"
        );
        store.ping(Duration::from_secs(2)).await.expect("ping");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn restarting_keeps_the_data_and_reapplies_nothing() {
    on_both(|url, _| async move {
        let first = Store::connect(&url, 2).await.expect("first start");
        let installed = first.installation().await.unwrap();
        first.close().await;

        let second = Store::connect(&url, 2).await.expect("second start");
        let again = second.installation().await.unwrap();
        assert_eq!(again, installed, "a restart must not reinstall");
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(second.pool())
            .await
            .unwrap();
        let files = std::fs::read_dir(format!(
            "{}/migrations/{}",
            env!("CARGO_MANIFEST_DIR"),
            match again.backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            }
        ))
        .unwrap()
        .count() as i64;
        assert_eq!(applied, files, "each migration applied exactly once");
        second.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_closed_store_is_not_ready() {
    on_both(|url, _| async move {
        let store = Store::connect(&url, 1).await.expect("connect");
        store.close().await;
        assert!(store.ping(Duration::from_secs(1)).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn both_engines_use_the_same_migration_set() {
    let names = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!(
            "{}/migrations/{backend}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        names.sort();
        names
    };
    assert_eq!(
        names("sqlite"),
        names("postgres"),
        "every migration needs a SQLite and a PostgreSQL version with the same name"
    );
}

#[tokio::test]
async fn an_unsupported_database_is_refused_before_connecting() {
    let error = Store::connect("mysql://root:pw@127.0.0.1/capstan", 1)
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::UnsupportedUrl { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn an_unreachable_database_fails_fast_with_a_clear_error() {
    // Port 1 on loopback is closed on any sane machine: the connection is refused at once.
    let error = Store::connect("postgres://capstan@127.0.0.1:1/capstan", 1)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Connect(_)), "{error}");
    assert!(
        error.to_string().starts_with("cannot open the database"),
        "{error}"
    );
}
