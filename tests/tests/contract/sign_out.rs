//! The repository contract behind signing out everywhere and withdrawing a consent: ending a
//! user's authorization codes (all of them, or one client's) so that none not yet redeemed can
//! be, and finding the grants of every code, redeemed or not, on SQLite and on PostgreSQL.

use tessera_application::ports::CodeRedemption;
use tessera_domain::{
    AuthorizationCode, Client, ClientId, Email, GrantType, ScopeSet, TokenDigest,
    TokenEndpointAuthMethod, UnixTime, User, UserId,
};
use tessera_tests::{all_backends, OpenRepositories, Repositories, TestBackend};

const NOW: i64 = 1_000;

fn user(n: u8) -> User {
    User {
        id: UserId::from_random([n; 16]),
        email: Email::parse(&format!("person.{n}@example.com")).unwrap(),
        email_verified: true,
        name: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$x".into(),
        created_at: UnixTime::from_secs(1),
        disabled: false,
        login_attempts: Default::default(),
    }
}

fn client(id: &str) -> Client {
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
        secret_digest: Some(TokenDigest::of("s3cret")),
        auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
        grant_types: vec![GrantType::AuthorizationCode],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("openid").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(1),
    }
}

/// A code whose secret and grant id are both `grant`.
fn code(grant: &str, user: &User, client: &Client) -> AuthorizationCode {
    AuthorizationCode {
        sid: None,
        resources: Vec::new(),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of(grant),
        client_id: client.id.clone(),
        user_id: user.id.clone(),
        grant_id: grant.into(),
        redirect_uri: None,
        code_challenge: None,
        scope: ScopeSet::parse("openid").unwrap(),
        nonce: None,
        auth_time: UnixTime::from_secs(NOW - 10),
        expires_at: UnixTime::from_secs(NOW + 60),
    }
}

/// Alice has a redeemed and a pending code at `app` and a pending one at `other`; Bob has a
/// pending one at `app`.
async fn seeded(tdb: &impl OpenRepositories) -> (Repositories, User, User, Client, Client) {
    let db = tdb.repositories().await;
    let (alice, bob) = (user(1), user(2));
    let (app, other) = (client("app"), client("other"));
    db.users().insert(&alice).await.unwrap();
    db.users().insert(&bob).await.unwrap();
    db.clients().insert(&app).await.unwrap();
    db.clients().insert(&other).await.unwrap();
    let codes = db.authorization_codes();
    for c in [
        code("a-redeemed", &alice, &app),
        code("a-pending", &alice, &app),
        code("a-other", &alice, &other),
        code("b-pending", &bob, &app),
    ] {
        codes.insert(&c).await.unwrap();
    }
    let now = UnixTime::from_secs(NOW - 5);
    assert!(matches!(
        codes
            .consume(&TokenDigest::of("a-redeemed"), now)
            .await
            .unwrap(),
        CodeRedemption::Redeemed(_)
    ));
    (db, alice, bob, app, other)
}

async fn consume(db: &Repositories, grant: &str) -> CodeRedemption {
    db.authorization_codes()
        .consume(&TokenDigest::of(grant), UnixTime::from_secs(NOW + 1))
        .await
        .unwrap()
}

fn already_used(grant: &str) -> CodeRedemption {
    CodeRedemption::AlreadyUsed {
        grant_id: grant.into(),
    }
}

/// Issue 11: after a withdrawn consent, the client's pending codes of that user are dead and
/// the grants of all its codes (redeemed ones too) are known; other clients and users keep
/// theirs.
async fn as_25_ending_one_clients_codes_kills_pending_ones_and_finds_every_grant(tdb: TestBackend) {
    let (db, alice, _, app, _) = seeded(&tdb).await;
    let now = UnixTime::from_secs(NOW);
    let mut grants = db
        .authorization_codes()
        .revoke_for_user(&alice.id, Some(&app.id), now)
        .await
        .unwrap();
    grants.sort();
    assert_eq!(grants, ["a-pending", "a-redeemed"]);
    assert_eq!(consume(&db, "a-pending").await, already_used("a-pending"));
    assert!(matches!(
        consume(&db, "a-other").await,
        CodeRedemption::Redeemed(_)
    ));
    assert!(matches!(
        consume(&db, "b-pending").await,
        CodeRedemption::Redeemed(_)
    ));
    // Ending them again is harmless and still finds the grants.
    let again = db
        .authorization_codes()
        .revoke_for_user(&alice.id, Some(&app.id), now)
        .await
        .unwrap();
    assert_eq!(again.len(), 2);
}

all_backends!(
    as_25_one_client,
    as_25_ending_one_clients_codes_kills_pending_ones_and_finds_every_grant
);

/// Issue 11 / ASVS 7.4.2: signing out everywhere kills every pending code of the user at every
/// client and finds the grant of each code; another user's code is untouched.
async fn asvs_7_4_2_ending_a_users_codes_kills_every_pending_one(tdb: TestBackend) {
    let (db, alice, _, _, _) = seeded(&tdb).await;
    let mut grants = db
        .authorization_codes()
        .revoke_for_user(&alice.id, None, UnixTime::from_secs(NOW))
        .await
        .unwrap();
    grants.sort();
    assert_eq!(grants, ["a-other", "a-pending", "a-redeemed"]);
    for grant in ["a-other", "a-pending", "a-redeemed"] {
        assert_eq!(consume(&db, grant).await, already_used(grant));
    }
    assert!(matches!(
        consume(&db, "b-pending").await,
        CodeRedemption::Redeemed(_)
    ));
    // The stored mark itself (SQL only: the port does not expose `used_at`).
    if let Some(sql) = tdb.sql() {
        assert_eq!(
            sql.query_text(
                "SELECT CAST(used_at AS TEXT) AS value FROM authorization_codes \
                 WHERE grant_id = 'a-pending'"
            )
            .await,
            NOW.to_string()
        );
    }
}

all_backends!(
    asvs_7_4_2_all_clients,
    asvs_7_4_2_ending_a_users_codes_kills_every_pending_one
);
