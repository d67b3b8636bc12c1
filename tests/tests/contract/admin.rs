//! The repository contract the admin API adds (user listing and disabling, client updates
//! and secret rotation, consent listing and withdrawal with the client's refresh tokens), on
//! SQLite and on PostgreSQL.

use tessera_domain::{
    Client, ClientId, Consent, Email, GrantType, RedirectUri, RefreshToken, ScopeSet, TokenDigest,
    TokenEndpointAuthMethod, UnixTime, User, UserId,
};
use tessera_tests::{all_backends, OpenRepositories, Repositories, TestBackend};

fn user(n: u8, email: &str) -> User {
    User {
        id: UserId::from_random([n; 16]),
        email: Email::parse(email).unwrap(),
        email_verified: true,
        name: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        created_at: UnixTime::from_secs(1_000),
        disabled: false,
        login_attempts: Default::default(),
    }
}

fn client(id: &str, public: bool) -> Client {
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        require_mfa: false,
        id: ClientId::parse(id).unwrap(),
        name: format!("Client {id}"),
        secret_digest: (!public).then(|| TokenDigest::of("s3cret")),
        auth_method: if public {
            TokenEndpointAuthMethod::None
        } else {
            TokenEndpointAuthMethod::ClientSecretBasic
        },
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        redirect_uris: vec![RedirectUri::parse("https://app.example.com/cb").unwrap()],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("openid offline_access").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(1),
    }
}

fn refresh(secret: &str, family: &str, user: &User, client: &Client) -> RefreshToken {
    RefreshToken {
        dpop_jkt: None,
        resources: Vec::new(),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(secret),
        grant_id: family.into(),
        client_id: client.id.clone(),
        user_id: user.id.clone(),
        scope: ScopeSet::parse("openid offline_access").unwrap(),
        expires_at: UnixTime::from_secs(5_000),
        family_expires_at: UnixTime::from_secs(9_000),
        auth_time: UnixTime::from_secs(900),
    }
}

async fn with_users(tdb: &impl OpenRepositories) -> (Repositories, Vec<User>) {
    let db = tdb.repositories().await;
    let people = vec![
        user(1, "carol@example.com"),
        user(2, "Alice@Example.org"),
        user(3, "bob_smith@example.com"),
        user(4, "bob%x@example.net"),
        user(5, "dave@EXAMPLE.com"),
    ];
    for u in &people {
        db.users().insert(u).await.unwrap();
    }
    (db, people)
}

fn emails(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.email.as_str()).collect()
}

async fn users_are_listed_by_email_in_keyset_pages(tdb: TestBackend) {
    let (db, _) = with_users(&tdb).await;
    let repo = db.users();
    // Ordered by the database's collation (not necessarily byte order), the same one the
    // `after` comparison uses, so pages follow each other exactly.
    let all = repo.list(None, None, 100).await.unwrap();
    assert_eq!(all.len(), 5);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = repo.list(after.clone(), None, 2).await.unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(last.email.as_str().to_owned());
        paged.extend(page);
    }
    assert_eq!(
        emails(&paged),
        emails(&all),
        "pages cover everything once, in order"
    );
    let first = repo.list(None, None, 2).await.unwrap();
    assert_eq!(emails(&first), emails(&all[..2]));
}
all_backends!(user_list_pages, users_are_listed_by_email_in_keyset_pages);

async fn email_search_ignores_case_and_takes_wildcards_literally(tdb: TestBackend) {
    let (db, _) = with_users(&tdb).await;
    let repo = db.users();
    let found = repo.list(None, Some("ALICE".into()), 10).await.unwrap();
    assert_eq!(
        emails(&found),
        vec!["alice@example.org"],
        "stored canonical (lower case)"
    );
    let found = repo
        .list(None, Some("example.COM".into()), 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 3);
    // `_` and `%` are not wildcards.
    let found = repo.list(None, Some("b_s".into()), 10).await.unwrap();
    assert_eq!(emails(&found), vec!["bob_smith@example.com"]);
    let found = repo.list(None, Some("%".into()), 10).await.unwrap();
    assert_eq!(emails(&found), vec!["bob%x@example.net"]);
    assert!(repo
        .list(None, Some("nobody".into()), 10)
        .await
        .unwrap()
        .is_empty());
}
all_backends!(
    user_search,
    email_search_ignores_case_and_takes_wildcards_literally
);

async fn users_are_disabled_and_enabled(tdb: TestBackend) {
    let (db, people) = with_users(&tdb).await;
    let repo = db.users();
    assert!(repo.set_disabled(&people[0].id, true).await.unwrap());
    assert!(repo.find(&people[0].id).await.unwrap().unwrap().disabled);
    assert!(!repo.find(&people[1].id).await.unwrap().unwrap().disabled);
    assert!(repo.set_disabled(&people[0].id, false).await.unwrap());
    assert!(!repo.find(&people[0].id).await.unwrap().unwrap().disabled);
    let ghost = UserId::from_random([99; 16]);
    assert!(!repo.set_disabled(&ghost, true).await.unwrap());
}
all_backends!(user_disable, users_are_disabled_and_enabled);

