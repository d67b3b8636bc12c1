//! Properties of the in-memory store that the contract suite (tests/tests/contract) cannot
//! reach: a poisoned lock, and the one-critical-section cascades.

use std::sync::Arc;

use tessera_domain::{RefreshToken, ScopeSet, TokenDigest, UnixTime, UserId};

use super::InMemoryStore;
use crate::ports::{ClientRepository, RefreshTokenRepository, SessionRepository, UserRepository};
use crate::services::test_support::{client, session, user};
use crate::RepositoryError;

fn token(secret: &str) -> RefreshToken {
    RefreshToken {
        dpop_jkt: None,
        resources: Vec::new(),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(secret),
        grant_id: "family".into(),
        client_id: client(true).id,
        user_id: user().id,
        scope: ScopeSet::parse("openid").unwrap(),
        expires_at: UnixTime::from_secs(1_000),
        family_expires_at: UnixTime::from_secs(2_000),
        auth_time: UnixTime::from_secs(0),
    }
}

#[tokio::test]
async fn a_poisoned_store_reports_other_instead_of_panicking() {
    let store = Arc::new(InMemoryStore::new());
    let poisoner = store.clone();
    let _ = std::thread::spawn(move || {
        let _held = poisoner.tables.lock();
        panic!("poison the lock");
    })
    .join();
    assert!(matches!(
        UserRepository::find(store.as_ref(), &user().id).await,
        Err(RepositoryError::Other(_))
    ));
}

#[tokio::test]
async fn deleting_a_user_takes_their_rows_along() {
    let store = InMemoryStore::new();
    UserRepository::insert(&store, &user()).await.unwrap();
    ClientRepository::insert(&store, &client(true))
        .await
        .unwrap();
    SessionRepository::insert(&store, &session(0))
        .await
        .unwrap();
    RefreshTokenRepository::insert(&store, &token("a"))
        .await
        .unwrap();
    assert!(UserRepository::delete(&store, &user().id).await.unwrap());
    let now = UnixTime::from_secs(1);
    assert!(
        SessionRepository::find(&store, &TokenDigest::of("cookie"), now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(RefreshTokenRepository::find(&store, &TokenDigest::of("a"))
        .await
        .unwrap()
        .is_none());
    let other = UserId::parse("00000000-0000-4000-8000-000000000009").unwrap();
    assert!(!UserRepository::delete(&store, &other).await.unwrap());
}

#[tokio::test]
async fn a_rotation_onto_a_taken_digest_changes_nothing() {
    let store = InMemoryStore::new();
    UserRepository::insert(&store, &user()).await.unwrap();
    ClientRepository::insert(&store, &client(true))
        .await
        .unwrap();
    RefreshTokenRepository::insert(&store, &token("a"))
        .await
        .unwrap();
    RefreshTokenRepository::insert(&store, &token("b"))
        .await
        .unwrap();
    let now = UnixTime::from_secs(10);
    assert!(matches!(
        store
            .rotate(&TokenDigest::of("a"), now, &token("b"), None)
            .await,
        Err(RepositoryError::Conflict)
    ));
    let old = RefreshTokenRepository::find(&store, &TokenDigest::of("a"))
        .await
        .unwrap()
        .unwrap();
    assert!(!old.used, "the mark is undone with the failed insert");
}
