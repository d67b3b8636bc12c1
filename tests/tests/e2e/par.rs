//! Pushed authorization requests (RFC 9126): a third-party client (panva's oauth4webapi, in
//! `tests/mcp/par.mjs`) pushes its request, a person signs in through the real pages with the
//! `request_uri` alone, and the client redeems the code; then the refusals (reused, expired,
//! another client's and foreign `request_uri`s, clients and servers that require PAR). Both
//! backends.

use crate::sign_in::{sign_in, web_client, EMAIL, PASSWORD, REDIRECT};
use crate::support::browser::Browser;
use crate::support::node::run_node_script;
use crate::support::{test_config, Creds, TestApp};
use serde_json::Value;
use std::collections::BTreeMap;
use tessera_tests::{both_backends, TestDatabase};

const SCOPE: &str = "openid email";
const URN: &str = "urn:ietf:params:oauth:request_uri:";

/// The server with a person who can sign in, and a confidential client that must push.
async fn setup(app: TestApp) -> (TestApp, Creds) {
    app.create_user(EMAIL, PASSWORD, Some("Ada Lovelace")).await;
    let client = web_client(&app, |c| c.require_par = true).await;
    (app, client)
}

/// `par.mjs` in `mode` for `client`, with `extra` environment.
async fn node(app: &TestApp, client: &Creds, mode: &str, extra: &[(&str, &str)]) -> Value {
    let mut env = vec![
        ("ISSUER", app.base.as_str()),
        ("PAR_MODE", mode),
        ("CLIENT_ID", client.id.as_str()),
        ("CLIENT_SECRET", client.secret.as_str()),
        ("REDIRECT_URI", REDIRECT),
        ("SCOPE", SCOPE),
    ];
    env.extend_from_slice(extra);
    run_node_script("par.mjs", &env).await
}

/// Pushes a request over plain HTTP (Basic authentication); the response.
async fn push(app: &TestApp, client: &Creds, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPE),
        ("state", "st-par"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        form.retain(|(name, _)| name != k);
        form.push((k, v));
    }
    app.post_form("/par", Some(client), &form).await
}

/// The `request_uri` of a successful push.
async fn pushed_uri(app: &TestApp, client: &Creds) -> String {
    let res = push(app, client, &[]).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    body["request_uri"].as_str().unwrap().to_owned()
}

fn authorize_with(app: &TestApp, client_id: &str, request_uri: &str) -> String {
    format!(
        "{}?{}",
        app.url("/authorize"),
        serde_urlencoded::to_string([("client_id", client_id), ("request_uri", request_uri)])
            .unwrap()
    )
}

/// Asserts an error page (400, no redirect) that says `words`.
fn assert_error_page(page: &crate::support::browser::Page, words: &str) {
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.location().is_none(), "AS-03: never redirected");
    assert!(page.body.contains(words), "{words}: {}", page.body);
}

fn error_at_redirect(page: &crate::support::browser::Page) -> BTreeMap<String, String> {
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    page.redirect_params()
}

