//! End to end over real HTTP: a service registers, gets a signed token with a real OAuth client
//! library, a resource server introspects and revokes it. Every test runs on both backends.

use crate::support;

use crate::support::{Creds, TestApp};
use base64::Engine;
use josekit::jwk::JwkSet;
use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
use serde_json::Value;
use tessera_server::config::Budget;
use tessera_tests::{both_backends, TestDatabase};

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

/// Verifies `token` against the published JWKS with josekit, independently of Tessera's code.
async fn verify_with_jwks(app: &TestApp, token: &str) -> (Value, Value) {
    let jwks = app
        .http
        .get(app.url("/jwks"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let set = JwkSet::from_bytes(&jwks).unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let kid = header["kid"].as_str().unwrap();
    let jwk = set.get(kid).into_iter().next().expect("kid is published");
    let payload = match header["alg"].as_str().unwrap() {
        "RS256" => {
            let v = josekit::jws::RS256.verifier_from_jwk(jwk).unwrap();
            josekit::jwt::decode_with_verifier(token, &v).unwrap().0
        }
        "ES256" => {
            let v = josekit::jws::ES256.verifier_from_jwk(jwk).unwrap();
            josekit::jwt::decode_with_verifier(token, &v).unwrap().0
        }
        "EdDSA" => {
            let v = josekit::jws::EdDSA.verifier_from_jwk(jwk).unwrap();
            josekit::jwt::decode_with_verifier(token, &v).unwrap().0
        }
        other => panic!("unexpected alg {other}"),
    };
    (header, Value::Object(payload.claims_set().clone()))
}

async fn full_flow_with_the_oauth2_crate(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_basic").await;
    let rs = app.service_client("client_secret_basic").await;

    let client = BasicClient::new(ClientId::new(svc.id.clone()))
        .set_client_secret(ClientSecret::new(svc.secret.clone()))
        .set_auth_type(AuthType::BasicAuth)
        .set_token_uri(TokenUrl::new(app.url("/token")).unwrap());
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("read".into()))
        .request_async(&app.http)
        .await
        .expect("token from the oauth2 crate");
    let at = token.access_token().secret().clone();
    assert_eq!(token.scopes().unwrap(), &vec![Scope::new("read".into())]);
    assert!(token.expires_in().is_some());

    let (header, claims) = verify_with_jwks(&app, &at).await;
    assert_eq!(header["typ"], "at+jwt", "RFC 9068 typ");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], app.base.as_str());
    assert_eq!(claims["sub"], svc.id.as_str());
    assert_eq!(claims["client_id"], svc.id.as_str());
    assert_eq!(claims["scope"], "read");
    for k in ["aud", "exp", "iat", "jti"] {
        assert!(claims.get(k).is_some(), "AS_31: claim {k}");
    }

    let active = app.introspect(&rs, &at).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], svc.id.as_str());
    assert_eq!(active["scope"], "read");

    let res = app
        .post_form("/revoke", Some(&svc), &[("token", &at)])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.introspect(&rs, &at).await,
        serde_json::json!({"active": false})
    );
    app.stop().await;
}
both_backends!(full_flow, full_flow_with_the_oauth2_crate);

