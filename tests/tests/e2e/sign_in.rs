//! People sign in: the authorization code flow with PKCE through the real login and consent
//! pages, with the `openidconnect` crate as the relying party; ID tokens, UserInfo, refresh
//! rotation, logout, and the negative cases of OAuth 2.1 / RFC 9700. Both backends.

use crate::support::browser::{Browser, Page};
use crate::support::{Creds, TestApp};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

pub(crate) const EMAIL: &str = "ada@example.com";
pub(crate) const PASSWORD: &str = "correct horse battery staple";
pub(crate) const REDIRECT: &str = "http://127.0.0.1/callback";
const LOGOUT_TARGET: &str = "https://app.example.com/signed-out";

pub(crate) async fn web_client(app: &TestApp, extra: impl FnOnce(&mut NewClient)) -> Creds {
    let mut req = NewClient {
        name: "Notes <App>".into(),
        grants: vec!["authorization_code".into(), "refresh_token".into()],
        redirect_uris: vec![REDIRECT.into()],
        post_logout_redirect_uris: vec![LOGOUT_TARGET.into()],
        scope: "openid profile email offline_access".into(),
        ..NewClient::default()
    };
    extra(&mut req);
    app.register(req).await
}

/// Starts a sign-in app with a user and a confidential web client.
async fn setup(db: TestDatabase) -> (TestApp, Creds) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada Lovelace")).await;
    let client = web_client(&app, |_| {}).await;
    (app, client)
}

