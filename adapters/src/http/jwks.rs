//! `GET /jwks`: the published public keys.

use super::discovery::{cacheable_json, fnv1a};
use super::HttpState;
use actix_web::{web, HttpRequest, HttpResponse};

/// How long caches may keep the key set. Short enough that a key published as `next` is known
/// everywhere long before rotation makes it active.
pub const JWKS_MAX_AGE_SECS: u32 = 300;

/// `GET /jwks`.
pub async fn jwks_get(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let body = web::Bytes::from(state.jws.jwks());
    let etag = format!("\"{:016x}\"", fnv1a(&body));
    cacheable_json(&req, body, &etag, JWKS_MAX_AGE_SECS)
}
