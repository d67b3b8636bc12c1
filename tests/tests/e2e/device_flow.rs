//! The device authorization grant (RFC 8628) end to end, on both backends: the `oauth2`
//! crate's device-flow client asks `/device_authorization` and polls `/token`, while the
//! person's part goes through the real `/device` pages over HTTP (code, login, second step,
//! consent). Also: deny, expiry, slow_down, throttled wrong codes, TOTP on the device path.

use crate::support::browser::{Browser, Page};
use crate::support::totp::{account_token, enrol, Authenticator};
use crate::support::{Creds, TestApp};
use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, DeviceAuthorizationUrl, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
};
use serde_json::Value;
use std::time::Duration;
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "tv-owner@example.com";
const PASSWORD: &str = "correct horse battery staple";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A public device client (a TV app) with the device and refresh grants.
async fn device_client(app: &TestApp) -> Creds {
    app.register(NewClient {
        name: "Living-room TV".into(),
        grants: vec![DEVICE_GRANT.into(), "refresh_token".into()],
        scope: "openid email offline_access".into(),
        public: true,
        ..NewClient::default()
    })
    .await
}

async fn setup(db: TestDatabase) -> (TestApp, Creds) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada")).await;
    let creds = device_client(&app).await;
    (app, creds)
}

/// The `oauth2` client for the device, from the discovery document's endpoints.
async fn oauth_client(
    app: &TestApp,
    creds: &Creds,
) -> oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
> {
    let discovery: Value = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let grants = discovery["grant_types_supported"].as_array().unwrap();
    assert!(grants.iter().any(|g| g == DEVICE_GRANT), "{discovery}");
    let endpoint = discovery["device_authorization_endpoint"].as_str().unwrap();
    assert_eq!(endpoint, app.url("/device_authorization"));
    BasicClient::new(ClientId::new(creds.id.clone()))
        .set_device_authorization_url(DeviceAuthorizationUrl::new(endpoint.to_owned()).unwrap())
        .set_token_uri(TokenUrl::new(app.url("/token")).unwrap())
}

/// `/device_authorization` through the `oauth2` client.
async fn start(app: &TestApp, creds: &Creds) -> StandardDeviceAuthorizationResponse {
    let client = oauth_client(app, creds).await;
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .request_async(&app.http)
        .await
        .expect("device authorization");
    let code = details.user_code().secret();
    assert_eq!(code.len(), 9, "{code}");
    assert_eq!(code.as_bytes()[4], b'-', "{code}");
    assert_eq!(details.verification_uri().as_str(), app.url("/device"));
    assert_eq!(
        details
            .verification_uri_complete()
            .map(|u| u.secret().clone()),
        Some(format!("{}?user_code={code}", app.url("/device")))
    );
    assert_eq!(details.interval(), Duration::from_secs(5));
    assert_eq!(details.expires_in(), Duration::from_secs(600));
    details
}

fn is_login_page(page: &Page) -> bool {
    page.status == 200 && page.body.contains("name=\"password\"")
}

fn is_consent_page(page: &Page) -> bool {
    page.status == 200 && page.body.contains("value=\"consent\"")
}

/// The person opens `verification_uri_complete` and sends the prefilled code form.
async fn enter_code(app: &TestApp, browser: &mut Browser, code: &str) -> Page {
    let form_page = browser
        .get(&app.url(&format!("/device?user_code={code}")))
        .await;
    assert_eq!(form_page.status, 200, "{}", form_page.body);
    assert_eq!(
        form_page.headers.get("x-frame-options").unwrap(),
        "DENY",
        "anti-framing on the device page"
    );
    let form = form_page.form();
    assert_eq!(form.get("user_code"), Some(code));
    browser.post(&app.url("/device"), &form).await
}

/// The password on the device path's login page.
async fn submit_password(app: &TestApp, browser: &mut Browser, page: &Page) -> Page {
    assert!(is_login_page(page), "a login page: {}", page.body);
    let mut form = page.form();
    form.set("email", EMAIL).set("password", PASSWORD);
    browser.post(&app.url("/device"), &form).await
}

/// Allows or denies on the consent page.
async fn decide(app: &TestApp, browser: &mut Browser, page: &Page, decision: &str) -> Page {
    assert!(is_consent_page(page), "a consent page: {}", page.body);
    assert!(page.body.contains("Living-room TV"), "{}", page.body);
    assert!(
        page.body.contains("See your email address"),
        "{}",
        page.body
    );
    let mut form = page.form();
    form.set("decision", decision);
    browser.post(&app.url("/device"), &form).await
}

