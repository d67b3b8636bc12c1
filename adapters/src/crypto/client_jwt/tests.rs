use super::*;
use crate::crypto::{AeadKeyCipher, CipherPurpose};
use crate::outbound::tests::{response, LocalServer};
use crate::outbound::{OutboundClient, OutboundSettings};
use josekit::jwk::{Jwk, KeyPair};
use josekit::jws::{JwsHeader, JwsSigner};
use secrecy::SecretString;
use serde_json::json;
use std::sync::Mutex;
use std::time::Duration;
use tessera_domain::{ClientId, ClientSecurity, GrantType, ScopeSet, TokenDigest, UnixTime};

const ALL: &[&str] = &[
    "RS256", "PS256", "ES256", "EdDSA", "HS256", "RS384", "ES384", "PS512",
];
const SECRET: &str = "a-client-secret-of-43-characters-0123456789";

fn cipher() -> Arc<dyn KeyCipher> {
    Arc::new(AeadKeyCipher::from_secret(
        &SecretString::from("test-secret-key-of-at-least-32-characters".to_owned()),
        CipherPurpose::ClientSecrets,
    ))
}

fn outbound() -> OutboundClient {
    OutboundClient::new(OutboundSettings {
        allow_private_addresses: true,
        timeout: Duration::from_secs(2),
    })
    .unwrap()
}

fn verifier() -> JosekitClientJwtVerifier {
    JosekitClientJwtVerifier::new(ClientKeySets::new(outbound()), cipher())
}

fn client(method: TokenEndpointAuthMethod, jwks: ClientJwks) -> Client {
    let sealed_secret = (method == TokenEndpointAuthMethod::ClientSecretJwt)
        .then(|| cipher().encrypt(SECRET.as_bytes(), b"svc").unwrap());
    Client {
        id: ClientId::parse("svc").unwrap(),
        name: "svc".into(),
        secret_digest: (method == TokenEndpointAuthMethod::ClientSecretJwt)
            .then(|| TokenDigest::of(SECRET)),
        auth_method: method,
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("").unwrap(),
        skip_consent: false,
        require_mfa: false,
        created_at: UnixTime::from_secs(1),
        exchange_audiences: vec![],
        metadata: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        security: ClientSecurity {
            jwks,
            sealed_secret,
            ..Default::default()
        },
    }
}

/// A key pair: its signer and its public JWK (with `kid`).
struct Key {
    signer: Box<dyn JwsSigner>,
    public: Map<String, Value>,
}

fn key(alg: &str, kid: &str) -> Key {
    use josekit::jws::{EdDSA, ES256, ES384, PS256, PS512, RS256, RS384};
    let (private, public): (Jwk, Jwk) = match alg {
        "RS256" | "RS384" | "PS256" | "PS512" => {
            let kp = RS256.generate_key_pair(2048).unwrap();
            (kp.to_jwk_private_key(), kp.to_jwk_public_key())
        }
        "ES256" => {
            let kp = ES256.generate_key_pair().unwrap();
            (kp.to_jwk_private_key(), kp.to_jwk_public_key())
        }
        "ES384" => {
            let kp = ES384.generate_key_pair().unwrap();
            (kp.to_jwk_private_key(), kp.to_jwk_public_key())
        }
        "EdDSA" => {
            let kp = EdDSA
                .generate_key_pair(josekit::jwk::alg::ed::EdCurve::Ed25519)
                .unwrap();
            (kp.to_jwk_private_key(), kp.to_jwk_public_key())
        }
        other => panic!("{other}"),
    };
    // The generated JWKs name the algorithm they were made for; these keys sign with several.
    let strip = |jwk: Jwk| {
        let mut map: Map<String, Value> = jwk.into();
        map.remove("alg");
        Jwk::from_map(map).unwrap()
    };
    let (private, public) = (strip(private), strip(public));
    let signer: Box<dyn JwsSigner> = match alg {
        "RS256" => Box::new(RS256.signer_from_jwk(&private).unwrap()),
        "RS384" => Box::new(RS384.signer_from_jwk(&private).unwrap()),
        "PS256" => Box::new(PS256.signer_from_jwk(&private).unwrap()),
        "PS512" => Box::new(PS512.signer_from_jwk(&private).unwrap()),
        "ES256" => Box::new(ES256.signer_from_jwk(&private).unwrap()),
        "ES384" => Box::new(ES384.signer_from_jwk(&private).unwrap()),
        "EdDSA" => Box::new(EdDSA.signer_from_jwk(&private).unwrap()),
        other => panic!("{other}"),
    };
    let mut public = public.as_ref().clone();
    public.insert("kid".into(), json!(kid));
    Key { signer, public }
}