pub(crate) fn authorize_url(app: &TestApp, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email"),
        ("state", "st-123"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(pk, _)| pk != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    format!(
        "{}?{}",
        app.url("/authorize"),
        serde_urlencoded::to_string(&params).unwrap()
    )
}

pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// Logs in on the login page and allows on the consent page; returns the final redirect.
pub(crate) async fn sign_in(app: &TestApp, browser: &mut Browser, url: &str) -> Page {
    let page = browser.get(url).await;
    if page.status == 303 {
        return page; // already signed in, consent remembered
    }
    assert_eq!(page.status, 200, "{}", page.body);
    let mut form = page.form();
    assert!(
        form.get("csrf_token").is_some(),
        "login form has a CSRF token"
    );
    form.set("email", EMAIL).set("password", PASSWORD);
    let page = browser.post(&app.url("/authorize"), &form).await;
    if page.status == 303 {
        return page;
    }
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("decision"),
        "consent page: {}",
        page.body
    );
    let mut form = page.form();
    form.set("decision", "allow");
    let page = browser.post(&app.url("/authorize"), &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    page
}

async fn code_for(app: &TestApp, client: &Creds) -> (Browser, String) {
    let mut browser = Browser::new();
    let page = sign_in(app, &mut browser, &authorize_url(app, &client.id, &[])).await;
    let params = page.redirect_params();
    assert_eq!(params["state"], "st-123");
    assert_eq!(params["iss"], app.base, "RFC 9207 iss");
    (browser, params["code"].clone())
}

async fn exchange(app: &TestApp, client: &Creds, code: &str, verifier: &str) -> reqwest::Response {
    app.post_form(
        "/token",
        Some(client),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

async fn as_40_openidconnect_relying_party_full_flow(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).unwrap(), &app.http)
            .await
            .expect("discovery as the openidconnect crate reads it");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(creds.id.clone()),
        Some(ClientSecret::new(creds.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    let mut browser = Browser::new();
    let done = sign_in(&app, &mut browser, url.as_str()).await;
    let params = done.redirect_params();
    assert_eq!(&params["state"], state.secret());
    assert_eq!(params["iss"], app.base);

    let token = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&app.http)
        .await
        .expect("code exchange");
    let id_token = token.id_token().expect("an ID token");
    let id_verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("ID token verifies (signature, iss, aud, exp, nonce)");
    let expected_hash = AccessTokenHash::from_token(
        token.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected_hash), "at_hash");
    assert!(claims.auth_time().is_some(), "auth_time");
    assert_eq!(claims.email().map(|e| e.as_str()), Some(EMAIL));
    assert!(
        token.refresh_token().is_some(),
        "offline_access + refresh_token grant"
    );

    let info: CoreUserInfoClaims = client
        .user_info(token.access_token().clone(), None)
        .unwrap()
        .request_async(&app.http)
        .await
        .expect("userinfo");
    assert_eq!(info.subject(), claims.subject());
    assert_eq!(info.email().map(|e| e.as_str()), Some(EMAIL));
    assert!(info.name().is_some(), "profile scope gives the name");

    // A second authorization in the same browser session skips login and (remembered) consent.
    let again = browser.get(&authorize_url(&app, &creds.id, &[])).await;
    assert_eq!(
        again.status, 303,
        "no login page, no consent page: {}",
        again.body
    );
    assert!(again.redirect_params().contains_key("code"));
    app.stop().await;
}
both_backends!(oidc_flow, as_40_openidconnect_relying_party_full_flow);

async fn as_16_code_reuse_fails_and_revokes_the_first_tokens(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let (_, code) = code_for(&app, &client).await;
    let first: Value = exchange(&app, &client, &code, VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let at = first["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.introspect(&client, &at).await["active"], true);
    let second = exchange(&app, &client, &code, VERIFIER).await;
    assert_eq!(second.status(), 400);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        app.introspect(&client, &at).await["active"],
        false,
        "tokens of the first use are revoked"
    );
    app.stop().await;
}
both_backends!(
    as_16_code_reuse,
    as_16_code_reuse_fails_and_revokes_the_first_tokens
);

async fn r_06_parallel_code_redemptions_give_one_success(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let (_, code) = code_for(&app, &client).await;
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (app, client, code) = (
            app.clone(),
            Creds {
                id: client.id.clone(),
                secret: client.secret.clone(),
            },
            code.clone(),
        );
        tasks.push(tokio::spawn(async move {
            exchange(&app, &client, &code, VERIFIER)
                .await
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        15,
        "{statuses:?}"
    );
}
both_backends!(
    r_06_parallel_codes,
    r_06_parallel_code_redemptions_give_one_success
);

async fn as_15_18_code_binding(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let other = web_client(&app, |_| {}).await;
    // Wrong verifier.
    let (_, code) = code_for(&app, &client).await;
    let res = exchange(&app, &client, &code, &"a".repeat(43)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    // Another client.
    let (_, code) = code_for(&app, &client).await;
    let res = exchange(&app, &other, &code, VERIFIER).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    // Different redirect_uri.
    let (_, code) = code_for(&app, &client).await;
    let res = app
        .post_form(
            "/token",
            Some(&client),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1/other"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    // Missing verifier.
    let (_, code) = code_for(&app, &client).await;
    let res = app
        .post_form(
            "/token",
            Some(&client),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    app.stop().await;
}
both_backends!(as_15_18_binding, as_15_18_code_binding);

async fn as_21_refresh_rotation_and_reuse_revokes_the_family(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let mut browser = Browser::new();
    let url = authorize_url(&app, &client.id, &[("scope", "openid offline_access")]);
    let code = sign_in(&app, &mut browser, &url).await.redirect_params()["code"].clone();
    let t1: Value = exchange(&app, &client, &code, VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let rt1 = t1["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |rt: String, scope: Option<&'static str>| {
        let app = &app;
        let client = &client;
        async move {
            let mut form = vec![
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", rt),
            ];
            if let Some(s) = scope {
                form.push(("scope", s.to_owned()));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form("/token", Some(client), &form).await
        }
    };
    // AS-23: no widening.
    let res = refresh(rt1.clone(), Some("openid offline_access email")).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_scope");
    let t2: Value = refresh(rt1.clone(), Some("openid"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t2["scope"], "openid", "narrowing is allowed");
    let rt2 = t2["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2, "rotated");
    let at2 = t2["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.introspect(&client, &rt2).await["active"], true);
    // Reuse of the spent token: refused, and the whole family dies.
    let reuse = refresh(rt1.clone(), None).await;
    assert_eq!(
        reuse.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    let after = refresh(rt2.clone(), None).await;
    assert_eq!(
        after.json::<Value>().await.unwrap()["error"],
        "invalid_grant",
        "successor revoked too"
    );
    assert_eq!(
        app.introspect(&client, &at2).await["active"],
        false,
        "access tokens of the family too"
    );
    // AS-22: bound to its client.
    let other = web_client(&app, |_| {}).await;
    let code = sign_in(&app, &mut browser, &url).await.redirect_params()["code"].clone();
    let t: Value = exchange(&app, &client, &code, VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .post_form(
            "/token",
            Some(&other),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    // Revocation of a refresh token (RFC 7009) kills its family.
    let rt = t["refresh_token"].as_str().unwrap();
    let res = app
        .post_form(
            "/revoke",
            Some(&client),
            &[("token", rt), ("token_type_hint", "refresh_token")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.introspect(&client, rt).await["active"], false);
    app.stop().await;
}
both_backends!(
    as_21_refresh,
    as_21_refresh_rotation_and_reuse_revokes_the_family
);

async fn as_01_03_bad_redirect_uris_never_redirect(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let mut browser = Browser::new();
    for bad in [
        "http://127.0.0.1/callback/",
        "http://127.0.0.1/Callback",
        "http://127.0.0.1/callback?x=1",
        "http://127.0.0.1/callback/../callback",
        "http://127.0.0.1%2fcallback",
        "http://evil.example/callback",
        "http://127.0.0.1@evil.example/callback",
        "https://127.0.0.1/callback",
    ] {
        let page = browser
            .get(&authorize_url(&app, &client.id, &[("redirect_uri", bad)]))
            .await;
        assert_eq!(page.status, 400, "{bad}");
        assert!(page.location().is_none(), "AS-03: never redirect for {bad}");
        assert!(page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
    // AS-02: loopback, any port.
    let page = browser
        .get(&authorize_url(
            &app,
            &client.id,
            &[("redirect_uri", "http://127.0.0.1:54321/callback")],
        ))
        .await;
    assert_eq!(
        page.status, 200,
        "login page for a loopback redirect on another port"
    );
    // Unknown client: error page, no redirect, and the name is escaped.
    let page = browser
        .get(&authorize_url(&app, "no-such-client", &[]))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.location().is_none());
    app.stop().await;
}
both_backends!(
    as_01_03_redirects,
    as_01_03_bad_redirect_uris_never_redirect
);

async fn as_10_12_13_20_37_authorization_errors_redirect_with_state_and_iss(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let public = web_client(&app, |c| c.public = true).await;
    let mut browser = Browser::new();
    let cases: Vec<(String, &str)> = vec![
        (
            authorize_url(&app, &client.id, &[("response_type", "token")]),
            "unsupported_response_type",
        ),
        (
            authorize_url(&app, &client.id, &[("response_type", "id_token token")]),
            "unsupported_response_type",
        ),
        (
            authorize_url(&app, &client.id, &[("code_challenge", "")]),
            "invalid_request",
        ),
        (
            authorize_url(&app, &public.id, &[("code_challenge", "")]),
            "invalid_request",
        ),
        (
            authorize_url(&app, &client.id, &[("code_challenge_method", "plain")]),
            "invalid_request",
        ),
        (
            authorize_url(&app, &client.id, &[("scope", "openid admin")]),
            "invalid_scope",
        ),
        (
            authorize_url(&app, &client.id, &[("prompt", "none")]),
            "login_required",
        ),
        (
            format!("{}&scope=openid", authorize_url(&app, &client.id, &[])),
            "invalid_request",
        ),
    ];
    for (url, expected) in cases {
        let page = browser.get(&url).await;
        if expected == "invalid_request" && url.ends_with("&scope=openid") {
            // AS-09: a repeated parameter; the client cannot be trusted, so no redirect.
            assert_eq!(page.status, 400);
            continue;
        }
        assert_eq!(page.status, 303, "{url}: {}", page.body);
        let p = page.redirect_params();
        assert_eq!(p["error"], expected, "{url}");
        assert_eq!(p["state"], "st-123");
        assert_eq!(p["iss"], app.base, "AS-10: iss on errors too");
    }
    app.stop().await;
}
both_backends!(
    authorize_errors,
    as_10_12_13_20_37_authorization_errors_redirect_with_state_and_iss
);

async fn as_38_consent_shows_the_client_and_denial_is_access_denied(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let mut browser = Browser::new();
    let page = browser.get(&authorize_url(&app, &client.id, &[])).await;
    let mut form = page.form();
    form.set("email", EMAIL).set("password", PASSWORD);
    let consent = browser.post(&app.url("/authorize"), &form).await;
    assert!(
        consent.body.contains("Notes &lt;App&gt;"),
        "client name shown, escaped"
    );
    let mut form = consent.form();
    form.set("decision", "deny");
    let page = browser.post(&app.url("/authorize"), &form).await;
    assert_eq!(page.status, 303);
    let p = page.redirect_params();
    assert_eq!(p["error"], "access_denied");
    assert_eq!(p["iss"], app.base);
    app.stop().await;
}
both_backends!(
    consent_denied,
    as_38_consent_shows_the_client_and_denial_is_access_denied
);

async fn as_07_08_33_34_35_csrf_and_page_headers(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let mut browser = Browser::new();
    let page = browser.get(&authorize_url(&app, &client.id, &[])).await;
    for (h, v) in [
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(page.headers[h], v, "{h}");
    }
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(
        !page.headers.contains_key("access-control-allow-origin"),
        "AS-08: no CORS on /authorize"
    );
    for outside in ["<script", "src=", "@import", "url("] {
        assert!(
            !page.body.contains(outside),
            "AS-34: no external resources ({outside})"
        );
    }
    for href in page.body.split("href=\"").skip(1) {
        assert!(
            href.starts_with("data:") || href.starts_with('/'),
            "AS-34: no third-party link: {href:.40}"
        );
    }
    let mut form = page.form();
    form.set("email", EMAIL).set("password", PASSWORD);
    // Missing token.
    let mut no_token = form.clone();
    no_token.fields.retain(|(k, _)| k != "csrf_token");
    assert_eq!(
        browser.post(&app.url("/authorize"), &no_token).await.status,
        403
    );
    // Another browser's token.
    let mut other = Browser::new();
    let other_token = other
        .get(&authorize_url(&app, &client.id, &[]))
        .await
        .form()
        .get("csrf_token")
        .unwrap()
        .to_owned();
    let mut foreign = form.clone();
    foreign.set("csrf_token", &other_token);
    assert_eq!(
        browser.post(&app.url("/authorize"), &foreign).await.status,
        403
    );
    // Wrong password: same page, a message that does not say whether the email exists.
    let mut wrong = form.clone();
    wrong.set("password", "not the password at all");
    let page = browser.post(&app.url("/authorize"), &wrong).await;
    assert_eq!(page.status, 200);
    let mut unknown = form.clone();
    unknown.set("email", "nobody@example.com");
    let page2 = browser.post(&app.url("/authorize"), &unknown).await;
    assert!(page.body.contains("The email or password is not correct."));
    assert!(page2.body.contains("The email or password is not correct."));
    // AS-07: the successful form post answers 303, never 307.
    let ok = browser.post(&app.url("/authorize"), &form).await;
    assert!(ok.status == 200 || ok.status == 303);
    app.stop().await;
}
both_backends!(as_35_csrf_headers, as_07_08_33_34_35_csrf_and_page_headers);

async fn as_26_userinfo_accepts_only_access_tokens(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let (_, code) = code_for(&app, &client).await;
    let t: Value = exchange(&app, &client, &code, VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let at = t["access_token"].as_str().unwrap();
    let id = t["id_token"].as_str().unwrap();
    let ok = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["cache-control"], "no-store");
    let claims: Value = ok.json().await.unwrap();
    assert_eq!(claims["email"], EMAIL);
    assert_eq!(claims["email_verified"], true);
    let res = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "an ID token is not an access token");
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    let res = app
        .http
        .post(app.url("/userinfo"))
        .form(&[("access_token", at)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "form body token on POST");
    let res = app.http.get(app.url("/userinfo")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    // A client_credentials token has no user behind it.
    let svc = app.service_client("client_secret_basic").await;
    let cc = app.token(&svc, None).await;
    let res = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(&cc)
        .send()
        .await
        .unwrap();
    assert!(res.status() == 401 || res.status() == 403);
    app.stop().await;
}
both_backends!(userinfo, as_26_userinfo_accepts_only_access_tokens);

async fn as_05_rp_initiated_logout(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let (mut browser, code) = code_for(&app, &client).await;
    let t: Value = exchange(&app, &client, &code, VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let id_token = t["id_token"].as_str().unwrap();
    // Without a hint: a confirmation page, the session survives a bare GET.
    let page = browser.get(&app.url("/logout")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("csrf_token"));
    let again = browser.get(&authorize_url(&app, &client.id, &[])).await;
    assert_eq!(again.status, 303, "still signed in");
    // An unregistered post_logout_redirect_uri is refused without redirecting.
    let bad = format!(
        "{}?id_token_hint={id_token}&post_logout_redirect_uri=https://evil.example/",
        app.url("/logout")
    );
    let page = browser.get(&bad).await;
    assert_eq!(page.status, 400);
    assert!(page.location().is_none());
    // With a valid hint and a registered URI: signed out and sent back with state.
    let good = format!(
        "{}?{}",
        app.url("/logout"),
        serde_urlencoded::to_string([
            ("id_token_hint", id_token),
            ("post_logout_redirect_uri", LOGOUT_TARGET),
            ("state", "bye")
        ])
        .unwrap()
    );
    let page = browser.get(&good).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location().unwrap(),
        format!("{LOGOUT_TARGET}?state=bye")
    );
    let after = browser.get(&authorize_url(&app, &client.id, &[])).await;
    assert_eq!(after.status, 200, "login page again: the session ended");
    app.stop().await;
}
both_backends!(logout, as_05_rp_initiated_logout);

async fn form_post_response_mode(db: TestDatabase) {
    let (app, client) = setup(db).await;
    let mut browser = Browser::new();
    // Sign in once (query mode), then ask again with form_post in the same session.
    sign_in(&app, &mut browser, &authorize_url(&app, &client.id, &[])).await;
    let page = browser
        .get(&authorize_url(
            &app,
            &client.id,
            &[("response_mode", "form_post")],
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("action=\"{REDIRECT}\"")),
        "{}",
        page.body
    );
    let form = page.form();
    assert!(form.get("code").is_some());
    assert_eq!(form.get("state"), Some("st-123"));
    assert_eq!(form.get("iss"), Some(app.base.as_str()));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'sha256-") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let res = exchange(&app, &client, form.get("code").unwrap(), VERIFIER).await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}
both_backends!(form_post, form_post_response_mode);
