//! Passkey registration, renaming and removal, and the sign-in refusals not covered above
//! (unknown credential, no user verification), on the in-memory repositories with the WebAuthn
//! library mocked.

use super::*;
use crate::ports::NewCredential;

/// Ceremonies that register `cred-1` (synced) and sign in with `verified`.
fn registering_ceremonies(user_verified: bool) -> MockPasskeyCeremonies {
    let mut c = MockPasskeyCeremonies::new();
    c.expect_available().return_const(true);
    c.expect_start_registration()
        .returning(|handle, name, display, existing| {
            assert_eq!(
                handle,
                user_handle(&ts::user().id),
                "the account's user handle"
            );
            assert_eq!(name, ts::user().email.as_str());
            assert!(!display.is_empty());
            Ok(CeremonyStart {
                options: format!("{{\"exclude\":{}}}", existing.len()),
                state: "reg-state".into(),
            })
        });
    c.expect_finish_registration().returning(|response, state| {
        assert_eq!(state, "reg-state", "the stored state comes back");
        Ok(NewCredential {
            credential_id: response.as_bytes().to_vec(),
            credential: "{\"counter\":0}".into(),
            synced: true,
        })
    });
    c.expect_start_authentication().returning(|_| {
        Ok(CeremonyStart {
            options: "{}".into(),
            state: "auth-state".into(),
        })
    });
    c.expect_identify()
        .returning(|response| Ok((response.as_bytes().to_vec(), None)));
    c.expect_finish_authentication().returning(move |_, _, _| {
        Ok(VerifiedAssertion {
            updated_credential: None,
            user_verified,
            synced: true,
        })
    });
    c
}

async fn register(w: &World, name: &str, response: &str) -> Result<Passkey, SecondFactorError> {
    let alice = w.alice().await;
    let start = w.factors.start_passkey_registration(&alice).await.unwrap();
    w.factors
        .finish_passkey_registration(&w.ctx(), &alice, &start.handle, name, response)
        .await
}

#[tokio::test]
async fn a_registered_passkey_is_stored_audited_and_mailed_and_its_challenge_is_single_use() {
    let w = world_with(registering_ceremonies(true)).await;
    let alice = w.alice().await;
    let start = w.factors.start_passkey_registration(&alice).await.unwrap();
    assert_eq!(start.options, "{\"exclude\":0}");
    let passkey = w
        .factors
        .finish_passkey_registration(&w.ctx(), &alice, &start.handle, "  Laptop ", "cred-1")
        .await
        .unwrap();
    assert_eq!(passkey.name, "Laptop", "the name is trimmed");
    assert_eq!(passkey.credential_id, b"cred-1");
    assert!(passkey.synced);
    assert_eq!(passkey.created_at, w.clock.now());
    let stored = PasskeyRepository::list_for_user(w.store.as_ref(), &alice.id)
        .await
        .unwrap();
    assert_eq!(stored, vec![passkey.clone()]);
    assert_eq!(actions(&w.audit), vec![AuditAction::PasskeyAdded]);
    let mail = w.mail.only();
    assert_eq!(mail.to, alice.email);
    assert_eq!(mail.subject, "A passkey was added");
    assert!(mail.text.contains("\"Laptop\""));

    let again = w
        .factors
        .finish_passkey_registration(&w.ctx(), &alice, &start.handle, "Laptop", "cred-2")
        .await;
    assert!(
        matches!(again, Err(SecondFactorError::Expired)),
        "{again:?}"
    );

    let next = w.factors.start_passkey_registration(&alice).await.unwrap();
    assert_eq!(
        next.options, "{\"exclude\":1}",
        "existing passkeys are excluded"
    );
}

#[tokio::test]
async fn a_bad_name_a_duplicate_credential_or_another_accounts_challenge_is_refused() {
    let w = world_with(registering_ceremonies(true)).await;
    for name in ["", "   ", "tab\there", &"x".repeat(200)] {
        let r = register(&w, name, "cred-1").await;
        assert!(
            matches!(r, Err(SecondFactorError::InvalidName)),
            "{name:?}: {r:?}"
        );
    }
    register(&w, "Laptop", "cred-1").await.unwrap();
    let duplicate = register(&w, "Phone", "cred-1").await;
    assert!(
        matches!(duplicate, Err(SecondFactorError::Passkey(PasskeyError::Invalid(ref why))) if why.contains("registered already")),
        "{duplicate:?}"
    );

    let alice = w.alice().await;
    let start = w.factors.start_passkey_registration(&alice).await.unwrap();
    let mut bob = ts::user();
    bob.id = UserId::parse(ts::OTHER_USER_ID).unwrap();
    let r = w
        .factors
        .finish_passkey_registration(&w.ctx(), &bob, &start.handle, "Bob's", "cred-9")
        .await;
    assert!(matches!(r, Err(SecondFactorError::Expired)), "{r:?}");
    let stored = PasskeyRepository::list_for_user(w.store.as_ref(), &alice.id)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "nothing but the first passkey was stored");
}