fn jwks(keys: &[&Key]) -> String {
    json!({"keys": keys.iter().map(|k| Value::Object(k.public.clone())).collect::<Vec<_>>()})
        .to_string()
}

fn claims() -> Value {
    json!({"iss": "svc", "sub": "svc", "aud": "https://issuer.test", "jti": "j1", "exp": 2})
}

fn sign(k: &Key, kid: Option<&str>, typ: Option<&str>) -> String {
    let mut header = JwsHeader::new();
    if let Some(kid) = kid {
        header.set_key_id(kid);
    }
    if let Some(typ) = typ {
        header.set_token_type(typ);
    }
    josekit::jws::serialize_compact(claims().to_string().as_bytes(), &header, k.signer.as_ref())
        .unwrap()
}

fn hmac(alg: &str, secret: &[u8], kid: Option<&str>) -> String {
    let signer: Box<dyn JwsSigner> = match alg {
        "HS256" => Box::new(josekit::jws::HS256.signer_from_bytes(secret).unwrap()),
        "HS512" => Box::new(josekit::jws::HS512.signer_from_bytes(secret).unwrap()),
        other => panic!("{other}"),
    };
    let mut header = JwsHeader::new();
    if let Some(kid) = kid {
        header.set_key_id(kid);
    }
    josekit::jws::serialize_compact(claims().to_string().as_bytes(), &header, signer.as_ref())
        .unwrap()
}

fn unsigned(header: Value) -> String {
    format!(
        "{}.{}.",
        B64.encode(header.to_string()),
        B64.encode(claims().to_string())
    )
}

fn inline(keys: &[&Key]) -> Client {
    client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        ClientJwks::Inline(jwks(keys)),
    )
}

#[tokio::test]
async fn every_asymmetric_algorithm_verifies_with_an_inline_key() {
    for alg in [
        "RS256", "PS256", "ES256", "EdDSA", "RS384", "ES384", "PS512",
    ] {
        let k = key(alg, "k1");
        let c = inline(&[&k]);
        let got = verifier()
            .verify(&c, &sign(&k, Some("k1"), None), ALL, None)
            .await
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(got.alg, alg);
        assert_eq!(got.kid.as_deref(), Some("k1"));
        assert_eq!(Value::Object(got.claims), claims());
    }
}

#[tokio::test]
async fn without_a_kid_every_fitting_key_is_tried() {
    let (a, b) = (key("ES256", "a"), key("ES256", "b"));
    let c = inline(&[&a, &b]);
    let got = verifier()
        .verify(&c, &sign(&b, None, None), ALL, None)
        .await
        .unwrap();
    assert_eq!(got.kid, None);
}

#[tokio::test]
async fn a_wrong_signature_or_another_key_is_refused() {
    let (a, b) = (key("ES256", "a"), key("ES256", "b"));
    let c = inline(&[&a]);
    let v = verifier();
    // b's signature under a's kid: the key is found, the signature does not verify.
    assert_eq!(
        v.verify(&c, &sign(&b, Some("a"), None), ALL, None).await,
        Err(ClientJwtError::Signature)
    );
    // b's kid is not registered.
    assert_eq!(
        v.verify(&c, &sign(&b, Some("b"), None), ALL, None).await,
        Err(ClientJwtError::UnknownKey)
    );
    // A tampered payload.
    let t = sign(&a, Some("a"), None);
    let mut parts: Vec<&str> = t.split('.').collect();
    let other = B64.encode(json!({"iss": "evil"}).to_string());
    parts[1] = &other;
    assert_eq!(
        v.verify(&c, &parts.join("."), ALL, None).await,
        Err(ClientJwtError::Signature)
    );
}