/// oauth4webapi pushes the request, the person signs in and consents with only the
/// `request_uri` in the URL (the pushed request survives both pages), oauth4webapi validates
/// the response (`iss`, `state`) and redeems the code with its PKCE verifier; the
/// `request_uri` is then used up.
async fn oauth4webapi_pushes_and_redeems(db: TestDatabase) {
    let (app, client) = setup(TestApp::spawn(db).await).await;
    let pushed = node(&app, &client, "push", &[]).await;
    assert_eq!(pushed["status"], 201);
    assert_eq!(pushed["cache_control"], "no-store");
    assert_eq!(pushed["par_endpoint"], app.url("/par"));
    assert_eq!(pushed["require_par"], false, "not required server-wide");
    assert_eq!(pushed["expires_in"], 60);
    let request_uri = pushed["request_uri"].as_str().unwrap();
    assert!(request_uri.starts_with(URN), "{request_uri}");
    let url = pushed["authorization_url"].as_str().unwrap();
    assert!(
        !url.contains("scope"),
        "only client_id and request_uri: {url}"
    );

    let mut browser = Browser::new();
    let done = sign_in(&app, &mut browser, url).await;
    let callback = done.location().unwrap();
    assert!(callback.starts_with(REDIRECT), "{callback}");
    let tokens = node(
        &app,
        &client,
        "exchange",
        &[
            ("CALLBACK_URL", callback.as_str()),
            ("CODE_VERIFIER", pushed["code_verifier"].as_str().unwrap()),
            ("STATE", pushed["state"].as_str().unwrap()),
            ("NONCE", pushed["nonce"].as_str().unwrap()),
        ],
    )
    .await;
    assert!(tokens["access_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert_eq!(tokens["nonce"], pushed["nonce"]);
    assert_eq!(tokens["aud"], client.id.as_str());

    // The request_uri was used: again, even in the same signed-in browser, it is refused.
    let again = browser.get(url).await;
    assert_error_page(&again, "request_uri");
    app.stop().await;
}
both_backends!(par_oauth4webapi, oauth4webapi_pushes_and_redeems);

/// A client registered with `--require-par` gets `invalid_request` at its redirect URI without
/// a pushed request, and the login page's hidden fields cannot be replayed or changed to pass
/// for a pushed request.
async fn a_client_that_must_push_is_refused_otherwise(db: TestDatabase) {
    let (app, client) = setup(TestApp::spawn(db).await).await;
    let mut browser = Browser::new();
    let front = crate::sign_in::authorize_url(&app, &client.id, &[]);
    let params = error_at_redirect(&browser.get(&front).await);
    assert_eq!(params["error"], "invalid_request");
    assert_eq!(params["state"], "st-123");
    assert_eq!(params["iss"], app.base, "RFC 9207 on the error too");

    // Through /par: the login page. Its form posted back with a parameter changed is a
    // front-channel request again (the pushed mark covers the parameters).
    let uri = pushed_uri(&app, &client).await;
    let login = browser.get(&authorize_with(&app, &client.id, &uri)).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let mut form = login.form();
    assert!(form.get("pushed_tx").is_some(), "the pages carry the mark");
    form.set("state", "changed")
        .set("email", EMAIL)
        .set("password", PASSWORD);
    let params = error_at_redirect(&browser.post(&app.url("/authorize"), &form).await);
    assert_eq!(params["error"], "invalid_request");
    assert_eq!(params["state"], "changed");
    app.stop().await;
}
both_backends!(
    par_required_by_client,
    a_client_that_must_push_is_refused_otherwise
);

/// `request_uri`s that are not this client's live pushed request are refused on an error page,
/// without a redirect and without fetching anything; refusing one does not use it up.
async fn foreign_unknown_and_other_clients_request_uris_are_refused(db: TestDatabase) {
    let (app, client) = setup(TestApp::spawn(db).await).await;
    let other = web_client(&app, |_| {}).await;
    let uri = pushed_uri(&app, &client).await;
    let mut browser = Browser::new();
    let page = browser.get(&authorize_with(&app, &other.id, &uri)).await;
    assert_error_page(&page, "request_uri");
    for foreign in [
        "https://evil.example/request.jwt".to_owned(),
        format!("{}/par", app.base),
        format!("{URN}not-issued-here"),
    ] {
        let page = browser
            .get(&authorize_with(&app, &client.id, &foreign))
            .await;
        assert_error_page(&page, "request_uri");
    }
    let page = browser.get(&authorize_with(&app, &client.id, &uri)).await;
    assert_eq!(page.status, 200, "still the owner's: {}", page.body);
    assert!(page.body.contains("password"));
    app.stop().await;
}
both_backends!(
    par_foreign_uris,
    foreign_unknown_and_other_clients_request_uris_are_refused
);

/// `/par` answers as RFC 9126 §2.3 says: `request_uri` in the body, a bad scope or redirect
/// URI are `400` with the code `/authorize` would send; bad credentials are `401`.
async fn par_refuses_what_authorize_would_refuse(db: TestDatabase) {
    let (app, client) = setup(TestApp::spawn(db).await).await;
    let cases = [
        (
            vec![("request_uri", "urn:ietf:params:oauth:request_uri:x")],
            "invalid_request",
        ),
        (vec![("scope", "openid admin")], "invalid_scope"),
        (
            vec![("redirect_uri", "https://evil.example/cb")],
            "invalid_request",
        ),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
    ];
    for (extra, error) in cases {
        let res = push(&app, &client, &extra).await;
        assert_eq!(res.status(), 400, "{extra:?}");
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], error, "{extra:?}: {body}");
    }
    let wrong = Creds {
        id: client.id.clone(),
        secret: "wrong".into(),
    };
    let res = push(&app, &wrong, &[]).await;
    assert_eq!(res.status(), 401);
    assert!(res.headers().contains_key("www-authenticate"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let res = app.http.get(app.url("/par")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    app.stop().await;
}
both_backends!(par_refusals, par_refuses_what_authorize_would_refuse);

/// A `request_uri` works for `par.request_uri_ttl_secs`, then no more.
async fn an_expired_request_uri_is_refused(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.hardening.request_uri_ttl_secs = 1;
    let (app, client) = setup(TestApp::spawn_with(db, config).await).await;
    let res = push(&app, &client, &[]).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["expires_in"], 1);
    let uri = body["request_uri"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let page = Browser::new()
        .get(&authorize_with(&app, &client.id, uri))
        .await;
    assert_error_page(&page, "request_uri");
    app.stop().await;
}
both_backends!(par_expired, an_expired_request_uri_is_refused);

/// With `par.required = true` discovery says so and every client must push.
async fn par_required_server_wide(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.hardening.par_required = true;
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let client = web_client(&app, |_| {}).await;
    let meta: Value = app
        .http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["require_pushed_authorization_requests"], true);
    assert_eq!(
        meta["pushed_authorization_request_endpoint"],
        app.url("/par")
    );
    let mut browser = Browser::new();
    let front = crate::sign_in::authorize_url(&app, &client.id, &[]);
    let params = error_at_redirect(&browser.get(&front).await);
    assert_eq!(params["error"], "invalid_request");
    let uri = pushed_uri(&app, &client).await;
    let done = sign_in(&app, &mut browser, &authorize_with(&app, &client.id, &uri)).await;
    let params = done.redirect_params();
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(params["state"], "st-par");
    app.stop().await;
}
both_backends!(par_required_globally, par_required_server_wide);

/// The payload of a compact JWS.
fn jwt_claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// Signed request objects (RFC 9101) from a client with an ES256 key: oauth4webapi's
/// `issueRequestObject` pushed to `/par` leads to a code; tampered, `alg: none`, unknown-key,
/// wrong-`aud`, wrong-`iss`, expired and replayed objects are `invalid_request_object`, at
/// `/par` and at `/authorize` alike; at `/authorize` only the object's parameters count.
async fn request_objects_signed_with_the_clients_key(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let keys = run_node_script(
        "par.mjs",
        &[("ISSUER", app.base.as_str()), ("PAR_MODE", "keys")],
    )
    .await;
    let jwks = keys["jwks"].as_str().unwrap().to_owned();
    let private_jwk = keys["private_jwk"].as_str().unwrap().to_owned();
    let client = web_client(&app, |c| c.jwks = Some(jwks)).await;
    let key = ("PRIVATE_JWK", private_jwk.as_str());

    // The whole flow with a pushed request object.
    let pushed = node(&app, &client, "push", &[key, ("REQUEST_OBJECT", "yes")]).await;
    assert_eq!(pushed["status"], 201);
    let mut browser = Browser::new();
    let url = pushed["authorization_url"].as_str().unwrap();
    let callback = sign_in(&app, &mut browser, url).await.location().unwrap();
    let tokens = node(
        &app,
        &client,
        "exchange",
        &[
            ("CALLBACK_URL", callback.as_str()),
            ("CODE_VERIFIER", pushed["code_verifier"].as_str().unwrap()),
            ("STATE", pushed["state"].as_str().unwrap()),
            ("NONCE", pushed["nonce"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(tokens["nonce"], pushed["nonce"]);

    // The refusals at /par.
    let variants = "good,tampered,alg_none,unknown_key,wrong_aud,expired,wrong_iss,unpushed_good";
    let answers = node(&app, &client, "objects", &[key, ("PAR_VARIANTS", variants)]).await;
    assert_eq!(answers["good"]["status"], 201, "{answers}");
    for bad in [
        "tampered",
        "alg_none",
        "unknown_key",
        "wrong_aud",
        "expired",
        "wrong_iss",
    ] {
        assert_eq!(answers[bad]["status"], 400, "{bad}: {answers}");
        assert_eq!(answers[bad]["error"], "invalid_request_object", "{bad}");
    }
    let replayed = app
        .post_form(
            "/par",
            Some(&client),
            &[("request", answers["good"]["request"].as_str().unwrap())],
        )
        .await;
    assert_eq!(replayed.status(), 400, "a jti is used once");

    // The same at /authorize: an error page, never a redirect.
    let front = |request: &str, extra: &[(&str, &str)]| {
        let mut q = vec![("client_id", client.id.as_str()), ("request", request)];
        q.extend_from_slice(extra);
        format!(
            "{}?{}",
            app.url("/authorize"),
            serde_urlencoded::to_string(q).unwrap()
        )
    };
    let mut browser = Browser::new();
    for bad in [
        "tampered",
        "alg_none",
        "unknown_key",
        "wrong_aud",
        "expired",
        "good",
    ] {
        let page = browser
            .get(&front(answers[bad]["request"].as_str().unwrap(), &[]))
            .await;
        assert_error_page(&page, "invalid_request_object");
    }

    // A good object at /authorize: its parameters, not the outer ones, make the request.
    let object = answers["unpushed_good"]["request"].as_str().unwrap();
    let inside = jwt_claims(object);
    let outer = front(
        object,
        &[("state", "outer-state"), ("scope", "openid profile")],
    );
    let done = sign_in(&app, &mut browser, &outer).await;
    let params = done.redirect_params();
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(params["state"], inside["state"].as_str().unwrap());
    app.stop().await;
}
both_backends!(
    par_request_objects,
    request_objects_signed_with_the_clients_key
);
