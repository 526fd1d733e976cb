//! The create wizard's idempotency claims on both engines: one winner per token, even when
//! the claims race; the cluster found by a repeat; another organization's token refused; a
//! released or abandoned claim taken again.

use crate::support::{now_ms, on_both};
use portal::accounts::Accounts;
use portal::create_requests::{ABANDONED_AFTER_MS, Claim, claim, complete, release};
use portal::store::Store;

#[tokio::test]
async fn one_submit_wins_a_token_and_the_others_find_its_cluster() {
    on_both(|url, _| async move {
        let store = Store::connect(&url, 4).await.expect("connect");
        let accounts = Accounts::new(store.clone());
        let org = accounts.create_org("acme", now_ms()).await.unwrap();
        let other = accounts.create_org("other", now_ms()).await.unwrap();
        let now = now_ms();

        // Eight submits of one form at once: exactly one may create.
        let mut racing = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (store, org) = (store.clone(), org.clone());
            racing.spawn(async move { claim(&store, "tok-1", &org, "ch-gva-2", now).await });
        }
        let mut outcomes = Vec::new();
        while let Some(joined) = racing.join_next().await {
            outcomes.push(joined.unwrap().unwrap());
        }
        assert_eq!(outcomes.iter().filter(|c| **c == Claim::Won).count(), 1);
        assert!(
            outcomes
                .iter()
                .all(|c| matches!(c, Claim::Won | Claim::InProgress))
        );

        complete(&store, "tok-1", "cluster-a").await.unwrap();
        assert_eq!(
            claim(&store, "tok-1", &org, "ch-gva-2", now).await.unwrap(),
            Claim::Created {
                zone: "ch-gva-2".into(),
                cluster_id: "cluster-a".into()
            }
        );
        assert_eq!(
            claim(&store, "tok-1", &other, "ch-gva-2", now)
                .await
                .unwrap(),
            Claim::Foreign
        );
        // A completed claim is never released.
        release(&store, "tok-1").await.unwrap();
        assert!(matches!(
            claim(&store, "tok-1", &org, "ch-gva-2", now).await.unwrap(),
            Claim::Created { .. }
        ));

        // A create that failed gives its token back.
        assert_eq!(
            claim(&store, "tok-2", &org, "ch-gva-2", now).await.unwrap(),
            Claim::Won
        );
        release(&store, "tok-2").await.unwrap();
        assert_eq!(
            claim(&store, "tok-2", &org, "ch-gva-2", now).await.unwrap(),
            Claim::Won
        );
        // One left midway is taken over once it is old enough, by one submit only.
        let later = now + ABANDONED_AFTER_MS + 1;
        assert_eq!(
            claim(&store, "tok-2", &org, "ch-gva-2", now + 10)
                .await
                .unwrap(),
            Claim::InProgress
        );
        assert_eq!(
            claim(&store, "tok-2", &org, "ch-gva-2", later)
                .await
                .unwrap(),
            Claim::Won
        );
        assert_eq!(
            claim(&store, "tok-2", &org, "ch-gva-2", later)
                .await
                .unwrap(),
            Claim::InProgress
        );
        store.close().await;
    })
    .await;
}