#[tokio::test]
async fn passkeys_are_renamed_and_removed_only_by_their_owner() {
    let w = world_with(registering_ceremonies(true)).await;
    let passkey = register(&w, "Laptop", "cred-1").await.unwrap();
    let alice = w.alice().await;

    w.factors
        .rename_passkey(&w.ctx(), &alice, &passkey.id, " Work laptop ")
        .await
        .unwrap();
    let stored = PasskeyRepository::list_for_user(w.store.as_ref(), &alice.id)
        .await
        .unwrap();
    assert_eq!(stored.first().map(|p| p.name.as_str()), Some("Work laptop"));
    let r = w
        .factors
        .rename_passkey(&w.ctx(), &alice, &passkey.id, "\n")
        .await;
    assert!(matches!(r, Err(SecondFactorError::InvalidName)), "{r:?}");
    let r = w
        .factors
        .rename_passkey(&w.ctx(), &alice, "nope", "Name")
        .await;
    assert!(matches!(r, Err(SecondFactorError::NotFound)), "{r:?}");

    let mut bob = ts::user();
    bob.id = UserId::parse(ts::OTHER_USER_ID).unwrap();
    let r = w.factors.remove_passkey(&w.ctx(), &bob, &passkey.id).await;
    assert!(matches!(r, Err(SecondFactorError::NotFound)), "{r:?}");

    w.factors
        .remove_passkey(&w.ctx(), &alice, &passkey.id)
        .await
        .unwrap();
    assert!(
        PasskeyRepository::list_for_user(w.store.as_ref(), &alice.id)
            .await
            .unwrap()
            .is_empty()
    );
    let mails = w.mail.all();
    assert_eq!(
        mails.last().map(|m| m.subject.as_str()),
        Some("A passkey was removed")
    );
    assert_eq!(actions(&w.audit).last(), Some(&AuditAction::PasskeyRemoved));
    let r = w
        .factors
        .remove_passkey(&w.ctx(), &alice, &passkey.id)
        .await;
    assert!(matches!(r, Err(SecondFactorError::NotFound)), "{r:?}");
}

#[tokio::test]
async fn an_unknown_credential_or_a_missing_user_verification_does_not_sign_in() {
    let w = world_with(registering_ceremonies(false)).await;
    register(&w, "Laptop", "cred-1").await.unwrap();
    let audited_before = w.audit.all().len();

    let start = w.factors.start_passkey_sign_in(None).await.unwrap();
    let r = w
        .factors
        .finish_passkey_sign_in(&w.ctx(), &start.handle, "cred-unknown", None)
        .await;
    assert!(
        matches!(r, Err(SecondFactorError::Passkey(PasskeyError::Invalid(ref why))) if why == "unknown passkey"),
        "{r:?}"
    );

    let start = w.factors.start_passkey_sign_in(None).await.unwrap();
    let r = w
        .factors
        .finish_passkey_sign_in(&w.ctx(), &start.handle, "cred-1", None)
        .await;
    assert!(
        matches!(r, Err(SecondFactorError::Passkey(PasskeyError::Invalid(_)))),
        "{r:?}"
    );
    let failed = w.audit.all().split_off(audited_before);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].action, AuditAction::SecondFactorFailed);
    assert_eq!(failed[0].detail.as_deref(), Some("no user verification"));
    let unused = PasskeyRepository::list_for_user(w.store.as_ref(), &ts::user().id)
        .await
        .unwrap();
    assert_eq!(
        unused[0].last_used_at, None,
        "a refused sign-in is not a use"
    );
}

#[tokio::test]
async fn the_second_step_offers_only_the_accounts_passkeys() {
    let w = world_with(registering_ceremonies(true)).await;
    let alice = ts::user();
    let none = w.factors.start_passkey_sign_in(Some(&alice.id)).await;
    assert!(matches!(none, Err(SecondFactorError::NotFound)), "{none:?}");
    register(&w, "Laptop", "cred-1").await.unwrap();
    let start = w
        .factors
        .start_passkey_sign_in(Some(&alice.id))
        .await
        .unwrap();
    let signed = w
        .factors
        .finish_passkey_sign_in(&w.ctx(), &start.handle, "cred-1", None)
        .await
        .unwrap();
    assert_eq!(signed.user.id, alice.id);
}

#[test]
fn the_user_handle_is_the_uuids_sixteen_bytes() {
    let id = UserId::parse("00112233-4455-6677-8899-aabbccddeeff").unwrap();
    assert_eq!(
        user_handle(&id),
        [
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff
        ]
    );
    assert_ne!(
        user_handle(&ts::user().id),
        user_handle(&UserId::parse(ts::OTHER_USER_ID).unwrap())
    );
}
