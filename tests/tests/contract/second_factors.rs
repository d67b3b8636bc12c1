//! The repository contract of second factors: TOTP enrolments and their single-use time steps,
//! recovery codes, passkeys, single-use ceremony challenges, and the session listing of the
//! account page (`list_for_user`, `delete_others`), on every backend. The races check R-06:
//! of concurrent uses of one code, step or challenge exactly one wins.

use std::future::Future;
use std::sync::Arc;

use tessera_application::ports::{Challenge, ChallengePurpose, PurgeKind, StoredTotp};
use tessera_application::RepositoryError;
use tessera_domain::{
    AuthMethods, BrowserSession, Email, Passkey, TokenDigest, UnixTime, User, UserId,
};
use tessera_tests::{all_backends, TestBackend};

use ChallengePurpose::{PasskeyAuthentication, PasskeyRegistration, SecondFactor};

/// How many requests race in the R-06 tests.
const RACERS: usize = 8;

/// "Now" in these tests.
const NOW: i64 = 100_000;

fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

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

/// An unconfirmed enrolment of `user` with `secret` as its (pretend) ciphertext.
fn totp(user: &User, secret: &[u8]) -> StoredTotp {
    StoredTotp {
        user_id: user.id.clone(),
        secret_ciphertext: secret.to_vec(),
        confirmed: false,
        last_step: None,
        created_at: UnixTime::from_secs(NOW - 60),
    }
}

fn codes(prefix: &str, n: usize) -> Vec<TokenDigest> {
    (0..n)
        .map(|i| TokenDigest::of(&format!("{prefix}-{i}")))
        .collect()
}

fn passkey(id: &str, user: &User, credential_id: &[u8], created_at: i64) -> Passkey {
    Passkey {
        id: id.into(),
        user_id: user.id.clone(),
        name: format!("Key {id}"),
        credential_id: credential_id.to_vec(),
        credential: format!("{{\"cred\":\"{id}\",\"counter\":0}}"),
        synced: id.len().is_multiple_of(2),
        created_at: UnixTime::from_secs(created_at),
        last_used_at: None,
    }
}

fn challenge(
    secret: &str,
    purpose: ChallengePurpose,
    user: Option<&User>,
    expires_at: i64,
) -> Challenge {
    Challenge {
        digest: TokenDigest::of(secret),
        purpose,
        user_id: user.map(|u| u.id.clone()),
        payload: format!("{{\"state\":\"{secret}\"}}"),
        expires_at: UnixTime::from_secs(expires_at),
    }
}

fn session(secret: &str, user: &User, auth_time: i64, expires_at: i64) -> BrowserSession {
    BrowserSession {
        sid: format!("sid-{secret}"),
        amr: AuthMethods::password(),
        digest: TokenDigest::of(secret),
        user_id: user.id.clone(),
        auth_time: UnixTime::from_secs(auth_time),
        expires_at: UnixTime::from_secs(expires_at),
    }
}

