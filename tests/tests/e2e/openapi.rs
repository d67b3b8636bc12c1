//! `GET /openapi.json` and `GET /docs` over real HTTP: the document describes exactly the
//! routes the server answers, and `/docs` is off when configured off (as in production).
//!
//! A route registered without a description fails here: every path of `paths::ROUTES` is
//! probed with every method, and whatever the router answers must be listed (and so, by the
//! adapters' unit test, described); every described operation must be routed.

use crate::support::{test_config, TestApp};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::Value;
use std::collections::BTreeSet;
use tessera_adapters::http::known_routes;
use tessera_adapters::http::paths::ROUTES;
use tessera_tests::{both_backends, TestDatabase};

const ADMIN_TOKEN: &str = "e2e-openapi-admin-token-0123456789abcdef";
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// What the router said to one request.
enum Routing {
    /// A handler answered (any status but the two below).
    Routed(StatusCode),
    /// The default service: `404 {"error":"not_found","error_description":"no such endpoint"}`.
    UnknownPath,
    /// `405`: the path exists, the method does not.
    WrongMethod,
}

async fn probe(app: &TestApp, method: &str, pattern: &str) -> Routing {
    // Path parameters get a value no object has; the route must still be found.
    let path = pattern
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                "probe-id"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut req = app.http.request(
        Method::from_bytes(method.as_bytes()).unwrap(),
        app.url(&path),
    );
    if pattern.starts_with("/admin") {
        // With the token, so that routing (not authentication) decides the answer.
        req = req.bearer_auth(ADMIN_TOKEN);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    match status {
        StatusCode::METHOD_NOT_ALLOWED => Routing::WrongMethod,
        StatusCode::NOT_FOUND
            if body["error"] == "not_found" && body["error_description"] == "no such endpoint" =>
        {
            Routing::UnknownPath
        }
        s => Routing::Routed(s),
    }
}

async fn every_route_is_described_and_every_description_is_routed(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.admin.token = Some(SecretString::from(ADMIN_TOKEN.to_owned()));
    let app = TestApp::spawn_with(db, config).await;

    let res = app.http.get(app.url("/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let etag = res.headers()["etag"].clone();
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let again = app
        .http
        .get(app.url("/openapi.json"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let described: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| METHODS.contains(&k.to_ascii_uppercase().as_str()))
                .map(|m| (m.to_ascii_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(described, listed, "served document vs paths::ROUTES");

    let listed_paths: BTreeSet<&str> = ROUTES.iter().map(|(_, p)| *p).collect();
    for path in known_routes() {
        assert!(
            listed_paths.contains(path),
            "{path} is in metrics::known_routes but not in paths::ROUTES"
        );
    }

    let mut failures = Vec::new();
    for pattern in &listed_paths {
        for method in METHODS {
            let is_listed = listed.contains(&(method.to_owned(), (*pattern).to_owned()));
            match (probe(&app, method, pattern).await, is_listed) {
                (Routing::Routed(_), true) | (Routing::WrongMethod, false) => {}
                (Routing::UnknownPath, false) => {}
                (Routing::Routed(s), false) => failures.push(format!(
                    "{method} {pattern} answers {s} but is not in paths::ROUTES / the document"
                )),
                (Routing::UnknownPath, true) => failures.push(format!(
                    "{method} {pattern} is described but not routed (404)"
                )),
                (Routing::WrongMethod, true) => {
                    failures.push(format!("{method} {pattern} is described but answers 405"))
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let docs = app.http.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let csp = docs.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!csp.contains("script-src"), "{csp}");
    assert!(docs.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = docs.text().await.unwrap();
    assert!(!page.contains("<script"));
    for (method, path) in ROUTES {
        assert!(
            page.contains(&format!("<strong>{method} {path}</strong>")),
            "/docs lacks {method} {path}"
        );
    }
}
both_backends!(
    openapi_routes,
    every_route_is_described_and_every_description_is_routed
);

async fn docs_off_answers_the_unknown_route_404(db: TestDatabase) {
    let mut config = test_config(db.url());
    config.http.docs = false;
    let app = TestApp::spawn_with(db, config).await;
    let res = app.http.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    let res = app.http.get(app.url("/openapi.json")).send().await.unwrap();
    assert_eq!(
        res.status(),
        200,
        "the document is served in every environment"
    );
}
both_backends!(openapi_docs_off, docs_off_answers_the_unknown_route_404);
