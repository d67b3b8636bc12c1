//! RFC 7591 dynamic client registration and RFC 7592 management over real HTTP, on both
//! backends: a native public client registers through the `openidconnect` crate, a
//! confidential web client with plain JSON; both are read, updated and deleted with their
//! registration access tokens; the confidential one gets a token by `client_credentials`.

use crate::support::{test_config, Creds, TestApp};
use openidconnect::core::{
    CoreApplicationType, CoreClientAuthMethod, CoreClientRegistrationRequest, CoreGrantType,
};
use openidconnect::registration::EmptyAdditionalClientMetadata;
use openidconnect::{AccessToken, ClientName, LocalizedClaim, RedirectUrl, RegistrationUrl};
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use reqwest::{Response, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use tessera_tests::{both_backends, TestDatabase};

async fn post_register(app: &TestApp, bearer: Option<&str>, body: &Value) -> Response {
    let mut req = app.http.post(app.url("/register")).json(body);
    if let Some(b) = bearer {
        req = req.header(AUTHORIZATION, format!("Bearer {b}"));
    }
    req.send().await.unwrap()
}

async fn error_of(res: Response, status: StatusCode, code: &str) {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(body["error_description"].is_string());
}

fn web_client() -> Value {
    json!({
        "client_name": "Example web app",
        "redirect_uris": ["https://app.example.com/cb"],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
        "application_type": "web",
        "scope": "openid profile",
        "client_uri": "https://app.example.com",
        "contacts": ["ops@example.com"],
        "software_id": "example-web",
        "software_version": "1.0",
        "some_unknown_member": {"ignored": true}
    })
}

async fn register_manage_and_use(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let discovery: Value = app
        .http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let endpoint = discovery["registration_endpoint"].as_str().unwrap();
    assert_eq!(endpoint, app.url("/register"));

    // A native public client through the openidconnect crate's registration support.
    let native = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new("http://127.0.0.1:33418/callback".into()).unwrap()],
        EmptyAdditionalClientMetadata {},
    )
    .set_application_type(Some(CoreApplicationType::Native))
    .set_token_endpoint_auth_method(Some(CoreClientAuthMethod::None))
    .set_grant_types(Some(vec![
        CoreGrantType::AuthorizationCode,
        CoreGrantType::RefreshToken,
    ]))
    .set_client_name(Some(LocalizedClaim::from(ClientName::new(
        "CLI tool".into(),
    ))))
    .register_async(&RegistrationUrl::new(endpoint.into()).unwrap(), &app.http)
    .await
    .unwrap();
    let native_id = native.client_id().as_str().to_owned();
    assert!(native.client_secret().is_none());
    let native_uri = native.registration_client_uri().unwrap().url().to_string();
    assert_eq!(native_uri, app.url(&format!("/register/{native_id}")));
    let native_token = native.registration_access_token().unwrap().secret().clone();

    // A confidential web client with plain JSON.
    let res = post_register(&app, None, &web_client()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let web: Value = res.json().await.unwrap();
    let web_id = web["client_id"].as_str().unwrap().to_owned();
    let secret = web["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(web["client_secret_expires_at"], 0);
    assert!(web["client_id_issued_at"].as_i64().unwrap() > 0);
    assert_eq!(web["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(web["application_type"], "web");
    assert_eq!(web["scope"], "openid profile");
    assert_eq!(web["contacts"], json!(["ops@example.com"]));
    assert_eq!(web["client_uri"], "https://app.example.com");
    assert_eq!(web["software_version"], "1.0");
    assert_eq!(web["response_types"], json!(["code"]));
    assert!(web.get("some_unknown_member").is_none());
    let mut web_token = web["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // The registered confidential client gets a token.
    let creds = Creds {
        id: web_id.clone(),
        secret: secret.clone(),
    };
    let access = app.token(&creds, Some("openid")).await;
    assert_eq!(access.split('.').count(), 3);

    // Read: a new registration access token each time; the old one stops working.
    let client_uri = web["registration_client_uri"].as_str().unwrap().to_owned();
    let res = app
        .http
        .get(&client_uri)
        .bearer_auth(&web_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let read: Value = res.json().await.unwrap();
    assert_eq!(read["client_id"], web_id.as_str());
    assert!(
        read.get("client_secret").is_none(),
        "the secret is shown once"
    );
    let old = std::mem::replace(
        &mut web_token,
        read["registration_access_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let res = app
        .http
        .get(&client_uri)
        .bearer_auth(&old)
        .send()
        .await
        .unwrap();
    assert!(res.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    error_of(res, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // Update: full replacement, client_id must match.
    let mut replacement = web_client();
    replacement["client_id"] = json!(web_id);
    replacement["client_secret"] = json!(secret);
    replacement["client_name"] = json!("Renamed web app");
    replacement["redirect_uris"] = json!(["https://app.example.com/new-cb"]);
    replacement["contacts"] = json!([]);
    let res = app
        .http
        .put(&client_uri)
        .bearer_auth(&web_token)
        .json(&replacement)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["client_name"], "Renamed web app");
    assert_eq!(
        updated["redirect_uris"],
        json!(["https://app.example.com/new-cb"])
    );
    assert!(updated.get("contacts").is_none());
    web_token = updated["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut wrong_id = replacement.clone();
    wrong_id["client_id"] = json!(native_id);
    let res = app
        .http
        .put(&client_uri)
        .bearer_auth(&web_token)
        .json(&wrong_id)
        .send()
        .await
        .unwrap();
    error_of(res, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;

    // One client's token does not manage another; an unknown client answers alike.
    for (uri, token) in [
        (native_uri.as_str(), web_token.as_str()),
        (&*app.url("/register/no-such-client"), native_token.as_str()),
    ] {
        let res = app.http.get(uri).bearer_auth(token).send().await.unwrap();
        error_of(res, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
    let res = app.http.get(&native_uri).send().await.unwrap();
    error_of(res, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // Delete: the client is gone, and so are its credentials.
    let res = app
        .http
        .delete(&client_uri)
        .bearer_auth(&web_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .post_form(
            "/token",
            Some(&creds),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .http
        .get(&client_uri)
        .bearer_auth(&web_token)
        .send()
        .await
        .unwrap();
    error_of(res, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let res = app
        .http
        .delete(&native_uri)
        .bearer_auth(&native_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}
both_backends!(register_manage_and_use, register_manage_and_use);

async fn invalid_metadata_is_refused(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let cases = [
        (
            json!({"redirect_uris": ["http://127.0.0.1:9/cb"], "application_type": "web"}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb#x"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["myapp:/cb"], "application_type": "native"}),
            "invalid_redirect_uri",
        ),
        (json!({"redirect_uris": []}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["implicit"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["password"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "response_types": ["token"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "logo_uri": "http://a.example/l.png"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "contacts": ["not-an-email"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "scope": "openid admin"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": "https://a.example/cb"}),
            "invalid_client_metadata",
        ),
        (
            json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}),
            "invalid_client_metadata",
        ),
    ];
    for (body, code) in cases {
        let res = post_register(&app, None, &body).await;
        error_of(res, StatusCode::BAD_REQUEST, code).await;
    }
    let res = app
        .http
        .post(app.url("/register"))
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    error_of(res, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
    app.stop().await;
}
both_backends!(invalid_metadata, invalid_metadata_is_refused);

async fn initial_access_token_is_required_when_configured(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.client_registration.initial_access_token =
        Some(SecretString::from("initial-access-token-0123456789"));
    let app = TestApp::spawn_with(db, config).await;
    let body = json!({"grant_types": ["client_credentials"]});
    for bearer in [None, Some("wrong-token")] {
        let res = post_register(&app, bearer, &body).await;
        error_of(res, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
    let res = post_register(&app, Some("initial-access-token-0123456789"), &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let client: Value = res.json().await.unwrap();
    assert_eq!(client["grant_types"], json!(["client_credentials"]));
    assert_eq!(client["response_types"], json!([]));

    // The openidconnect crate sends the initial access token too.
    let registered = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new("https://app.example.com/cb".into()).unwrap()],
        EmptyAdditionalClientMetadata {},
    )
    .set_initial_access_token(Some(AccessToken::new(
        "initial-access-token-0123456789".into(),
    )))
    .register_async(
        &RegistrationUrl::new(app.url("/register")).unwrap(),
        &app.http,
    )
    .await
    .unwrap();
    assert!(registered.client_secret().is_some());
    app.stop().await;
}
both_backends!(
    initial_access_token,
    initial_access_token_is_required_when_configured
);

async fn disabled_registration_is_not_found(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.client_registration.enabled = false;
    let app = TestApp::spawn_with(db, config).await;
    let res = post_register(&app, None, &web_client()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .http
        .get(app.url("/register/some-client"))
        .bearer_auth("x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    for doc in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let meta: Value = app
            .http
            .get(app.url(doc))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(meta.get("registration_endpoint").is_none(), "{doc}");
        assert!(meta.get("token_endpoint").is_some());
    }
    app.stop().await;
}
both_backends!(disabled, disabled_registration_is_not_found);