#[tokio::test]
async fn a_key_of_another_kind_than_the_algorithm_is_unknown() {
    let ec = key("ES256", "k1");
    let rsa = key("RS256", "k1");
    // An RS256 token whose kid names an EC key.
    let c = inline(&[&ec]);
    assert_eq!(
        verifier()
            .verify(&c, &sign(&rsa, Some("k1"), None), ALL, None)
            .await,
        Err(ClientJwtError::UnknownKey)
    );
}

#[tokio::test]
async fn the_allow_list_and_none_are_enforced() {
    let k = key("RS256", "k1");
    let c = inline(&[&k]);
    let v = verifier();
    assert_eq!(
        v.verify(&c, &sign(&k, Some("k1"), None), &["PS256", "ES256"], None)
            .await,
        Err(ClientJwtError::Algorithm("RS256".into()))
    );
    for alg in ["none", "None", "NONE"] {
        let t = unsigned(json!({"alg": alg, "kid": "k1"}));
        let mut allowed = ALL.to_vec();
        allowed.push(alg);
        assert_eq!(
            v.verify(&c, &t, &allowed, None).await,
            Err(ClientJwtError::Algorithm(alg.into())),
            "{alg}"
        );
    }
    // Allowed by the caller but unknown here.
    let t = unsigned(json!({"alg": "ES256K", "kid": "k1"}));
    assert_eq!(
        v.verify(&c, &t, &["ES256K"], None).await,
        Err(ClientJwtError::Algorithm("ES256K".into()))
    );
}

#[tokio::test]
async fn an_hmac_with_the_public_key_of_a_key_client_is_refused() {
    let k = key("RS256", "k1");
    let c = inline(&[&k]);
    // The classic confusion: the public key's bytes as the HMAC secret.
    let public_bytes = jwks(&[&k]);
    let t = hmac("HS256", public_bytes.as_bytes(), Some("k1"));
    assert_eq!(
        verifier().verify(&c, &t, ALL, None).await,
        Err(ClientJwtError::Algorithm("HS256".into()))
    );
    let n = k.public["n"].as_str().unwrap().as_bytes();
    let t = hmac("HS256", n, None);
    assert_eq!(
        verifier().verify(&c, &t, ALL, None).await,
        Err(ClientJwtError::Algorithm("HS256".into()))
    );
}

#[tokio::test]
async fn client_secret_jwt_checks_the_hmac_over_the_unsealed_secret() {
    let c = client(TokenEndpointAuthMethod::ClientSecretJwt, ClientJwks::None);
    let v = verifier();
    let got = v
        .verify(&c, &hmac("HS256", SECRET.as_bytes(), None), ALL, None)
        .await
        .unwrap();
    assert_eq!(got.alg, "HS256");
    assert_eq!(
        v.verify(
            &c,
            &hmac(
                "HS256",
                b"another-secret-of-43-characters-0123456789x",
                None
            ),
            ALL,
            None
        )
        .await,
        Err(ClientJwtError::Signature)
    );
    // An asymmetric algorithm for a client that has only a secret.
    let k = key("ES256", "k1");
    assert_eq!(
        v.verify(&c, &sign(&k, Some("k1"), None), ALL, None).await,
        Err(ClientJwtError::Algorithm("ES256".into()))
    );
    // HS512 needs a 64-byte secret: no usable key.
    assert_eq!(
        v.verify(&c, &hmac("HS512", &[7u8; 64], None), &["HS512"], None)
            .await,
        Err(ClientJwtError::UnknownKey)
    );
}

#[tokio::test]
async fn a_sealed_secret_bound_to_another_client_does_not_open() {
    let mut c = client(TokenEndpointAuthMethod::ClientSecretJwt, ClientJwks::None);
    c.security.sealed_secret = Some(cipher().encrypt(SECRET.as_bytes(), b"other").unwrap());
    assert_eq!(
        verifier()
            .verify(&c, &hmac("HS256", SECRET.as_bytes(), None), ALL, None)
            .await,
        Err(ClientJwtError::UnknownKey)
    );
}

