//! `GET /jwks`: the published public keys.

use super::discovery::{cache_control, cacheable_json, etag_of};
use super::state::OperationsState;
use super::wire::JwkSet;
use actix_web::http::header::HeaderValue;
use actix_web::{web, HttpRequest, HttpResponse};
use std::cell::RefCell;

/// How long caches may keep the key set. Short enough that a key published as `next` is known
/// everywhere long before rotation makes it active.
pub const JWKS_MAX_AGE_SECS: u32 = 300;

/// The last key set this worker thread answered with, ready to send.
struct Prepared {
    /// The document as the engine gave it, to notice a new key set.
    doc: String,
    body: web::Bytes,
    etag: HeaderValue,
    cache_control: HeaderValue,
}

thread_local! {
    /// Per worker thread, so no request waits on a lock; rebuilt only when the key set changes.
    static PREPARED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
}

// `GET /jwks`.
/// The signing keys (RFC 7517 key set, the `jwks_uri`)
#[utoipa::path(get, operation_id = "jwks", path = "/jwks", tag = "discovery",
    responses(
        (status = 200, description = "The published keys (ETag, cacheable)", body = JwkSet),
        (status = 304, description = "Not modified (If-None-Match)"),
    ))]
pub async fn jwks_get(req: HttpRequest, state: web::Data<OperationsState>) -> HttpResponse {
    // The engine serialises the document once per key set; comparing it with the previous one
    // is a memcmp, cheaper than hashing it again for the ETag and rebuilding the headers.
    let doc = state.jws.jwks();
    PREPARED.with(|cell| {
        let mut cell = cell.borrow_mut();
        let prepared = match cell.take() {
            Some(p) if p.doc == doc => p,
            _ => Prepared {
                body: web::Bytes::copy_from_slice(doc.as_bytes()),
                etag: etag_of(doc.as_bytes()),
                cache_control: cache_control(JWKS_MAX_AGE_SECS),
                doc,
            },
        };
        let res = cacheable_json(
            &req,
            prepared.body.clone(),
            &prepared.etag,
            &prepared.cache_control,
        );
        *cell = Some(prepared);
        res
    })
}