async fn client_secret_post_and_default_scope(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_post").await;
    let client = BasicClient::new(ClientId::new(svc.id.clone()))
        .set_client_secret(ClientSecret::new(svc.secret.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(TokenUrl::new(app.url("/token")).unwrap());
    let token = client
        .exchange_client_credentials()
        .request_async(&app.http)
        .await
        .expect("token with client_secret_post");
    let (_, claims) = verify_with_jwks(&app, token.access_token().secret()).await;
    assert_eq!(
        claims["scope"], "read write",
        "no scope asked: the client's defaults"
    );

    // The client registered client_secret_post: Basic is refused.
    let res = app
        .post_form(
            "/token",
            Some(&svc),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(res.status(), 401);
    app.stop().await;
}
both_backends!(secret_post, client_secret_post_and_default_scope);

async fn assert_oauth_error(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(
        res.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "errors carry Cache-Control: no-store"
    );
    let www = res.headers().get("www-authenticate").cloned();
    let body: Value = res.json().await.expect("JSON error body");
    assert_eq!(body["error"], code, "{body}");
    assert!(body["error_description"].is_string());
    if code == "invalid_client" {
        assert!(www.is_some(), "401 invalid_client carries WWW-Authenticate");
    }
    body
}

async fn token_endpoint_errors(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_basic").await;
    let wrong = Creds {
        id: svc.id.clone(),
        secret: "wrong".into(),
    };
    let nobody = Creds {
        id: "nobody".into(),
        secret: "x".into(),
    };
    let cc = [("grant_type", "client_credentials")];

    assert_oauth_error(
        app.post_form("/token", Some(&wrong), &cc).await,
        401,
        "invalid_client",
    )
    .await;
    assert_oauth_error(
        app.post_form("/token", Some(&nobody), &cc).await,
        401,
        "invalid_client",
    )
    .await;
    assert_oauth_error(
        app.post_form("/token", None, &cc).await,
        401,
        "invalid_client",
    )
    .await;
    assert_oauth_error(
        app.post_form(
            "/token",
            Some(&svc),
            &[
                ("grant_type", "client_credentials"),
                ("scope", "read admin"),
            ],
        )
        .await,
        400,
        "invalid_scope",
    )
    .await;
    // AS-20: no password grant, no implicit.
    assert_oauth_error(
        app.post_form(
            "/token",
            Some(&svc),
            &[
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
            ],
        )
        .await,
        400,
        "unsupported_grant_type",
    )
    .await;
    assert_oauth_error(
        app.post_form("/token", Some(&svc), &[]).await,
        400,
        "invalid_request",
    )
    .await;
    // AS-09: a repeated parameter.
    assert_oauth_error(
        app.post_form(
            "/token",
            Some(&svc),
            &[
                ("grant_type", "client_credentials"),
                ("scope", "read"),
                ("scope", "write"),
            ],
        )
        .await,
        400,
        "invalid_request",
    )
    .await;
    // AS-28: two authentication methods in one request.
    assert_oauth_error(
        app.post_form(
            "/token",
            Some(&svc),
            &[
                ("grant_type", "client_credentials"),
                ("client_secret", &svc.secret),
            ],
        )
        .await,
        400,
        "invalid_request",
    )
    .await;
    // Not a form, garbage bytes, a broken Basic header, an oversized body: 4xx, never 5xx.
    let res = app
        .http
        .post(app.url("/token"))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 400, "invalid_request").await;
    let res = app
        .http
        .post(app.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, b'=', 0x00])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let res = app
        .http
        .post(app.url("/token"))
        .header("authorization", "Basic %%%")
        .form(&cc)
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 401, "invalid_client").await;
    let big = "a".repeat(64 * 1024);
    let res = app
        .http
        .post(app.url("/token"))
        .form(&[("grant_type", "client_credentials"), ("pad", &big)])
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 413, "invalid_request").await;
    let res = app.http.get(app.url("/token")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    let res = app.http.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let _: Value = res.json().await.expect("404 is JSON too");
    app.stop().await;
}
both_backends!(token_errors, token_endpoint_errors);

async fn as_26_token_responses_are_not_cached(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_basic").await;
    let res = app
        .post_form(
            "/token",
            Some(&svc),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["pragma"], "no-cache");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let res = app
        .post_form(
            "/introspect",
            Some(&svc),
            &[("token", body["access_token"].as_str().unwrap())],
        )
        .await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    app.stop().await;
}
both_backends!(as_26_no_store, as_26_token_responses_are_not_cached);