#[tokio::test]
async fn an_hmac_for_a_client_of_another_method_is_refused() {
    let c = client(TokenEndpointAuthMethod::ClientSecretBasic, ClientJwks::None);
    assert_eq!(
        verifier()
            .verify(&c, &hmac("HS256", SECRET.as_bytes(), None), ALL, None)
            .await,
        Err(ClientJwtError::Algorithm("HS256".into()))
    );
    let k = key("ES256", "k1");
    assert_eq!(
        verifier()
            .verify(&c, &sign(&k, Some("k1"), None), ALL, None)
            .await,
        Err(ClientJwtError::UnknownKey)
    );
}

#[tokio::test]
async fn typ_is_checked_when_asked() {
    let k = key("ES256", "k1");
    let c = inline(&[&k]);
    let v = verifier();
    let t = sign(&k, Some("k1"), Some("oauth-authz-req+jwt"));
    assert!(v
        .verify(&c, &t, ALL, Some("application/oauth-authz-req+jwt"))
        .await
        .is_ok());
    assert_eq!(
        v.verify(
            &c,
            &sign(&k, Some("k1"), Some("JWT")),
            ALL,
            Some("oauth-authz-req+jwt")
        )
        .await,
        Err(ClientJwtError::Type)
    );
    assert_eq!(
        v.verify(
            &c,
            &sign(&k, Some("k1"), None),
            ALL,
            Some("oauth-authz-req+jwt")
        )
        .await,
        Err(ClientJwtError::Type)
    );
}

