use super::*;
use crate::http::pages::Branding;
use actix_web::{test as atest, App};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn theme(logo: Option<Logo>) -> web::Data<Theme> {
    web::Data::new(Theme::new(Branding {
        logo,
        ..Branding::default()
    }))
}

#[actix_web::test]
async fn the_configured_logo_is_served_with_its_type_and_no_sniffing() {
    let app = atest::init_service(
        App::new()
            .app_data(theme(Some(Logo {
                bytes: PNG.to_vec(),
                content_type: "image/png",
            })))
            .route("/branding/logo", web::get().to(logo_get)),
    )
    .await;
    let res = atest::call_service(
        &app,
        atest::TestRequest::get().uri("/branding/logo").to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let h = |n: &str| res.headers().get(n).unwrap().to_str().unwrap().to_owned();
    assert_eq!(h("content-type"), "image/png");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert!(h("cache-control").contains("max-age="));
    assert!(res.headers().get("content-security-policy").is_none());
    assert_eq!(&atest::read_body(res).await[..], PNG);
}

#[actix_web::test]
async fn an_svg_logo_is_sandboxed() {
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec();
    let app = atest::init_service(
        App::new()
            .app_data(theme(Some(Logo {
                bytes: svg,
                content_type: "image/svg+xml",
            })))
            .route("/branding/logo", web::get().to(logo_get)),
    )
    .await;
    let res = atest::call_service(
        &app,
        atest::TestRequest::get().uri("/branding/logo").to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers().get("content-security-policy").unwrap(),
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    );
}

#[actix_web::test]
async fn without_a_logo_the_answer_is_404() {
    let app = atest::init_service(
        App::new()
            .app_data(theme(None))
            .route("/branding/logo", web::get().to(logo_get))
            .route(
                "/branding/clients/{client_id}/logo",
                web::get().to(client_logo_get),
            ),
    )
    .await;
    for uri in ["/branding/logo", "/branding/clients/app/logo"] {
        let res = atest::call_service(&app, atest::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(res.status(), 404, "{uri}");
    }
}

#[test]
fn images_are_recognised_by_their_content() {
    assert_eq!(image_type(PNG), Some("image/png"));
    assert_eq!(image_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
    assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
    assert_eq!(image_type(b"GIF89a..."), Some("image/gif"));
    assert_eq!(
        image_type(b"\xef\xbb\xbf <?xml version=\"1.0\"?>\n<svg/>"),
        Some("image/svg+xml")
    );
    assert_eq!(image_type(b"<html><body>svg</body></html>"), None);
    assert_eq!(image_type(b"plain text"), None);
    // Clients get raster images only.
    assert_eq!(
        raster_type(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        None
    );
}