/// The person's whole part: code, password, (code of `auth`), consent.
async fn person_answers(
    app: &TestApp,
    code: &str,
    auth: Option<&mut Authenticator>,
    decision: &str,
) -> Page {
    let mut browser = Browser::new();
    let login = enter_code(app, &mut browser, code).await;
    let mut page = submit_password(app, &mut browser, &login).await;
    if let Some(auth) = auth {
        assert!(
            page.body.contains("name=\"otp\"") && !is_consent_page(&page),
            "the second step comes before consent: {}",
            page.body
        );
        let (_, otp) = auth.next_code().await;
        let mut form = page.form();
        form.set("otp", &otp);
        page = browser.post(&app.url("/device"), &form).await;
    }
    decide(app, &mut browser, &page, decision).await
}

/// A raw poll at `/token`: status and JSON body.
async fn poll(app: &TestApp, creds: &Creds, device_code: &str) -> (u16, Value) {
    let res = app
        .post_form(
            "/token",
            None,
            &[
                ("grant_type", DEVICE_GRANT),
                ("device_code", device_code),
                ("client_id", &creds.id),
            ],
        )
        .await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// The whole flow with the `oauth2` client polling while the person allows: tokens once,
/// then the device code is spent.
async fn allowed_device_gets_tokens_once(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let details = start(&app, &creds).await;
    let client = oauth_client(&app, &creds).await;
    let http = app.http.clone();
    let polling = {
        let details = details.clone();
        tokio::spawn(async move {
            client
                .exchange_device_access_token(&details)
                .request_async(&http, tokio::time::sleep, Some(Duration::from_secs(60)))
                .await
        })
    };
    let done = person_answers(&app, details.user_code().secret(), None, "allow").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("go back to your device"),
        "{}",
        done.body
    );
    let tokens = polling.await.unwrap().expect("tokens");
    assert!(!tokens.access_token().secret().is_empty());
    assert!(tokens.refresh_token().is_some());
    let scopes: Vec<String> = tokens
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(scopes.contains(&"openid".to_owned()), "{scopes:?}");
    let body: Value = serde_json::to_value(&tokens).unwrap();
    assert!(body["id_token"].is_string() || body.get("id_token").is_none());
    // The user's identity is in the access token.
    let userinfo = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 200);
    let claims: Value = userinfo.json().await.unwrap();
    assert_eq!(claims["email"], EMAIL);
    // Single use.
    let (status, err) = poll(&app, &creds, details.device_code().secret()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    app.stop().await;
}
both_backends!(device_allowed, allowed_device_gets_tokens_once);

/// A denial ends the `oauth2` client's polling with `access_denied`.
async fn denied_device_gets_access_denied(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let details = start(&app, &creds).await;
    let done = person_answers(&app, details.user_code().secret(), None, "deny").await;
    assert_eq!(done.status, 200, "{}", done.body);
    let client = oauth_client(&app, &creds).await;
    let result = client
        .exchange_device_access_token(&details)
        .request_async(&app.http, tokio::time::sleep, Some(Duration::from_secs(30)))
        .await;
    match result {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(e.error().as_ref(), "access_denied", "{e:?}")
        }
        other => panic!("expected access_denied, got {other:?}"),
    }
    app.stop().await;
}
both_backends!(device_denied, denied_device_gets_access_denied);

