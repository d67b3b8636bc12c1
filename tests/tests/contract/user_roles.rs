//! The repository contract of user roles (`admin`), on the in-memory store, SQLite and
//! PostgreSQL: granting is idempotent and keeps the first grant, revoking says whether
//! anything was held, an unknown user cannot be granted anything, and deleting the account
//! takes its roles with it.

use tessera_domain::{Email, Role, RoleGrant, UnixTime, User, UserId};
use tessera_tests::{all_backends, TestBackend};

fn user(n: u8) -> User {
    User {
        id: UserId::from_random([n; 16]),
        email: Email::parse(&format!("role{n}@example.com")).unwrap(),
        email_verified: true,
        name: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        created_at: UnixTime::from_secs(1_000),
        disabled: false,
        login_attempts: Default::default(),
    }
}

fn grant(u: &User, at: i64, by: &str) -> RoleGrant {
    RoleGrant {
        user_id: u.id.clone(),
        role: Role::Admin,
        granted_at: UnixTime::from_secs(at),
        granted_by: by.to_owned(),
    }
}

async fn grant_is_idempotent_and_keeps_the_first(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let (a, b) = (user(1), user(2));
    db.users().insert(&a).await.unwrap();
    db.users().insert(&b).await.unwrap();
    let roles = db.user_roles();
    assert!(roles.roles_of(&a.id).await.unwrap().is_empty());
    assert!(roles.holders(Role::Admin).await.unwrap().is_empty());

    assert!(roles.grant(&grant(&a, 200, "admin_token")).await.unwrap());
    assert!(
        !roles.grant(&grant(&a, 300, "cli")).await.unwrap(),
        "a second grant of the same role changes nothing"
    );
    assert!(roles.grant(&grant(&b, 100, "cli")).await.unwrap());

    assert_eq!(roles.roles_of(&a.id).await.unwrap(), vec![Role::Admin]);
    assert_eq!(
        roles.holders(Role::Admin).await.unwrap(),
        vec![grant(&b, 100, "cli"), grant(&a, 200, "admin_token")],
        "oldest grant first, the first grant's time and grantor kept"
    );
}
all_backends!(
    role_grant_idempotent,
    grant_is_idempotent_and_keeps_the_first
);

async fn revoke_says_whether_it_was_held(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let a = user(3);
    db.users().insert(&a).await.unwrap();
    let roles = db.user_roles();
    assert!(!roles.revoke(&a.id, Role::Admin).await.unwrap());
    roles.grant(&grant(&a, 10, "cli")).await.unwrap();
    assert!(roles.revoke(&a.id, Role::Admin).await.unwrap());
    assert!(!roles.revoke(&a.id, Role::Admin).await.unwrap());
    assert!(roles.roles_of(&a.id).await.unwrap().is_empty());
    assert!(roles.holders(Role::Admin).await.unwrap().is_empty());
}
all_backends!(role_revoke, revoke_says_whether_it_was_held);

async fn an_unknown_user_gets_no_role(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let ghost = user(4);
    assert!(db
        .user_roles()
        .grant(&grant(&ghost, 10, "cli"))
        .await
        .is_err());
    assert!(db
        .user_roles()
        .roles_of(&ghost.id)
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .user_roles()
        .holders(Role::Admin)
        .await
        .unwrap()
        .is_empty());
}
all_backends!(role_unknown_user, an_unknown_user_gets_no_role);

async fn deleting_the_account_deletes_its_roles(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let (a, b) = (user(5), user(6));
    db.users().insert(&a).await.unwrap();
    db.users().insert(&b).await.unwrap();
    db.user_roles().grant(&grant(&a, 10, "cli")).await.unwrap();
    db.user_roles().grant(&grant(&b, 20, "cli")).await.unwrap();
    assert!(db.users().delete(&a.id).await.unwrap());
    assert!(db.user_roles().roles_of(&a.id).await.unwrap().is_empty());
    assert_eq!(
        db.user_roles().holders(Role::Admin).await.unwrap(),
        vec![grant(&b, 20, "cli")]
    );
    // The same id coming back (a new account) starts without the role.
    db.users().insert(&a).await.unwrap();
    assert!(db.user_roles().roles_of(&a.id).await.unwrap().is_empty());
}
all_backends!(role_cascade, deleting_the_account_deletes_its_roles);