#[tokio::test]
async fn malformed_tokens_and_key_references_in_the_header_are_refused() {
    let k = key("ES256", "k1");
    let c = inline(&[&k]);
    let v = verifier();
    let good = sign(&k, Some("k1"), None);
    let (hp, _) = good.rsplit_once('.').unwrap();
    for bad in [
        String::new(),
        hp.to_owned(),
        format!("{good}.x"),
        format!("{hp}.!!"),
        format!("{good}{}", "A".repeat(MAX_TOKEN_LEN)),
        format!("{}.e30.AQID", B64.encode("not json")),
        format!("{}.e30.AQID", B64.encode(r#"{"alg":"none","alg":"ES256"}"#)),
        // Found with the fuzz targets' header checks: a JSON array of the members in order
        // is not a header.
        format!("{}.e30.AQID", B64.encode(r#"["ES256","JWT","k1"]"#)),
    ] {
        assert_eq!(
            v.verify(&c, &bad, ALL, None).await,
            Err(ClientJwtError::Malformed),
            "{bad}"
        );
    }
    for member in ["jwk", "jku", "x5u", "x5c", "crit"] {
        let mut header = json!({"alg": "ES256", "kid": "k1"});
        header[member] = json!(null);
        let t = format!("{}.e30.AQID", B64.encode(header.to_string()));
        assert_eq!(
            v.verify(&c, &t, ALL, None).await,
            Err(ClientJwtError::Malformed),
            "{member}"
        );
    }
}

#[tokio::test]
async fn private_members_in_a_registered_set_are_never_used() {
    // A set that (wrongly) carries an oct key: never an HMAC key, never a candidate.
    let c = client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        ClientJwks::Inline(json!({"keys": [{"kty": "oct", "k": B64.encode(SECRET)}]}).to_string()),
    );
    assert_eq!(
        verifier()
            .verify(&c, &hmac("HS256", SECRET.as_bytes(), None), ALL, None)
            .await,
        Err(ClientJwtError::Algorithm("HS256".into()))
    );
}

/// A local server publishing whatever set `published` holds, with `cache_control`.
async fn jwks_server(published: Arc<Mutex<String>>, cache_control: &'static str) -> LocalServer {
    LocalServer::start(move |_path| {
        let body = published.lock().unwrap().clone();
        Some(response(
            "200 OK",
            &[
                ("Cache-Control", cache_control),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        ))
    })
    .await
}

#[tokio::test]
async fn a_jwks_uri_is_fetched_once_and_cached() {
    let k = key("ES256", "k1");
    let published = Arc::new(Mutex::new(jwks(&[&k])));
    let server = jwks_server(published, "max-age=600").await;
    let c = client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        ClientJwks::Uri(server.url("/jwks.json")),
    );
    let v = verifier();
    for _ in 0..3 {
        v.verify(&c, &sign(&k, Some("k1"), None), ALL, None)
            .await
            .unwrap();
    }
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_and_finds_a_rotated_key() {
    let old = key("ES256", "old");
    let new = key("EdDSA", "new");
    let published = Arc::new(Mutex::new(jwks(&[&old])));
    let server = jwks_server(published.clone(), "max-age=600").await;
    let c = client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        ClientJwks::Uri(server.url("/jwks.json")),
    );
    let v = verifier();
    v.verify(&c, &sign(&old, Some("old"), None), ALL, None)
        .await
        .unwrap();
    *published.lock().unwrap() = jwks(&[&old, &new]);
    v.verify(&c, &sign(&new, Some("new"), None), ALL, None)
        .await
        .unwrap();
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn refetches_for_unknown_kids_are_rate_limited() {
    let k = key("ES256", "k1");
    let stranger = key("ES256", "zz");
    let published = Arc::new(Mutex::new(jwks(&[&k])));
    let server = jwks_server(published, "max-age=600").await;
    let c = client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        ClientJwks::Uri(server.url("/jwks.json")),
    );
    let v = verifier();
    for _ in 0..5 {
        assert_eq!(
            v.verify(&c, &sign(&stranger, Some("zz"), None), ALL, None)
                .await,
            Err(ClientJwtError::UnknownKey)
        );
    }
    // One fetch, one refetch; the other four unknown kids were answered from the cache.
    assert_eq!(server.connections(), 2);
    // Once the interval has passed, another refetch is allowed.
    let v = JosekitClientJwtVerifier::new(
        ClientKeySets::with_refetch_interval(outbound(), Duration::from_millis(50)),
        cipher(),
    );
    let server = jwks_server(Arc::new(Mutex::new(jwks(&[&k]))), "max-age=600").await;
    let c = client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        ClientJwks::Uri(server.url("/jwks.json")),
    );
    let unknown = sign(&stranger, Some("zz"), None);
    let _ = v.verify(&c, &unknown, ALL, None).await;
    tokio::time::sleep(Duration::from_millis(120)).await;
    let _ = v.verify(&c, &unknown, ALL, None).await;
    assert_eq!(server.connections(), 3);
}

#[tokio::test]
async fn a_no_store_set_is_fetched_every_time() {
    let k = key("ES256", "k1");
    let server = jwks_server(Arc::new(Mutex::new(jwks(&[&k]))), "no-store").await;
    let c = client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        ClientJwks::Uri(server.url("/jwks.json")),
    );
    let v = verifier();
    v.verify(&c, &sign(&k, Some("k1"), None), ALL, None)
        .await
        .unwrap();
    v.verify(&c, &sign(&k, Some("k1"), None), ALL, None)
        .await
        .unwrap();
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn an_unreachable_or_forbidden_jwks_uri_is_keys_unavailable() {
    let k = key("ES256", "k1");
    // Loopback without allow_private_addresses: refused before any connection.
    let v = JosekitClientJwtVerifier::new(
        ClientKeySets::new(OutboundClient::new(OutboundSettings::default()).unwrap()),
        cipher(),
    );
    let server = jwks_server(Arc::new(Mutex::new(jwks(&[&k]))), "max-age=600").await;
    let c = client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        ClientJwks::Uri(server.url("/jwks.json")),
    );
    assert!(matches!(
        v.verify(&c, &sign(&k, Some("k1"), None), ALL, None).await,
        Err(ClientJwtError::KeysUnavailable(_))
    ));
    assert_eq!(server.connections(), 0);
    // Not JSON.
    let server = LocalServer::start(|_| Some(response("200 OK", &[], b"<html>"))).await;
    let c = client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        ClientJwks::Uri(server.url("/jwks.json")),
    );
    assert!(matches!(
        verifier()
            .verify(&c, &sign(&k, Some("k1"), None), ALL, None)
            .await,
        Err(ClientJwtError::KeysUnavailable(_))
    ));
}

#[test]
fn typ_compares_as_a_media_type() {
    assert!(same_media_type("JWT", "application/jwt"));
    assert!(same_media_type(
        "Application/Oauth-Authz-Req+JWT",
        "oauth-authz-req+jwt"
    ));
    assert!(!same_media_type("text/jwt", "jwt"));
    assert!(!same_media_type("", "jwt"));
}