async fn introspection_refuses_forged_tokens(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_basic").await;
    let at = app.token(&svc, None).await;
    let parts: Vec<&str> = at.split('.').collect();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .unwrap(),
    )
    .unwrap();

    // alg: none.
    let none = format!(
        "{}.{}.",
        b64(&serde_json::json!({"alg": "none", "typ": "at+jwt", "kid": header["kid"]})),
        parts[1]
    );
    // HS256 keyed with the public JWK's bytes.
    let jwks = app
        .http
        .get(app.url("/jwks"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let hs_header = serde_json::json!({"alg": "HS256", "typ": "at+jwt", "kid": header["kid"]});
    let signer = josekit::jws::HS256
        .signer_from_bytes(jwks.as_bytes())
        .unwrap();
    let mut jh = josekit::jws::JwsHeader::from_map(hs_header.as_object().unwrap().clone()).unwrap();
    jh.set_token_type("at+jwt");
    let hs = josekit::jws::serialize_compact(parts[1].as_bytes(), &jh, &signer).unwrap_or_default();
    // A tampered payload with the original signature.
    let mut wider = claims.clone();
    wider["scope"] = "read write admin".into();
    let tampered = format!("{}.{}.{}", parts[0], b64(&wider), parts[2]);
    // An embedded key in the header.
    let jwk_header = format!(
        "{}.{}.{}",
        b64(
            &serde_json::json!({"alg": "RS256", "typ": "at+jwt", "kid": header["kid"], "jwk": {"kty": "oct"}})
        ),
        parts[1],
        parts[2]
    );
    // The right token but with typ changed (an ID token would look like this).
    let wrong_typ = format!(
        "{}.{}.{}",
        b64(&serde_json::json!({"alg": header["alg"], "typ": "JWT", "kid": header["kid"]})),
        parts[1],
        parts[2]
    );

    for forged in [
        none.as_str(),
        hs.as_str(),
        tampered.as_str(),
        jwk_header.as_str(),
        wrong_typ.as_str(),
        "garbage",
        "a.b.c",
        "",
    ] {
        let res = app
            .post_form("/introspect", Some(&svc), &[("token", forged)])
            .await;
        if forged.is_empty() {
            assert_eq!(res.status(), 400, "missing token is invalid_request");
            continue;
        }
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body, serde_json::json!({"active": false}), "{forged}");
    }
    // The genuine one still works, and only authenticated callers may ask.
    assert_eq!(app.introspect(&svc, &at).await["active"], true);
    let res = app.post_form("/introspect", None, &[("token", &at)]).await;
    assert_oauth_error(res, 401, "invalid_client").await;
    app.stop().await;
}
both_backends!(forged_tokens, introspection_refuses_forged_tokens);

async fn revocation_rules(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let owner = app.service_client("client_secret_basic").await;
    let other = app.service_client("client_secret_basic").await;
    let at = app.token(&owner, None).await;
    let res = app
        .post_form("/revoke", Some(&other), &[("token", &at)])
        .await;
    assert_oauth_error(res, 400, "unauthorized_client").await;
    assert_eq!(
        app.introspect(&other, &at).await["active"],
        true,
        "a stranger cannot revoke"
    );
    // Unknown tokens: 200 (RFC 7009 §2.2).
    let res = app
        .post_form("/revoke", Some(&owner), &[("token", "not-a-token")])
        .await;
    assert_eq!(res.status(), 200);
    // Revoking twice is fine.
    for _ in 0..2 {
        let res = app
            .post_form(
                "/revoke",
                Some(&owner),
                &[("token", &at), ("token_type_hint", "access_token")],
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    assert_eq!(app.introspect(&other, &at).await["active"], false);
    let res = app.post_form("/revoke", None, &[("token", &at)]).await;
    assert_oauth_error(res, 401, "invalid_client").await;
    app.stop().await;
}
both_backends!(revocation, revocation_rules);

async fn as_11_discovery_jwks_and_health(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let res = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        let doc: Value = res.json().await.unwrap();
        assert_eq!(doc["issuer"], app.base.as_str());
        for (k, p) in [
            ("token_endpoint", "/token"),
            ("jwks_uri", "/jwks"),
            ("introspection_endpoint", "/introspect"),
            ("revocation_endpoint", "/revoke"),
            ("device_authorization_endpoint", "/device_authorization"),
        ] {
            assert_eq!(doc[k], app.url(p), "{k} is absolute under the issuer");
        }
        assert_eq!(
            doc["grant_types_supported"],
            serde_json::json!([
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "urn:ietf:params:oauth:grant-type:device_code",
                "urn:ietf:params:oauth:grant-type:token-exchange"
            ])
        );
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
        assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
        for (k, p) in [
            ("authorization_endpoint", "/authorize"),
            ("userinfo_endpoint", "/userinfo"),
            ("end_session_endpoint", "/logout"),
        ] {
            assert_eq!(doc[k], app.url(p), "{k}");
        }
        let res = app
            .http
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 304);
    }
    let res = app.http.get(app.url("/jwks")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age="));
    assert!(res.headers().contains_key("etag"));
    let jwks: Value = res.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(
        keys.len(),
        2,
        "the active key and its pre-published successor"
    );
    for k in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(k.get(private).is_none(), "no private member {private}");
        }
        assert!(k["kid"].is_string() && k["alg"] == "RS256" && k["use"] == "sig");
    }
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await;
}
both_backends!(as_11_discovery, as_11_discovery_jwks_and_health);