/// Runs the racers on tasks of their own, released together; their outcomes in order.
async fn race<T, F>(racers: Vec<F>) -> Vec<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let start = Arc::new(tokio::sync::Barrier::new(racers.len()));
    let tasks: Vec<_> = racers
        .into_iter()
        .map(|racer| {
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                racer.await
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

async fn totp_enrolment_confirmation_and_steps(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let (alice, bob) = (user(1), user(2));
    db.users().insert(&alice).await.unwrap();
    db.users().insert(&bob).await.unwrap();
    let factors = db.second_factors();

    assert_eq!(factors.totp(&alice.id).await.unwrap(), None);
    assert!(!factors.use_totp_step(&alice.id, 1).await.unwrap());
    assert!(!factors
        .confirm_totp(&alice.id, 1, &codes("a", 2), now())
        .await
        .unwrap());

    // An unconfirmed enrolment is replaced by the next one, and is no factor yet.
    factors
        .put_unconfirmed_totp(&totp(&alice, b"first"))
        .await
        .unwrap();
    factors
        .put_unconfirmed_totp(&totp(&alice, b"second"))
        .await
        .unwrap();
    assert_eq!(
        factors.totp(&alice.id).await.unwrap(),
        Some(totp(&alice, b"second"))
    );
    assert!(!factors.use_totp_step(&alice.id, 5).await.unwrap());

    // Confirmation: with the codes, the confirming step counts as used; only once.
    assert!(factors
        .confirm_totp(&alice.id, 100, &codes("a", 3), now())
        .await
        .unwrap());
    let confirmed = factors.totp(&alice.id).await.unwrap().unwrap();
    assert!(confirmed.confirmed);
    assert_eq!(confirmed.last_step, Some(100));
    assert_eq!(confirmed.secret_ciphertext, b"second");
    assert_eq!(factors.recovery_codes_left(&alice.id).await.unwrap(), 3);
    assert!(!factors
        .confirm_totp(&alice.id, 101, &codes("b", 3), now())
        .await
        .unwrap());
    assert_eq!(factors.recovery_codes_left(&alice.id).await.unwrap(), 3);
    assert!(factors
        .use_recovery_code(&alice.id, &TokenDigest::of("a-0"), now())
        .await
        .unwrap());

    // Each step once, and never an older one.
    assert!(!factors.use_totp_step(&alice.id, 100).await.unwrap());
    assert!(!factors.use_totp_step(&alice.id, 99).await.unwrap());
    assert!(factors.use_totp_step(&alice.id, 101).await.unwrap());
    assert!(!factors.use_totp_step(&alice.id, 101).await.unwrap());
    assert!(factors.use_totp_step(&alice.id, 103).await.unwrap());
    assert!(!factors.use_totp_step(&alice.id, 102).await.unwrap());
    assert_eq!(
        factors.totp(&alice.id).await.unwrap().unwrap().last_step,
        Some(103)
    );

    // A confirmed enrolment is not replaced: it has to be turned off first.
    assert!(matches!(
        factors.put_unconfirmed_totp(&totp(&alice, b"third")).await,
        Err(RepositoryError::Conflict)
    ));
    let kept = factors.totp(&alice.id).await.unwrap().unwrap();
    assert!(kept.confirmed);
    assert_eq!(kept.secret_ciphertext, b"second");

    // Bob is untouched by all of it.
    assert_eq!(factors.totp(&bob.id).await.unwrap(), None);
    assert!(!factors.use_totp_step(&bob.id, 200).await.unwrap());

    // Turning it off removes the enrolment and every code; then a new one can start.
    assert!(factors.delete_totp(&alice.id).await.unwrap());
    assert_eq!(factors.totp(&alice.id).await.unwrap(), None);
    assert_eq!(factors.recovery_codes_left(&alice.id).await.unwrap(), 0);
    assert!(!factors
        .use_recovery_code(&alice.id, &TokenDigest::of("a-1"), now())
        .await
        .unwrap());
    assert!(!factors.delete_totp(&alice.id).await.unwrap());
    factors
        .put_unconfirmed_totp(&totp(&alice, b"again"))
        .await
        .unwrap();
    assert!(!factors.totp(&alice.id).await.unwrap().unwrap().confirmed);
}
all_backends!(totp_lifecycle, totp_enrolment_confirmation_and_steps);

async fn r_06_concurrent_use_of_one_totp_step_succeeds_once(tdb: TestBackend) {
    let db = tdb.migrated().await;
    // A second handle, as another node would have (in memory: the same store).
    let other_node = tdb.migrated().await;
    let alice = user(1);
    db.users().insert(&alice).await.unwrap();
    let factors = db.second_factors();
    factors
        .put_unconfirmed_totp(&totp(&alice, b"secret"))
        .await
        .unwrap();
    assert!(factors
        .confirm_totp(&alice.id, 10, &codes("a", 1), now())
        .await
        .unwrap());
    for step in 11..15 {
        let racers = (0..RACERS)
            .map(|i| {
                let repo = if i % 2 == 0 {
                    db.second_factors()
                } else {
                    other_node.second_factors()
                };
                let id = alice.id.clone();
                async move { repo.use_totp_step(&id, step).await.unwrap() }
            })
            .collect();
        let winners = race(racers).await.into_iter().filter(|won| *won).count();
        assert_eq!(winners, 1, "step {step}: exactly one of {RACERS} uses wins");
    }
    // Two different codes at once (the same step twice in a pair of tokio::join!).
    let other_factors = other_node.second_factors();
    let (a, b) = tokio::join!(
        factors.use_totp_step(&alice.id, 20),
        other_factors.use_totp_step(&alice.id, 20)
    );
    assert!(a.unwrap() ^ b.unwrap(), "exactly one of two wins");
    assert_eq!(
        factors.totp(&alice.id).await.unwrap().unwrap().last_step,
        Some(20)
    );
}
all_backends!(
    r_06_totp_step_race,
    r_06_concurrent_use_of_one_totp_step_succeeds_once
);

async fn recovery_codes_are_single_use_and_replaced_whole(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let other_node = tdb.migrated().await;
    let (alice, bob) = (user(1), user(2));
    db.users().insert(&alice).await.unwrap();
    db.users().insert(&bob).await.unwrap();
    let factors = db.second_factors();
    factors
        .put_unconfirmed_totp(&totp(&alice, b"secret"))
        .await
        .unwrap();
    assert!(factors
        .confirm_totp(&alice.id, 1, &codes("old", 3), now())
        .await
        .unwrap());
    factors
        .replace_recovery_codes(&bob.id, &codes("bob", 2), now())
        .await
        .unwrap();
    assert_eq!(factors.recovery_codes_left(&alice.id).await.unwrap(), 3);
    assert_eq!(factors.recovery_codes_left(&bob.id).await.unwrap(), 2);

    let old0 = TokenDigest::of("old-0");
    assert!(factors
        .use_recovery_code(&alice.id, &old0, now())
        .await
        .unwrap());
    assert!(!factors
        .use_recovery_code(&alice.id, &old0, now())
        .await
        .unwrap());
    assert_eq!(factors.recovery_codes_left(&alice.id).await.unwrap(), 2);
    // Only the owner's codes count.
    assert!(!factors
        .use_recovery_code(&bob.id, &TokenDigest::of("old-1"), now())
        .await
        .unwrap());
    assert!(!factors
        .use_recovery_code(&alice.id, &TokenDigest::of("bob-0"), now())
        .await
        .unwrap());
    assert!(!factors
        .use_recovery_code(&alice.id, &TokenDigest::of("never"), now())
        .await
        .unwrap());

    // A renewal voids every old code, used or not.
    factors
        .replace_recovery_codes(&alice.id, &codes("new", RACERS), now())
        .await
        .unwrap();
    assert_eq!(
        factors.recovery_codes_left(&alice.id).await.unwrap(),
        RACERS as u32
    );
    assert!(!factors
        .use_recovery_code(&alice.id, &TokenDigest::of("old-1"), now())
        .await
        .unwrap());
    assert_eq!(factors.recovery_codes_left(&bob.id).await.unwrap(), 2);

    // Concurrent uses of one code: exactly one wins, for every code.
    for code in codes("new", RACERS) {
        let racers = (0..RACERS)
            .map(|i| {
                let repo = if i % 2 == 0 {
                    db.second_factors()
                } else {
                    other_node.second_factors()
                };
                let (id, code) = (alice.id.clone(), code.clone());
                async move { repo.use_recovery_code(&id, &code, now()).await.unwrap() }
            })
            .collect();
        let winners = race(racers).await.into_iter().filter(|won| *won).count();
        assert_eq!(winners, 1, "exactly one of {RACERS} uses of a code wins");
    }
    assert_eq!(factors.recovery_codes_left(&alice.id).await.unwrap(), 0);

    // A repeated code refuses the whole replacement, which changes nothing.
    factors
        .replace_recovery_codes(&bob.id, &codes("bob", 2), now())
        .await
        .unwrap();
    let twice = [TokenDigest::of("dup"), TokenDigest::of("dup")];
    assert!(matches!(
        factors.replace_recovery_codes(&bob.id, &twice, now()).await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(factors.recovery_codes_left(&bob.id).await.unwrap(), 2);
    assert!(factors
        .use_recovery_code(&bob.id, &TokenDigest::of("bob-0"), now())
        .await
        .unwrap());

    // Replacing with none leaves none.
    factors
        .replace_recovery_codes(&bob.id, &[], now())
        .await
        .unwrap();
    assert_eq!(factors.recovery_codes_left(&bob.id).await.unwrap(), 0);
}
all_backends!(
    recovery_codes,
    recovery_codes_are_single_use_and_replaced_whole
);

async fn passkeys_belong_to_their_owner(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let (alice, bob) = (user(1), user(2));
    db.users().insert(&alice).await.unwrap();
    db.users().insert(&bob).await.unwrap();
    let keys = db.passkeys();

    let newer = passkey("pk-newer", &alice, b"cred-newer", 2_000);
    let older = passkey("pk-old", &alice, b"cred-old", 1_000);
    let bobs = passkey("pk-bob", &bob, b"cred-bob", 1_500);
    for p in [&newer, &older, &bobs] {
        keys.insert(p).await.unwrap();
    }
    assert_eq!(
        keys.list_for_user(&alice.id).await.unwrap(),
        vec![older.clone(), newer.clone()],
        "oldest first"
    );
    assert_eq!(
        keys.list_for_user(&bob.id).await.unwrap(),
        vec![bobs.clone()]
    );
    assert_eq!(keys.list_for_user(&user(3).id).await.unwrap(), vec![]);

    // A credential id is registered once, across all accounts; so is an id.
    assert!(matches!(
        keys.insert(&passkey("pk-again", &bob, b"cred-old", 3_000))
            .await,
        Err(RepositoryError::Conflict)
    ));
    assert!(matches!(
        keys.insert(&passkey("pk-old", &bob, b"cred-fresh", 3_000))
            .await,
        Err(RepositoryError::Conflict)
    ));
    assert_eq!(
        keys.list_for_user(&bob.id).await.unwrap(),
        vec![bobs.clone()]
    );

    assert_eq!(
        keys.find_by_credential_id(b"cred-bob").await.unwrap(),
        Some(bobs.clone())
    );
    assert_eq!(
        keys.find_by_credential_id(b"cred-none").await.unwrap(),
        None
    );

    // After a sign-in: the new record and the time.
    keys.record_use("pk-old", "{\"counter\":7}", UnixTime::from_secs(NOW))
        .await
        .unwrap();
    let used = keys
        .find_by_credential_id(b"cred-old")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.credential, "{\"counter\":7}");
    assert_eq!(used.last_used_at, Some(UnixTime::from_secs(NOW)));
    assert_eq!(used.name, older.name);
    keys.record_use("pk-gone", "{}", now()).await.unwrap();

    // Renaming and deleting work only for the owner.
    assert!(!keys.rename(&bob.id, "pk-old", "Mine now").await.unwrap());
    assert!(keys.rename(&alice.id, "pk-old", "Laptop").await.unwrap());
    assert!(!keys.rename(&alice.id, "pk-none", "Laptop").await.unwrap());
    assert_eq!(
        keys.find_by_credential_id(b"cred-old")
            .await
            .unwrap()
            .unwrap()
            .name,
        "Laptop"
    );
    assert!(!keys.delete(&bob.id, "pk-old").await.unwrap());
    assert_eq!(keys.list_for_user(&alice.id).await.unwrap().len(), 2);
    assert!(keys.delete(&alice.id, "pk-old").await.unwrap());
    assert!(!keys.delete(&alice.id, "pk-old").await.unwrap());
    assert_eq!(keys.list_for_user(&alice.id).await.unwrap(), vec![newer]);
    assert_eq!(keys.find_by_credential_id(b"cred-old").await.unwrap(), None);

    // A deleted credential id can be registered again.
    keys.insert(&passkey("pk-re", &alice, b"cred-old", 3_000))
        .await
        .unwrap();
    assert_eq!(keys.delete_for_user(&alice.id).await.unwrap(), 2);
    assert_eq!(keys.delete_for_user(&alice.id).await.unwrap(), 0);
    assert_eq!(keys.list_for_user(&alice.id).await.unwrap(), vec![]);
    assert_eq!(keys.list_for_user(&bob.id).await.unwrap(), vec![bobs]);

    // The owner must exist.
    assert!(keys
        .insert(&passkey("pk-ghost", &user(9), b"cred-ghost", 1))
        .await
        .is_err());
}
all_backends!(passkeys, passkeys_belong_to_their_owner);

async fn deleting_a_user_drops_their_second_factors(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let (alice, bob) = (user(1), user(2));
    db.users().insert(&alice).await.unwrap();
    db.users().insert(&bob).await.unwrap();
    let (factors, keys) = (db.second_factors(), db.passkeys());
    for u in [&alice, &bob] {
        factors.put_unconfirmed_totp(&totp(u, b"s")).await.unwrap();
        assert!(factors
            .confirm_totp(&u.id, 1, &codes(u.id.as_str(), 2), now())
            .await
            .unwrap());
    }
    keys.insert(&passkey("pk-a", &alice, b"cred-a", 1))
        .await
        .unwrap();
    keys.insert(&passkey("pk-b", &bob, b"cred-b", 1))
        .await
        .unwrap();

    assert!(db.users().delete(&alice.id).await.unwrap());

    assert_eq!(factors.totp(&alice.id).await.unwrap(), None);
    assert_eq!(factors.recovery_codes_left(&alice.id).await.unwrap(), 0);
    assert_eq!(keys.list_for_user(&alice.id).await.unwrap(), vec![]);
    assert_eq!(keys.find_by_credential_id(b"cred-a").await.unwrap(), None);
    if let Some(sql) = tdb.sql() {
        for table in ["user_totp", "recovery_codes", "passkeys"] {
            let left = sql
                .query_text(&format!(
                    "SELECT CAST(COUNT(*) AS TEXT) AS value FROM {table} WHERE user_id = '{}'",
                    alice.id.as_str()
                ))
                .await;
            assert_eq!(left, "0", "{table}");
        }
    }
    // Bob keeps his.
    assert!(factors.totp(&bob.id).await.unwrap().unwrap().confirmed);
    assert_eq!(factors.recovery_codes_left(&bob.id).await.unwrap(), 2);
    assert_eq!(keys.list_for_user(&bob.id).await.unwrap().len(), 1);
}
all_backends!(
    user_deletion_cascades,
    deleting_a_user_drops_their_second_factors
);

async fn challenges_are_taken_once_for_their_purpose(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let alice = user(1);
    db.users().insert(&alice).await.unwrap();
    let challenges = db.challenges();

    let mfa = challenge("mfa", SecondFactor, Some(&alice), NOW + 300);
    let discoverable = challenge("disc", PasskeyAuthentication, None, NOW + 300);
    challenges.insert(&mfa).await.unwrap();
    challenges.insert(&discoverable).await.unwrap();
    assert!(matches!(
        challenges
            .insert(&challenge("mfa", PasskeyRegistration, None, NOW + 60))
            .await,
        Err(RepositoryError::Conflict)
    ));

    // Another purpose, or too late: nothing, and the challenge stays.
    assert_eq!(
        challenges
            .take(&mfa.digest, PasskeyRegistration, now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        challenges
            .take(&mfa.digest, SecondFactor, UnixTime::from_secs(NOW + 300))
            .await
            .unwrap(),
        None,
        "expired at expires_at"
    );
    assert_eq!(
        challenges
            .take(&TokenDigest::of("unknown"), SecondFactor, now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        challenges
            .take(&mfa.digest, SecondFactor, now())
            .await
            .unwrap(),
        Some(mfa.clone())
    );
    assert_eq!(
        challenges
            .take(&mfa.digest, SecondFactor, now())
            .await
            .unwrap(),
        None,
        "taken once"
    );
    assert_eq!(
        challenges
            .take(&discoverable.digest, PasskeyAuthentication, now())
            .await
            .unwrap(),
        Some(discoverable)
    );
}
all_backends!(
    challenges_single_use,
    challenges_are_taken_once_for_their_purpose
);

async fn r_06_concurrent_takes_of_one_challenge_succeed_once(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let other_node = tdb.migrated().await;
    for round in 0..4 {
        let c = challenge(
            &format!("race-{round}"),
            PasskeyRegistration,
            None,
            NOW + 60,
        );
        db.challenges().insert(&c).await.unwrap();
        let racers = (0..RACERS)
            .map(|i| {
                let repo = if i % 2 == 0 {
                    db.challenges()
                } else {
                    other_node.challenges()
                };
                let digest = c.digest.clone();
                async move {
                    repo.take(&digest, PasskeyRegistration, now())
                        .await
                        .unwrap()
                }
            })
            .collect();
        let won: Vec<Challenge> = race(racers).await.into_iter().flatten().collect();
        assert_eq!(won, vec![c], "exactly one of {RACERS} takes wins");
    }
    let c = challenge("pair", SecondFactor, None, NOW + 60);
    db.challenges().insert(&c).await.unwrap();
    let (mine, theirs) = (db.challenges(), other_node.challenges());
    let (a, b) = tokio::join!(
        mine.take(&c.digest, SecondFactor, now()),
        theirs.take(&c.digest, SecondFactor, now())
    );
    assert!(a.unwrap().is_some() ^ b.unwrap().is_some());
}
all_backends!(
    r_06_challenge_race,
    r_06_concurrent_takes_of_one_challenge_succeed_once
);

async fn expired_challenges_are_purged(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let challenges = db.challenges();
    for (secret, expires_at) in [
        ("old-1", NOW - 100),
        ("old-2", NOW - 1),
        ("old-3", NOW),
        ("live-1", NOW + 1),
        ("live-2", NOW + 300),
    ] {
        challenges
            .insert(&challenge(secret, SecondFactor, None, expires_at))
            .await
            .unwrap();
    }
    assert_eq!(challenges.purge_expired(now()).await.unwrap(), 3);
    assert_eq!(challenges.purge_expired(now()).await.unwrap(), 0);
    for live in ["live-1", "live-2"] {
        assert!(challenges
            .take(&TokenDigest::of(live), SecondFactor, now())
            .await
            .unwrap()
            .is_some());
    }

    // The housekeeping kind: in batches, a short batch when none are left.
    for n in 0..5 {
        challenges
            .insert(&challenge(
                &format!("gone-{n}"),
                PasskeyAuthentication,
                None,
                NOW - n,
            ))
            .await
            .unwrap();
    }
    challenges
        .insert(&challenge("stays", PasskeyAuthentication, None, NOW + 60))
        .await
        .unwrap();
    let housekeeping = db.housekeeping(0);
    assert_eq!(
        housekeeping
            .purge(PurgeKind::Challenges, now(), 3)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        housekeeping
            .purge(PurgeKind::Challenges, now(), 3)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        housekeeping
            .purge(PurgeKind::Challenges, now(), 3)
            .await
            .unwrap(),
        0
    );
    assert!(challenges
        .take(&TokenDigest::of("stays"), PasskeyAuthentication, now())
        .await
        .unwrap()
        .is_some());
}
all_backends!(challenge_purge, expired_challenges_are_purged);

async fn sessions_are_listed_and_ended_but_the_current_one(tdb: TestBackend) {
    let db = tdb.migrated().await;
    let (alice, bob) = (user(1), user(2));
    db.users().insert(&alice).await.unwrap();
    db.users().insert(&bob).await.unwrap();
    let sessions = db.sessions();
    let first = session("first", &alice, NOW - 300, NOW + 1_000);
    let latest = session("latest", &alice, NOW - 100, NOW + 1_000);
    let middle = session("middle", &alice, NOW - 200, NOW + 1_000);
    let expired = session("expired", &alice, NOW - 50, NOW);
    let bobs = session("bob", &bob, NOW - 10, NOW + 1_000);
    for s in [&first, &latest, &middle, &expired, &bobs] {
        sessions.insert(s).await.unwrap();
    }

    assert_eq!(
        sessions.list_for_user(&alice.id, now()).await.unwrap(),
        vec![latest.clone(), middle.clone(), first.clone()],
        "newest first, only live ones"
    );
    assert_eq!(
        sessions.list_for_user(&bob.id, now()).await.unwrap(),
        vec![bobs.clone()]
    );
    assert_eq!(
        sessions.list_for_user(&user(3).id, now()).await.unwrap(),
        vec![]
    );

    // Ending the others: every other session of the user, expired ones too; not Bob's.
    assert_eq!(
        sessions
            .delete_others(&alice.id, &middle.digest)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        sessions.list_for_user(&alice.id, now()).await.unwrap(),
        vec![middle.clone()]
    );
    assert_eq!(
        sessions.find(&middle.digest, now()).await.unwrap(),
        Some(middle.clone())
    );
    assert_eq!(sessions.find(&latest.digest, now()).await.unwrap(), None);
    assert_eq!(
        sessions.find(&bobs.digest, now()).await.unwrap(),
        Some(bobs.clone())
    );
    assert_eq!(
        sessions
            .delete_others(&alice.id, &middle.digest)
            .await
            .unwrap(),
        0
    );
    // Another user's session as the one to keep keeps nothing of Alice's.
    assert_eq!(
        sessions
            .delete_others(&alice.id, &bobs.digest)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        sessions.find(&bobs.digest, now()).await.unwrap(),
        Some(bobs)
    );
}
all_backends!(
    session_listing,
    sessions_are_listed_and_ended_but_the_current_one
);
