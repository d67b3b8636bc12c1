use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openssl::bn::BigNumContext;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::sha::sha256;
use openssl::sign::Signer;
use serde_json::{json, Value};
use tessera_domain::{UnixTime, UserId};

const ISSUER: &str = "http://localhost:8080";
const ORIGIN: &str = "http://localhost:8080";
const HANDLE: [u8; 16] = [7; 16];

fn rp() -> WebauthnPasskeys {
    WebauthnPasskeys::new(ISSUER, "Tessera").unwrap()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn passkey(credential_id: Vec<u8>, credential: String) -> Passkey {
    Passkey {
        id: "pk1".into(),
        user_id: UserId::from_random(HANDLE),
        name: "Passkey".into(),
        credential_id,
        credential,
        synced: false,
        created_at: UnixTime::from_secs(1_700_000_000),
        last_used_at: None,
    }
}

fn is_invalid<T: std::fmt::Debug>(result: Result<T, PasskeyError>) -> bool {
    matches!(result, Err(PasskeyError::Invalid(_)))
}

#[test]
fn ip_issuers_have_no_passkeys() {
    for issuer in ["http://127.0.0.1:8080", "http://[::1]:8080"] {
        let rp = WebauthnPasskeys::new(issuer, "Tessera").unwrap();
        assert!(!rp.available(), "{issuer}");
        match rp.start_authentication(&[]) {
            Err(PasskeyError::Invalid(m)) => assert_eq!(m, "passkeys need a host name"),
            other => panic!("{other:?}"),
        }
        assert!(is_invalid(rp.start_registration(HANDLE, "a", "A", &[])));
        assert!(is_invalid(rp.finish_registration("{}", "{}")));
        assert!(is_invalid(rp.identify("{}")));
    }
}

#[test]
fn host_names_have_passkeys() {
    for issuer in [
        "http://localhost:8080",
        "https://id.example.com",
        "https://id.example.com/t/a",
    ] {
        assert!(
            WebauthnPasskeys::new(issuer, "Tessera")
                .unwrap()
                .available(),
            "{issuer}"
        );
    }
    assert!(WebauthnPasskeys::new("not a url", "Tessera").is_err());
}

#[test]
fn registration_options_require_a_discoverable_verified_credential() {
    let rp = WebauthnPasskeys::new("https://id.example.com", "Tessera").unwrap();
    let existing = [
        passkey(vec![1, 2, 3], "{}".into()),
        passkey(vec![4, 5], "{}".into()),
    ];
    let start = rp
        .start_registration(HANDLE, "alice", "Alice", &existing)
        .unwrap();
    let options: Value = serde_json::from_str(&start.options).unwrap();
    let pk = &options["publicKey"];
    assert_eq!(pk["rp"]["id"], "id.example.com");
    assert_eq!(pk["rp"]["name"], "Tessera");
    assert_eq!(pk["user"]["id"], b64(&HANDLE));
    let selection = &pk["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["requireResidentKey"], true);
    assert_eq!(selection["userVerification"], "required");
    let excluded: Vec<&str> = pk["excludeCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(excluded, [b64(&[1, 2, 3]), b64(&[4, 5])]);
    let state: Value = serde_json::from_str(&start.state).unwrap();
    assert_eq!(state["kind"], "registration");
}

#[test]
fn discoverable_options_are_modal_with_user_verification() {
    let start = rp().start_authentication(&[]).unwrap();
    let options: Value = serde_json::from_str(&start.options).unwrap();
    let pk = &options["publicKey"];
    assert_eq!(pk["rpId"], "localhost");
    assert_eq!(pk["userVerification"], "required");
    let allowed = pk.get("allowCredentials");
    assert!(
        allowed.is_none_or(|a| a.is_null() || a.as_array().is_some_and(Vec::is_empty)),
        "{allowed:?}"
    );
    assert!(
        options.get("mediation").is_none_or(Value::is_null),
        "{options}"
    );
    let state: Value = serde_json::from_str(&start.state).unwrap();
    assert_eq!(state["kind"], "discoverable");
}

#[test]
fn garbage_answers_are_invalid_never_a_panic() {
    let rp = rp();
    let mut authenticator = Authenticator::new(false);
    let reg = rp.start_registration(HANDLE, "a", "A", &[]).unwrap();
    let good_registration = authenticator.register(&reg.options);
    let new = rp
        .finish_registration(&good_registration, &reg.state)
        .unwrap();
    let record = passkey(new.credential_id, new.credential);
    let auth = rp.start_authentication(&[]).unwrap();
    let good_assertion = authenticator.assert(&auth.options, ORIGIN, Some(&HANDLE));
    // "AQ" stands for the real credential id, so the answers reach the library's checks.
    let id = b64(&authenticator.credential_id);
    let mut answers: Vec<String> = [
        "",
        "null",
        "[]",
        "{",
        "\"x\"",
        "{\"id\": 1}",
        r#"{"id":"AQ","rawId":"AQ","type":"public-key","response":{}}"#,
        r#"{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":5,"attestationObject":[]}}"#,
        r#"{"id":"AQ","rawId":"!!","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}"#,
        r#"{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}"#,
        r#"{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","userHandle":null}}"#,
        r#"{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0","authenticatorData":"AAAA","signature":"AAAA"}}"#,
    ]
    .iter()
    .map(|a| a.replace("AQ", &id))
    .collect();
    // Truncated good answers, cut inside their JSON and inside their base64 fields.
    for good in [&good_registration, &good_assertion] {
        for cut in (1..good.len()).step_by(7) {
            answers.push(good[..cut].to_owned());
        }
        let value: Value = serde_json::from_str(good).unwrap();
        for field in [
            "clientDataJSON",
            "attestationObject",
            "authenticatorData",
            "signature",
        ] {
            if let Some(text) = value["response"][field].as_str() {
                for cut in [0, 1, text.len() / 2, text.len() - 1] {
                    let mut broken = value.clone();
                    broken["response"][field] = Value::from(&text[..cut]);
                    answers.push(broken.to_string());
                }
                let mut wrong_type = value.clone();
                wrong_type["response"][field] = json!({"a": 1});
                answers.push(wrong_type.to_string());
            }
        }
    }
    for answer in &answers {
        assert!(
            is_invalid(rp.finish_registration(answer, &reg.state)),
            "{answer}"
        );
        assert!(
            is_invalid(rp.finish_authentication(answer, &auth.state, &record)),
            "{answer}"
        );
    }
    for answer in &answers[..8] {
        assert!(is_invalid(rp.identify(answer)), "{answer}");
    }
    assert_eq!(
        rp.identify(&answers[10]).unwrap(),
        (authenticator.credential_id.clone(), None)
    );
    for state in [
        "",
        "{}",
        "null",
        r#"{"kind":"registration","state":{}}"#,
        "{\"kind\":",
    ] {
        assert!(
            is_invalid(rp.finish_registration(&good_registration, state)),
            "{state}"
        );
        assert!(
            is_invalid(rp.finish_authentication(&good_assertion, state, &record)),
            "{state}"
        );
    }
    // The untouched answer still verifies: the checks above failed for the damage alone.
    assert!(rp
        .finish_authentication(&good_assertion, &auth.state, &record)
        .is_ok());
}

#[test]
fn a_state_of_another_kind_is_refused() {
    let rp = rp();
    let reg = rp.start_registration(HANDLE, "a", "A", &[]).unwrap();
    let auth = rp.start_authentication(&[]).unwrap();
    let mut authenticator = Authenticator::new(false);
    let answer = authenticator.register(&auth.options);
    match rp.finish_registration(&answer, &auth.state) {
        Err(PasskeyError::Invalid(m)) => assert_eq!(m, "not a registration"),
        other => panic!("{other:?}"),
    }
    let new = rp
        .finish_registration(&authenticator.register(&reg.options), &reg.state)
        .unwrap();
    let record = passkey(new.credential_id, new.credential);
    let assertion = authenticator.assert(&auth.options, ORIGIN, Some(&HANDLE));
    match rp.finish_authentication(&assertion, &reg.state, &record) {
        Err(PasskeyError::Invalid(m)) => assert_eq!(m, "not a sign-in"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn round_trip_discoverable_then_replay_and_wrong_origin() {
    let rp = rp();
    let mut authenticator = Authenticator::new(true);
    let reg = rp
        .start_registration(HANDLE, "alice", "Alice", &[])
        .unwrap();
    let new = rp
        .finish_registration(&authenticator.register(&reg.options), &reg.state)
        .unwrap();
    assert_eq!(new.credential_id, authenticator.credential_id);
    assert!(new.synced);
    let mut record = passkey(new.credential_id.clone(), new.credential);

    // A discoverable sign-in.
    let auth = rp.start_authentication(&[]).unwrap();
    let assertion = authenticator.assert(&auth.options, ORIGIN, Some(&HANDLE));
    assert_eq!(
        rp.identify(&assertion).unwrap(),
        (new.credential_id.clone(), Some(HANDLE.to_vec()))
    );
    let verified = rp
        .finish_authentication(&assertion, &auth.state, &record)
        .unwrap();
    assert!(verified.user_verified);
    assert!(verified.synced);
    record.credential = verified.updated_credential.expect("the counter moved");

    // The same assertion again, against a fresh ceremony's state and the updated record: the
    // counter did not move on.
    assert!(matches!(
        rp.finish_authentication(&assertion, &auth.state, &record),
        Err(PasskeyError::CounterRegression)
    ));
    // An authenticator replaying an old counter in a fresh ceremony (a clone).
    let auth = rp.start_authentication(&[]).unwrap();
    authenticator.counter = 0; // the next assertion signs count 1, the stored value
    let cloned = authenticator.assert(&auth.options, ORIGIN, Some(&HANDLE));
    assert!(matches!(
        rp.finish_authentication(&cloned, &auth.state, &record),
        Err(PasskeyError::CounterRegression)
    ));

    // A phishing origin.
    authenticator.counter = 10;
    let auth = rp.start_authentication(&[]).unwrap();
    let phished = authenticator.assert(&auth.options, "http://localhost:9090", Some(&HANDLE));
    assert!(is_invalid(rp.finish_authentication(
        &phished,
        &auth.state,
        &record
    )));
    let phished = authenticator.assert(&auth.options, "https://evil.example", Some(&HANDLE));
    assert!(is_invalid(rp.finish_authentication(
        &phished,
        &auth.state,
        &record
    )));
}

#[test]
fn round_trip_with_named_credentials() {
    let rp = rp();
    let mut authenticator = Authenticator::new(false);
    let reg = rp
        .start_registration(HANDLE, "alice", "Alice", &[])
        .unwrap();
    let new = rp
        .finish_registration(&authenticator.register(&reg.options), &reg.state)
        .unwrap();
    assert!(!new.synced);
    let record = passkey(new.credential_id.clone(), new.credential);

    let auth = rp
        .start_authentication(std::slice::from_ref(&record))
        .unwrap();
    let options: Value = serde_json::from_str(&auth.options).unwrap();
    assert_eq!(options["publicKey"]["userVerification"], "required");
    assert_eq!(
        options["publicKey"]["allowCredentials"][0]["id"],
        b64(&new.credential_id)
    );
    let state: Value = serde_json::from_str(&auth.state).unwrap();
    assert_eq!(state["kind"], "passkey");

    let assertion = authenticator.assert(&auth.options, ORIGIN, None);
    let verified = rp
        .finish_authentication(&assertion, &auth.state, &record)
        .unwrap();
    assert!(verified.user_verified && !verified.synced);
    assert!(verified.updated_credential.is_some());

    // The answer of another credential is refused.
    let other = passkey(vec![9; 16], record.credential.clone());
    assert!(is_invalid(rp.finish_authentication(
        &assertion,
        &auth.state,
        &other
    )));

    // No user verification: refused.
    authenticator.user_verified = false;
    let auth = rp
        .start_authentication(std::slice::from_ref(&record))
        .unwrap();
    let unverified = authenticator.assert(&auth.options, ORIGIN, None);
    assert!(is_invalid(rp.finish_authentication(
        &unverified,
        &auth.state,
        &record
    )));
}

#[test]
fn registration_without_user_verification_is_refused() {
    let rp = rp();
    let mut authenticator = Authenticator::new(false);
    authenticator.user_verified = false;
    let reg = rp
        .start_registration(HANDLE, "alice", "Alice", &[])
        .unwrap();
    match rp.finish_registration(&authenticator.register(&reg.options), &reg.state) {
        Err(PasskeyError::Invalid(m)) => assert_eq!(m, "user verification is required"),
        other => panic!("{other:?}"),
    }
}

/// A software authenticator: a P-256 key, "none" attestation, CBOR written by hand.
struct Authenticator {
    key: PKey<Private>,
    credential_id: Vec<u8>,
    counter: u32,
    synced: bool,
    user_verified: bool,
}

impl Authenticator {
    fn new(synced: bool) -> Self {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        Self {
            key,
            credential_id: (0u8..16).collect(),
            counter: 0,
            synced,
            user_verified: true,
        }
    }

    fn flags(&self, attested: bool) -> u8 {
        let mut flags = 0x01; // UP
        if self.user_verified {
            flags |= 0x04;
        }
        if self.synced {
            flags |= 0x08 | 0x10; // BE, BS
        }
        if attested {
            flags |= 0x40; // AT
        }
        flags
    }

    fn cose_key(&self) -> Vec<u8> {
        let ec = self.key.ec_key().unwrap();
        let mut ctx = BigNumContext::new().unwrap();
        let (mut x, mut y) = (
            openssl::bn::BigNum::new().unwrap(),
            openssl::bn::BigNum::new().unwrap(),
        );
        ec.public_key()
            .affine_coordinates(ec.group(), &mut x, &mut y, &mut ctx)
            .unwrap();
        let mut out = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        out.extend(x.to_vec_padded(32).unwrap());
        out.extend([0x22, 0x58, 0x20]);
        out.extend(y.to_vec_padded(32).unwrap());
        out
    }

    fn client_data(kind: &str, options: &str, origin: &str) -> Vec<u8> {
        let options: Value = serde_json::from_str(options).unwrap();
        json!({
            "type": kind,
            "challenge": options["publicKey"]["challenge"],
            "origin": origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    /// The browser's answer to `navigator.credentials.create`.
    fn register(&mut self, options: &str) -> String {
        let client_data = Self::client_data("webauthn.create", options, ORIGIN);
        let mut auth_data = sha256(b"localhost").to_vec();
        auth_data.push(self.flags(true));
        auth_data.extend(self.counter.to_be_bytes());
        auth_data.extend([0u8; 16]); // AAGUID
        auth_data.extend(
            u16::try_from(self.credential_id.len())
                .unwrap()
                .to_be_bytes(),
        );
        auth_data.extend(&self.credential_id);
        auth_data.extend(self.cose_key());
        let mut object = vec![0xa3, 0x63];
        object.extend(b"fmt");
        object.push(0x64);
        object.extend(b"none");
        object.push(0x67);
        object.extend(b"attStmt");
        object.push(0xa0);
        object.push(0x68);
        object.extend(b"authData");
        object.push(0x58);
        object.push(u8::try_from(auth_data.len()).unwrap());
        object.extend(auth_data);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&object),
                "clientDataJSON": b64(&client_data),
            },
            "extensions": {},
        })
        .to_string()
    }

    /// The browser's answer to `navigator.credentials.get`; the counter moves on first.
    fn assert(&mut self, options: &str, origin: &str, handle: Option<&[u8]>) -> String {
        self.counter += 1;
        let client_data = Self::client_data("webauthn.get", options, origin);
        let mut auth_data = sha256(b"localhost").to_vec();
        auth_data.push(self.flags(false));
        auth_data.extend(self.counter.to_be_bytes());
        let mut signer = Signer::new(MessageDigest::sha256(), &self.key).unwrap();
        signer.update(&auth_data).unwrap();
        signer.update(&sha256(&client_data)).unwrap();
        let signature = signer.sign_to_vec().unwrap();
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(&signature),
                "userHandle": handle.map(b64),
            },
            "extensions": {},
        })
        .to_string()
    }
}
