use super::*;
use serde_json::json;

const NOW: i64 = 1_000_000;

fn expected() -> ExpectedIdToken<'static> {
    ExpectedIdToken {
        issuer: "https://up.example",
        client_id: "tessera",
        nonce: "n-0S6_WzA2Mj",
        now: UnixTime::from_secs(NOW),
    }
}

fn claims(changes: Value) -> Map<String, Value> {
    let mut c = json!({
        "iss": "https://up.example", "sub": "248289761001", "aud": "tessera",
        "exp": NOW + 300, "iat": NOW - 5, "nonce": "n-0S6_WzA2Mj",
    });
    if let (Some(base), Value::Object(ch)) = (c.as_object_mut(), changes) {
        for (k, v) in ch {
            if v.is_null() {
                base.remove(&k);
            } else {
                base.insert(k, v);
            }
        }
    }
    c.as_object().cloned().unwrap()
}

#[test]
fn a_good_token_yields_its_subject() {
    let sub = check_id_token_claims(&claims(json!({})), expected()).unwrap();
    assert_eq!(sub.as_str(), "248289761001");
    let listed = claims(json!({"aud": ["tessera"], "azp": "tessera"}));
    assert!(check_id_token_claims(&listed, expected()).is_ok());
}

#[test]
fn every_step_of_3_1_3_7_refuses() {
    use IdTokenRejection as R;
    let cases = [
        (json!({"iss": "https://up.example/"}), R::Issuer),
        (json!({"iss": null}), R::Issuer),
        (json!({"aud": "other"}), R::Audience),
        (json!({"aud": ["tessera", "other"]}), R::Audience),
        (json!({"aud": []}), R::Audience),
        (json!({"aud": [1]}), R::Audience),
        (json!({"azp": "other"}), R::AuthorizedParty),
        (json!({"exp": NOW - 61}), R::Expired),
        (json!({"exp": null}), R::Expired),
        (json!({"iat": NOW + 61}), R::IssuedAt),
        (json!({"iat": NOW - 601}), R::IssuedAt),
        (json!({"iat": null}), R::IssuedAt),
        (json!({"nonce": "n-0S6_WzA2MJ"}), R::Nonce),
        (json!({"nonce": null}), R::Nonce),
        (json!({"sub": null}), R::Subject(None)),
    ];
    for (change, want) in cases {
        let got = check_id_token_claims(&claims(change.clone()), expected());
        assert_eq!(got.err(), Some(want), "{change}");
    }
}

#[test]
fn email_verified_counts_only_when_true() {
    let c = claims(json!({"email": "a@b.example", "email_verified": true}));
    assert_eq!(
        email_from_claims(&c, "email"),
        Some(("a@b.example".into(), true))
    );
    let c = claims(json!({"mail": "a@b.example", "email_verified": "yes"}));
    assert_eq!(
        email_from_claims(&c, "mail"),
        Some(("a@b.example".into(), false))
    );
    assert_eq!(email_from_claims(&c, "email"), None);
}