/// revocations and keys live in the database, so a restart forgets neither.
async fn r_07_security_state_survives_restart(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_basic").await;
    let revoked = app.token(&svc, None).await;
    let kept = app.token(&svc, None).await;
    let res = app
        .post_form("/revoke", Some(&svc), &[("token", &revoked)])
        .await;
    assert_eq!(res.status(), 200);
    let (db, config) = app.stop_keeping_database().await;

    let app = TestApp::spawn_with(db, config).await;
    assert_eq!(app.introspect(&svc, &revoked).await["active"], false);
    assert_eq!(
        app.introspect(&svc, &kept).await["active"],
        true,
        "same keys after restart"
    );
    app.stop().await;
}
both_backends!(r_07_restart, r_07_security_state_survives_restart);

/// the key that will sign next is in the JWKS before it signs anything.
async fn r_04_next_key_is_published_before_use(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_basic").await;
    let jwks: Value = app
        .http
        .get(app.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let published: Vec<String> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    let core = tessera_server::wiring::Core::open(&app.config)
        .await
        .unwrap();
    let new_kid = core
        .key_service(&app.config)
        .unwrap()
        .rotate(tessera_domain::SigningAlgorithm::Rs256, true)
        .await
        .unwrap();
    assert!(
        published.contains(&new_kid),
        "the newly active key was already published"
    );
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (h, _) = verify_with_jwks(&app, &app.token(&svc, None).await).await;
        if h["kid"] == new_kid.as_str() {
            app.stop().await;
            return;
        }
    }
    panic!("the rotated key never started signing");
}
both_backends!(r_04_prepublished, r_04_next_key_is_published_before_use);

async fn rotation_keeps_old_tokens_valid(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_basic").await;
    let before = app.token(&svc, None).await;
    let (h1, _) = verify_with_jwks(&app, &before).await;

    // What `tessera keys rotate` does, from another "process" (its own Core).
    let core = tessera_server::wiring::Core::open(&app.config)
        .await
        .unwrap();
    let keys = core.key_service(&app.config).unwrap();
    let new_kid = keys
        .rotate(tessera_domain::SigningAlgorithm::Rs256, true)
        .await
        .unwrap();
    assert_ne!(new_kid, h1["kid"].as_str().unwrap());

    // The server re-reads keys every key_refresh_secs (1 s in tests).
    let mut after = String::new();
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        after = app.token(&svc, None).await;
        let (h2, _) = verify_with_jwks(&app, &after).await;
        if h2["kid"] == new_kid.as_str() {
            break;
        }
    }
    let (h2, _) = verify_with_jwks(&app, &after).await;
    assert_eq!(h2["kid"], new_kid.as_str(), "new tokens carry the new kid");
    let (_, old_claims) = verify_with_jwks(&app, &before).await;
    assert_eq!(
        old_claims["sub"],
        svc.id.as_str(),
        "old token still verifies against /jwks"
    );
    assert_eq!(app.introspect(&svc, &before).await["active"], true);
    assert_eq!(app.introspect(&svc, &after).await["active"], true);
    app.stop().await;
}
both_backends!(rotation, rotation_keeps_old_tokens_valid);

