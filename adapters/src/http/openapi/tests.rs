use super::*;
use crate::http::paths::ROUTES;

fn has(doc: &Document, method: &str, path: &str) -> bool {
    let Some(item) = doc.paths.paths.get(path) else {
        return false;
    };
    let op = match method {
        "GET" => &item.get,
        "POST" => &item.post,
        "PUT" => &item.put,
        "PATCH" => &item.patch,
        "DELETE" => &item.delete,
        other => panic!("unexpected method {other}"),
    };
    op.is_some()
}

/// Every operation of the document, as (method, path).
fn operations(doc: &Document) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        for (m, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
            ("HEAD", &item.head),
            ("OPTIONS", &item.options),
            ("TRACE", &item.trace),
        ] {
            if op.is_some() {
                out.push((m, path.clone()));
            }
        }
    }
    out
}

#[test]
fn openapi_describes_every_registered_route() {
    let doc = document("http://127.0.0.1:8080");
    let missing: Vec<_> = ROUTES.iter().filter(|(m, p)| !has(&doc, m, p)).collect();
    assert!(
        missing.is_empty(),
        "routes without a description: {missing:?}"
    );
}

#[test]
fn openapi_describes_nothing_that_is_not_registered() {
    let doc = document("http://127.0.0.1:8080");
    let extra: Vec<_> = operations(&doc)
        .into_iter()
        .filter(|(m, p)| !ROUTES.contains(&(*m, p.as_str())))
        .collect();
    assert!(
        extra.is_empty(),
        "described but not in paths::ROUTES: {extra:?}"
    );
}

#[test]
fn openapi_is_3_1_with_the_oauth_forms_and_the_error_shape() {
    let v = serde_json::to_value(document("https://id.example/")).unwrap();
    assert_eq!(v["openapi"], "3.1.0");
    assert_eq!(v["servers"][0]["url"], "https://id.example");
    let error = &v["components"]["schemas"]["Error"];
    assert_eq!(
        error["required"],
        serde_json::json!(["error", "error_description"])
    );
    for path in ["/token", "/introspect", "/revoke"] {
        let content = &v["paths"][path]["post"]["requestBody"]["content"];
        assert!(
            content["application/x-www-form-urlencoded"]["schema"].is_object(),
            "{path}: {content}"
        );
        assert_eq!(
            v["paths"][path]["post"]["responses"]["401"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/Error",
            "{path}"
        );
    }
    assert_eq!(
        v["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["text/plain"]
    );
    for op in operations(&document("x")) {
        let (m, p) = op;
        let security = &v["paths"][&p][m.to_ascii_lowercase()]["security"];
        let is_admin = security.to_string().contains("admin_token");
        assert_eq!(is_admin, p.starts_with("/admin/"), "{m} {p}");
    }
}

#[test]
fn openapi_is_served_with_an_etag_and_docs_only_when_enabled() {
    let on = ApiDocs::new("http://127.0.0.1:8080", true);
    let off = ApiDocs::new("http://127.0.0.1:8080", false);
    assert_eq!(on.json, off.json);
    assert!(on.etag.to_str().unwrap().starts_with('"'));
    let page = on.page.expect("docs on");
    assert!(page.contains("/oauth-authorization-server"));
    assert!(off.page.is_none());
}