/// Polling faster than the interval is `slow_down`; an expired device code is `expired_token`
/// (and its user code no longer opens the consent page).
async fn slow_down_and_expiry(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let details = start(&app, &creds).await;
    let code = details.device_code().secret();
    let (status, first) = poll(&app, &creds, code).await;
    assert_eq!(
        (status, first["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    let (_, second) = poll(&app, &creds, code).await;
    assert_eq!(second["error"], "slow_down", "{second}");
    app.database()
        .execute("UPDATE device_authorizations SET expires_at = 0")
        .await;
    let (_, expired) = poll(&app, &creds, code).await;
    assert_eq!(expired["error"], "expired_token", "{expired}");
    let mut browser = Browser::new();
    let page = enter_code(&app, &mut browser, details.user_code().secret()).await;
    assert!(page.body.contains("not valid"), "{}", page.body);
    app.stop().await;
}
both_backends!(device_slow_down_and_expiry, slow_down_and_expiry);

/// Wrong user codes from one browser and address are throttled: a few, then 429 with
/// `Retry-After`, even for the right code.
async fn wrong_user_codes_are_throttled(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let details = start(&app, &creds).await;
    let mut browser = Browser::new();
    let form_page = browser.get(&app.url("/device")).await;
    let mut refused = None;
    for i in 0..10 {
        let mut form = form_page.form();
        form.set(
            "user_code",
            &format!(
                "BBBB-BBB{}",
                ["C", "D", "F", "G", "H", "J", "K", "L", "M", "N"][i]
            ),
        );
        let page = browser.post(&app.url("/device"), &form).await;
        if page.status == 429 {
            refused = Some((i, page));
            break;
        }
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("not valid"), "{}", page.body);
    }
    let (after, page) = refused.expect("wrong codes are throttled");
    assert!(after >= 3, "a few wrong codes pass first ({after})");
    assert!(page.headers.get("retry-after").is_some());
    let mut form = form_page.form();
    form.set("user_code", details.user_code().secret());
    let right = browser.post(&app.url("/device"), &form).await;
    assert_eq!(right.status, 429, "the right code waits too");
    app.stop().await;
}
both_backends!(device_throttle, wrong_user_codes_are_throttled);

/// An account with TOTP passes its second factor on the device path before the consent page;
/// the tokens say so.
async fn totp_account_passes_its_second_factor(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let token = account_token(&app, EMAIL, PASSWORD).await;
    let (mut auth, _) = enrol(&app, &token).await;
    let details = start(&app, &creds).await;
    let done = person_answers(&app, details.user_code().secret(), Some(&mut auth), "allow").await;
    assert_eq!(done.status, 200, "{}", done.body);
    let (status, tokens) = poll(&app, &creds, details.device_code().secret()).await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = tokens["id_token"].as_str().expect("an ID token");
    let payload = id_token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["acr"], "mfa", "{claims}");
    app.stop().await;
}
both_backends!(device_totp, totp_account_passes_its_second_factor);

/// A confidential device client made through the admin API authenticates at
/// `/device_authorization` as at `/token`; a client without the grant is refused there, and an
/// unknown resource is `invalid_target`.
async fn admin_made_confidential_device_client(db: TestDatabase) {
    const ADMIN_TOKEN: &str = "device-admin-token-0123456789abcdef";
    let mut config = crate::support::test_config(db.url());
    config.admin.token = Some(secrecy::SecretString::from(ADMIN_TOKEN.to_owned()));
    let app = TestApp::spawn_with(db, config).await;
    let created: Value = app
        .http
        .post(app.url("/admin/clients"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&serde_json::json!({
            "name": "Build agent",
            "grant_types": [DEVICE_GRANT],
            "scope": "openid",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["client_id"]
        .as_str()
        .or(created["id"].as_str())
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert!(created.to_string().contains(DEVICE_GRANT), "{created}");
    let creds = Creds { id, secret };
    let res = app
        .post_form(
            "/device_authorization",
            Some(&creds),
            &[("scope", "openid")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
    let body: Value = res.json().await.unwrap();
    assert!(body["device_code"].is_string(), "{body}");
    let wrong = Creds {
        id: creds.id.clone(),
        secret: "not-the-secret".into(),
    };
    let res = app
        .post_form("/device_authorization", Some(&wrong), &[])
        .await;
    assert_eq!(res.status(), 401);
    let res = app
        .post_form(
            "/device_authorization",
            Some(&creds),
            &[("resource", "https://unknown.example/")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_target", "{body}");
    let svc = app.service_client("client_secret_basic").await;
    let res = app
        .post_form("/device_authorization", Some(&svc), &[])
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client", "{body}");
    app.stop().await;
}
both_backends!(
    device_confidential_client,
    admin_made_confidential_device_client
);

/// `accounts.require_verified_email`: a person whose address is not confirmed signs in on
/// `/device` but is shown a refusal instead of consent, a forged `allow` is refused too, and
/// the device keeps getting `authorization_pending`; once the address is confirmed the same
/// person can approve.
async fn unverified_person_cannot_approve_a_device(db: TestDatabase) {
    let mut config = crate::support::test_config(db.url());
    config.accounts.require_verified_email = true;
    let app = TestApp::spawn_with(db, config).await;
    let res = app
        .http
        .post(app.url("/users/register"))
        .json(&serde_json::json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let creds = device_client(&app).await;
    let details = start(&app, &creds).await;
    let mut browser = Browser::new();
    let login = enter_code(&app, &mut browser, details.user_code().secret()).await;
    let refused = submit_password(&app, &mut browser, &login).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(!is_consent_page(&refused), "{}", refused.body);
    assert!(refused.body.contains("not confirmed"), "{}", refused.body);
    // A hand-made allow, with the session and a valid CSRF token from the code form.
    let code_page = browser
        .get(&app.url(&format!(
            "/device?user_code={}",
            details.user_code().secret()
        )))
        .await;
    let mut form = code_page.form();
    form.set("action", "consent").set("decision", "allow");
    let forged = browser.post(&app.url("/device"), &form).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let (status, body) = poll(&app, &creds, details.device_code().secret()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    app.stop().await;
}
both_backends!(
    device_unverified_refused,
    unverified_person_cannot_approve_a_device
);