async fn es256_and_eddsa_keys_sign_verifiable_tokens(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let svc = app.service_client("client_secret_basic").await;
    let core = tessera_server::wiring::Core::open(&app.config)
        .await
        .unwrap();
    let keys = core.key_service(&app.config).unwrap();
    for alg in [
        tessera_domain::SigningAlgorithm::Es256,
        tessera_domain::SigningAlgorithm::EdDsa,
    ] {
        let kid = keys.rotate(alg, true).await.unwrap();
        let mut ok = false;
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let t = app.token(&svc, None).await;
            let (h, _) = verify_with_jwks(&app, &t).await;
            if h["kid"] == kid.as_str() {
                assert_eq!(h["alg"], alg.as_str());
                assert_eq!(app.introspect(&svc, &t).await["active"], true);
                ok = true;
                break;
            }
        }
        assert!(ok, "{alg} key became active");
    }
    app.stop().await;
}
both_backends!(
    other_algorithms,
    es256_and_eddsa_keys_sign_verifiable_tokens
);

/// AS-27: the endpoints that take a client secret are throttled per address; 429 carries
/// Retry-After in the endpoint's error shape, and the switch turns it off for benchmarks.
async fn as_27_credential_endpoints_are_rate_limited(db: TestDatabase) {
    let mut config = support::test_config(db.url());
    config.rate_limit.client_auth_failures = Budget::new(5, 3600);
    let app = TestApp::spawn_with(db, config).await;
    let wrong = Creds {
        id: "nobody".into(),
        secret: "guess".into(),
    };
    let mut limited = None;
    for _ in 0..10 {
        let res = app
            .post_form(
                "/token",
                Some(&wrong),
                &[("grant_type", "client_credentials")],
            )
            .await;
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
        assert_eq!(res.status(), 401);
    }
    let res = limited.expect("a burst of guesses is cut off");
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert_oauth_error(res, 429, "too_many_requests").await;
    // The budget is checked before the credential: this address waits even with a right one.
    let svc = app.service_client("client_secret_basic").await;
    let res = app
        .post_form(
            "/token",
            Some(&svc),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(
        res.status(),
        429,
        "a guessing address waits, right secret or not"
    );
    // Discovery is not throttled.
    assert_eq!(
        app.http
            .get(app.url("/jwks"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let (db, mut config) = app.stop_keeping_database().await;
    config.rate_limit.enabled = false;
    let app = TestApp::spawn_with(db, config).await;
    for _ in 0..20 {
        let res = app
            .post_form(
                "/token",
                Some(&wrong),
                &[("grant_type", "client_credentials")],
            )
            .await;
        assert_eq!(
            res.status(),
            401,
            "rate_limit.enabled = false turns limits off"
        );
    }
    app.stop().await;
}
both_backends!(
    as_27_rate_limit,
    as_27_credential_endpoints_are_rate_limited
);

/// AS-27 without throttling honest traffic: with the DEFAULT limits, one address doing
/// hundreds of authenticated calls at once (a backend fetching tokens, a resource server
/// introspecting every request, revocations) is never answered 429.
async fn as_27_honest_callers_from_one_address_are_never_throttled(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    assert!(app.config.rate_limit.enabled);
    let svc = app.service_client("client_secret_basic").await;
    let rs = app.service_client("client_secret_basic").await;
    let token = app.token(&svc, None).await;
    let mut statuses = std::collections::BTreeMap::new();
    for round in 0..5 {
        let mut calls = tokio::task::JoinSet::new();
        for i in 0..100 {
            let (path, who, form) = match i % 3 {
                0 => (
                    "/token",
                    &svc,
                    vec![("grant_type", "client_credentials".to_owned())],
                ),
                1 => ("/introspect", &rs, vec![("token", token.clone())]),
                _ => ("/revoke", &svc, vec![("token", "not-a-token".to_owned())]),
            };
            let req = app
                .http
                .post(app.url(path))
                .basic_auth(&who.id, Some(&who.secret))
                .form(&form);
            calls.spawn(async move { req.send().await.expect("sent").status().as_u16() });
        }
        while let Some(status) = calls.join_next().await {
            *statuses.entry((round, status.unwrap())).or_insert(0) += 1;
        }
    }
    assert!(
        statuses.keys().all(|(_, s)| *s == 200),
        "every honest call answered 200: {statuses:?}"
    );
    app.stop().await;
}
both_backends!(
    as_27_honest_traffic,
    as_27_honest_callers_from_one_address_are_never_throttled
);
