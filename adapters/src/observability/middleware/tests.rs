use super::*;
use crate::crypto::OsRandom;
use crate::observability::Snapshot;
use actix_web::{test, web, App, HttpResponse};

async fn app_answers(
    req: test::TestRequest,
) -> (actix_web::http::StatusCode, Option<String>, String, String) {
    let metrics = Arc::new(Metrics::new(&["/ok"]));
    let app = test::init_service(
        App::new()
            .wrap(RequestObserver::new(
                metrics.clone(),
                Arc::new(RequestIds::new(&OsRandom)),
            ))
            .route(
                "/ok",
                web::get().to(|req: HttpRequest| async move {
                    let id = req.extensions().get::<RequestId>().map(|i| i.to_string());
                    HttpResponse::Ok().body(id.unwrap_or_default())
                }),
            )
            .route(
                "/items/{id}",
                web::get().to(|| async { HttpResponse::TooManyRequests().finish() }),
            ),
    )
    .await;
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    let header = res
        .headers()
        .get(&X_REQUEST_ID)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    (status, header, metrics.render(&Snapshot::default()), body)
}

#[actix_web::test]
async fn a_sane_request_id_is_echoed_and_reaches_the_handler() {
    let (status, header, out, body) = app_answers(
        test::TestRequest::get()
            .uri("/ok?secret=1")
            .insert_header(("x-request-id", "abc-123")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header.as_deref(), Some("abc-123"));
    assert_eq!(
        body, "abc-123",
        "handlers find the id in the request extensions"
    );
    assert!(out.contains(r#"tessera_http_requests_total{method="GET",route="/ok",status="200"} 1"#));
}

#[actix_web::test]
async fn an_insane_request_id_is_replaced() {
    let long = "a".repeat(300);
    for bad in [long.as_str(), "with space"] {
        let (_, header, _, body) = app_answers(
            test::TestRequest::get()
                .uri("/ok")
                .insert_header(("x-request-id", bad)),
        )
        .await;
        let header = header.expect("an id is always returned");
        assert_eq!(header.len(), 32);
        assert_ne!(header, bad);
        assert_eq!(body, header);
    }
}

#[actix_web::test]
async fn routes_are_labelled_by_pattern_never_by_path() {
    let (_, _, out, _) = app_answers(test::TestRequest::get().uri("/nowhere/xyz")).await;
    assert!(
        out.contains(r#"route="unmatched",status="404"} 1"#),
        "{out}"
    );
    assert!(!out.contains("xyz"));
    let (_, _, out, _) = app_answers(test::TestRequest::get().uri("/items/42")).await;
    assert!(
        out.contains(r#"route="/items/{id}",status="429"} 1"#),
        "{out}"
    );
    assert!(out.contains(r#"tessera_rate_limited_total{route="/items/{id}"} 1"#));
    assert!(!out.contains("42\""));
}