async fn clients_are_updated_and_secrets_replaced(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let repo = db.clients();
    let conf = client("conf", false);
    let public = client("spa", true);
    repo.insert(&conf).await.unwrap();
    repo.insert(&public).await.unwrap();

    let mut changed = conf.clone();
    changed.name = "Renamed".into();
    changed.redirect_uris = vec![
        RedirectUri::parse("https://a.example.com/cb").unwrap(),
        RedirectUri::parse("https://b.example.com/cb").unwrap(),
    ];
    changed.post_logout_redirect_uris =
        vec![RedirectUri::parse("https://a.example.com/bye").unwrap()];
    changed.grant_types = vec![GrantType::ClientCredentials];
    changed.scope = ScopeSet::parse("read").unwrap();
    changed.skip_consent = true;
    // What an update must not touch.
    changed.secret_digest = Some(TokenDigest::of("other"));
    changed.created_at = UnixTime::from_secs(77);
    assert!(repo.update(&changed).await.unwrap());
    let stored = repo.find(&conf.id).await.unwrap().unwrap();
    assert_eq!(stored.name, "Renamed");
    assert_eq!(stored.redirect_uris, changed.redirect_uris);
    assert_eq!(
        stored.post_logout_redirect_uris,
        changed.post_logout_redirect_uris
    );
    assert_eq!(stored.grant_types, vec![GrantType::ClientCredentials]);
    assert_eq!(stored.scope.to_string(), "read");
    assert!(stored.skip_consent);
    assert!(stored.secret_matches("s3cret"), "update keeps the secret");
    assert_eq!(stored.created_at, UnixTime::from_secs(1));
    assert!(!repo.update(&client("ghost", false)).await.unwrap());

    assert!(repo
        .update_secret(&conf.id, &TokenDigest::of("new-secret"))
        .await
        .unwrap());
    let stored = repo.find(&conf.id).await.unwrap().unwrap();
    assert!(stored.secret_matches("new-secret"));
    assert!(!stored.secret_matches("s3cret"));
    // A public client never gains a secret; an unknown one is false.
    assert!(!repo
        .update_secret(&public.id, &TokenDigest::of("x"))
        .await
        .unwrap());
    assert!(repo
        .find(&public.id)
        .await
        .unwrap()
        .unwrap()
        .secret_digest
        .is_none());
    assert!(!repo
        .update_secret(&ClientId::parse("ghost").unwrap(), &TokenDigest::of("x"))
        .await
        .unwrap());
}
all_backends!(client_update, clients_are_updated_and_secrets_replaced);

async fn consents_are_listed_and_withdrawn_with_the_clients_tokens(tdb: TestBackend) {
    let (db, people) = with_users(&tdb).await;
    let (alice, bob) = (&people[0], &people[1]);
    let app = client("app", false);
    let other = client("other", false);
    db.clients().insert(&app).await.unwrap();
    db.clients().insert(&other).await.unwrap();
    let consent = |u: &User, c: &Client| Consent {
        resources: Vec::new(),
        user_id: u.id.clone(),
        client_id: c.id.clone(),
        scope: ScopeSet::parse("openid").unwrap(),
        granted_at: UnixTime::from_secs(500),
    };
    let consents = db.consents();
    consents.upsert(&consent(alice, &other)).await.unwrap();
    consents.upsert(&consent(alice, &app)).await.unwrap();
    consents.upsert(&consent(bob, &app)).await.unwrap();
    let tokens = db.refresh_tokens();
    tokens
        .insert(&refresh("a1", "fa1", alice, &app))
        .await
        .unwrap();
    tokens
        .insert(&refresh("a2", "fa2", alice, &app))
        .await
        .unwrap();
    tokens
        .insert(&refresh("ao", "fao", alice, &other))
        .await
        .unwrap();
    tokens
        .insert(&refresh("b1", "fb1", bob, &app))
        .await
        .unwrap();

    let listed = consents.list_for_user(&alice.id).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(ids, vec!["app", "other"]);

    let (existed, mut families) = consents
        .revoke_with_grants(&alice.id, &app.id)
        .await
        .unwrap();
    families.sort();
    assert!(existed);
    assert_eq!(families, vec!["fa1".to_owned(), "fa2".to_owned()]);
    assert!(consents.find(&alice.id, &app.id).await.unwrap().is_none());
    let live = |s: &'static str| {
        let tokens = db.refresh_tokens();
        async move {
            tokens
                .find(&TokenDigest::of(s))
                .await
                .unwrap()
                .is_some_and(|t| !t.revoked)
        }
    };
    assert!(
        !live("a1").await && !live("a2").await,
        "the client's tokens are dead"
    );
    assert!(live("ao").await, "another client's tokens live on");
    assert!(live("b1").await, "another user's tokens live on");
    assert!(consents.find(&bob.id, &app.id).await.unwrap().is_some());
    assert!(consents.find(&alice.id, &other.id).await.unwrap().is_some());

    let (existed, families) = consents
        .revoke_with_grants(&alice.id, &app.id)
        .await
        .unwrap();
    assert!(
        !existed && families.is_empty(),
        "a second withdrawal finds nothing"
    );
}
all_backends!(
    consent_withdrawal,
    consents_are_listed_and_withdrawn_with_the_clients_tokens
);
