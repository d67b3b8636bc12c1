//! Authorization server metadata (RFC 8414, OIDC Discovery 1.0), serialised once at start-up.

use super::{paths, HttpState};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// The two metadata documents as ready-to-send bytes with their ETag.
pub struct Discovery {
    openid: web::Bytes,
    oauth: web::Bytes,
    etag: String,
}

impl Discovery {
    /// Builds the documents for `issuer`, advertising only what is implemented.
    pub fn new(issuer: &str) -> Self {
        let base = issuer.trim_end_matches('/');
        let url = |p: &str| format!("{base}{p}");
        let secret_methods = ["client_secret_basic", "client_secret_post"];
        let doc = json!({
            "issuer": issuer,
            "authorization_endpoint": url(paths::AUTHORIZE),
            "token_endpoint": url(paths::TOKEN),
            "userinfo_endpoint": url(paths::USERINFO),
            "jwks_uri": url(paths::JWKS),
            "end_session_endpoint": url(paths::LOGOUT),
            "introspection_endpoint": url(paths::INTROSPECT),
            "revocation_endpoint": url(paths::REVOKE),
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "form_post"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": secret_methods,
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "prompt_values_supported": ["none", "login", "consent", "select_account"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp", "name", "email", "email_verified"],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
        });
        let openid = web::Bytes::from(doc.to_string());
        let etag = format!("\"{:016x}\"", fnv1a(&openid));
        Self {
            oauth: openid.clone(),
            openid,
            etag,
        }
    }
}

/// A small, fast, stable hash for ETags (not a security boundary).
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// Answers with `body`, or `304` when the client already has it.
pub(super) fn cacheable_json(
    req: &HttpRequest,
    body: web::Bytes,
    etag: &str,
    max_age: u32,
) -> HttpResponse {
    let cache_control = format!("public, max-age={max_age}");
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"));
    if fresh {
        res.finish()
    } else {
        res.content_type("application/json").body(body)
    }
}

/// `GET /.well-known/openid-configuration`.
pub async fn openid_configuration_get(
    req: HttpRequest,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let d = &state.discovery;
    cacheable_json(&req, d.openid.clone(), &d.etag, 3600)
}

/// `GET /.well-known/oauth-authorization-server`.
pub async fn oauth_authorization_server_get(
    req: HttpRequest,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let d = &state.discovery;
    cacheable_json(&req, d.oauth.clone(), &d.etag, 3600)
}
