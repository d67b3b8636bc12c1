//! The repository contract of upstream identity providers and the links of accounts to
//! people there, on the in-memory store, SQLite and PostgreSQL.

use tessera_application::RepositoryError;
use tessera_domain::{
    ClaimMapping, Email, LoginAttempts, ScopeSet, UnixTime, Upstream, UpstreamId, UpstreamIdentity,
    UpstreamIssuer, UpstreamKind, UpstreamSubject, User, UserId,
};
use tessera_tests::{all_backends, TestBackend};

fn upstream(n: u8, created_at: i64) -> Upstream {
    Upstream {
        id: UpstreamId::from_random([n; 16]),
        name: format!("Corp ☃ \"{n}\""),
        kind: if n & 1 == 0 {
            UpstreamKind::Github
        } else {
            UpstreamKind::Oidc
        },
        issuer: UpstreamIssuer::parse(&format!("https://idp{n}.example.com/realms/x")).unwrap(),
        api_base: (n & 1 == 0).then(|| UpstreamIssuer::parse("http://127.0.0.1:9/api").unwrap()),
        client_id: format!("tessera-{n}"),
        sealed_secret: vec![1, 0, 255, n],
        scope: ScopeSet::parse("openid email read:user").unwrap(),
        claims: ClaimMapping::new("mail", "preferred_username").unwrap(),
        created_at: UnixTime::from_secs(created_at),
    }
}

fn user(n: u8) -> User {
    User {
        id: UserId::from_random([n; 16]),
        email: Email::parse(&format!("person.{n}@example.com")).unwrap(),
        email_verified: true,
        name: None,
        password_hash: String::new(),
        created_at: UnixTime::from_secs(1_000),
        disabled: false,
        login_attempts: LoginAttempts::default(),
    }
}

fn link(up: &Upstream, sub: &str, user: &User, at: i64) -> UpstreamIdentity {
    UpstreamIdentity {
        upstream: up.id.clone(),
        subject: UpstreamSubject::parse(sub).unwrap(),
        user: user.id.clone(),
        email: Some("x@corp.example".into()),
        created_at: UnixTime::from_secs(at),
    }
}

async fn upstreams_round_trip_in_order(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.upstreams();
    assert!(repo.list().await.unwrap().is_empty());
    let (a, b, c) = (upstream(1, 300), upstream(2, 100), upstream(3, 300));
    for u in [&a, &b, &c] {
        repo.insert(u).await.unwrap();
    }
    assert!(matches!(
        repo.insert(&a).await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(repo.find(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(repo.find(&b.id).await.unwrap(), Some(b.clone()));
    let mut same_time = vec![a.clone(), c.clone()];
    same_time.sort_by(|x, y| x.id.cmp(&y.id));
    let mut expected = vec![b.clone()];
    expected.extend(same_time);
    assert_eq!(repo.list().await.unwrap(), expected);
    assert!(repo.delete(&b.id).await.unwrap());
    assert!(!repo.delete(&b.id).await.unwrap());
    assert_eq!(repo.find(&b.id).await.unwrap(), None);
}
all_backends!(upstreams_round_trip, upstreams_round_trip_in_order);

async fn links_are_unique_per_subject_and_per_account(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let (ups, links, users) = (db.upstreams(), db.upstream_identities(), db.users());
    let (a, b) = (upstream(1, 1), upstream(3, 2));
    ups.insert(&a).await.unwrap();
    ups.insert(&b).await.unwrap();
    let (alice, bob) = (user(10), user(11));
    users.insert(&alice).await.unwrap();
    users.insert(&bob).await.unwrap();

    let first = link(&a, "sub-1", &alice, 5);
    links.link(&first).await.unwrap();
    // The same person at the same upstream cannot be linked to a second account...
    assert!(matches!(
        links.link(&link(&a, "sub-1", &bob, 6)).await,
        Err(RepositoryError::Conflict)
    ));
    // ...nor one account twice to the same upstream.
    assert!(matches!(
        links.link(&link(&a, "sub-2", &alice, 6)).await,
        Err(RepositoryError::Conflict)
    ));
    // The same sub at another upstream is another person.
    let other = link(&b, "sub-1", &alice, 7);
    links.link(&other).await.unwrap();
    let sub = UpstreamSubject::parse("sub-1").unwrap();
    assert_eq!(links.find(&a.id, &sub).await.unwrap(), Some(first.clone()));
    assert_eq!(
        links
            .find(&a.id, &UpstreamSubject::parse("SUB-1").unwrap())
            .await
            .unwrap(),
        None,
        "subjects compare exactly"
    );
    assert_eq!(
        links.list_for_user(&alice.id).await.unwrap(),
        vec![first.clone(), other.clone()]
    );
    assert!(links.list_for_user(&bob.id).await.unwrap().is_empty());
    assert!(links.unlink(&alice.id, &b.id).await.unwrap());
    assert!(!links.unlink(&alice.id, &b.id).await.unwrap());
    // Deleting the upstream takes its links with it.
    assert!(ups.delete(&a.id).await.unwrap());
    assert!(links.list_for_user(&alice.id).await.unwrap().is_empty());
}
all_backends!(
    link_uniqueness,
    links_are_unique_per_subject_and_per_account
);

async fn a_just_in_time_account_is_all_or_nothing(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let (ups, links, users) = (db.upstreams(), db.upstream_identities(), db.users());
    let a = upstream(1, 1);
    ups.insert(&a).await.unwrap();
    let alice = user(20);
    let l = link(&a, "jit", &alice, 5);
    links.create_linked_user(&alice, &l).await.unwrap();
    assert_eq!(users.find(&alice.id).await.unwrap(), Some(alice.clone()));
    assert_eq!(
        links.find(&a.id, &l.subject).await.unwrap().map(|x| x.user),
        Some(alice.id.clone())
    );
    // A second account for the same (upstream, sub) is refused, and not created.
    let again = user(21);
    assert!(matches!(
        links
            .create_linked_user(&again, &link(&a, "jit", &again, 6))
            .await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(users.find(&again.id).await.unwrap(), None);
    // An email that is taken is refused, and no link is left behind.
    let clash = User {
        id: UserId::from_random([22; 16]),
        ..alice.clone()
    };
    assert!(matches!(
        links
            .create_linked_user(&clash, &link(&a, "other", &clash, 7))
            .await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(
        links
            .find(&a.id, &UpstreamSubject::parse("other").unwrap())
            .await
            .unwrap(),
        None
    );
    // Deleting the account takes its links with it.
    assert!(users.delete(&alice.id).await.unwrap());
    assert_eq!(links.find(&a.id, &l.subject).await.unwrap(), None);
}
all_backends!(jit_account, a_just_in_time_account_is_all_or_nothing);
