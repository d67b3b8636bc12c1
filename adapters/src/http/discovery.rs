//! Authorization server metadata (RFC 8414, OIDC Discovery 1.0), serialised once at start-up.

use super::wire::ProviderMetadata;
use super::{paths, OperationsState};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use tessera_application::services::advertised_assertion_algorithms;
use tessera_domain::SecurityProfile;

/// How long caches may keep the metadata.
const DISCOVERY_MAX_AGE_SECS: u32 = 3600;

/// The two metadata documents as ready-to-send bytes with their ETag, and the cache headers,
/// all built once: a request only clones reference-counted bytes.
pub struct Discovery {
    openid: web::Bytes,
    oauth: web::Bytes,
    etag: HeaderValue,
    cache_control: HeaderValue,
}

impl Discovery {
    /// Builds the documents for `issuer`, advertising only what is implemented.
    pub fn new(issuer: &str) -> Self {
        let base = issuer.trim_end_matches('/');
        let url = |p: &str| format!("{base}{p}");
        let secret_methods = [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
            "client_secret_jwt",
        ];
        let all_methods = [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
            "client_secret_jwt",
            "none",
        ];
        let assertion_algs = advertised_assertion_algorithms(SecurityProfile::Standard);
        let doc = json!({
            "issuer": issuer,
            "authorization_endpoint": url(paths::AUTHORIZE),
            "token_endpoint": url(paths::TOKEN),
            "userinfo_endpoint": url(paths::USERINFO),
            "jwks_uri": url(paths::JWKS),
            "end_session_endpoint": url(paths::LOGOUT),
            "introspection_endpoint": url(paths::INTROSPECT),
            "revocation_endpoint": url(paths::REVOKE),
            "device_authorization_endpoint": url(paths::DEVICE_AUTHORIZATION),
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "form_post"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", tessera_domain::GrantType::DEVICE_CODE, tessera_domain::GrantType::TOKEN_EXCHANGE],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
            "token_endpoint_auth_methods_supported": all_methods,
            "token_endpoint_auth_signing_alg_values_supported": assertion_algs,
            "introspection_endpoint_auth_methods_supported": secret_methods,
            "introspection_endpoint_auth_signing_alg_values_supported": assertion_algs,
            "revocation_endpoint_auth_methods_supported": all_methods,
            "revocation_endpoint_auth_signing_alg_values_supported": assertion_algs,
            "code_challenge_methods_supported": ["S256"],
            "prompt_values_supported": ["none", "login", "consent", "select_account"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp", "amr", "acr", "name", "email", "email_verified"],
            "acr_values_supported": tessera_domain::Acr::SUPPORTED,
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
            "client_id_metadata_document_supported": true,
            "dpop_signing_alg_values_supported": tessera_domain::DPOP_ALGORITHMS,
        });
        let openid = web::Bytes::from(doc.to_string());
        Self {
            oauth: openid.clone(),
            etag: etag_of(&openid),
            openid,
            cache_control: cache_control(DISCOVERY_MAX_AGE_SECS),
        }
    }
}

impl Discovery {
    /// The same documents advertising `registration_endpoint` (RFC 7591 §3, RFC 8414 §2)
    /// under `issuer`: only when dynamic registration is on.
    pub fn with_registration_endpoint(self, issuer: &str) -> Self {
        let url = format!("{}{}", issuer.trim_end_matches('/'), paths::REGISTER);
        self.with_member("registration_endpoint", serde_json::Value::String(url))
    }

    /// The same documents advertising the client-assertion algorithms of `profile` (the
    /// standard profile's are there from the start).
    pub fn with_profile(self, profile: SecurityProfile) -> Self {
        let algs = serde_json::Value::from(advertised_assertion_algorithms(profile));
        self.with_member(
            "token_endpoint_auth_signing_alg_values_supported",
            algs.clone(),
        )
        .with_member(
            "introspection_endpoint_auth_signing_alg_values_supported",
            algs.clone(),
        )
        .with_member(
            "revocation_endpoint_auth_signing_alg_values_supported",
            algs,
        )
    }

    /// The same documents advertising `algs` as the DPoP proof algorithms (RFC 9449 §5.1):
    /// narrower under FAPI 2.0.
    pub fn with_dpop_algorithms(self, algs: &[&str]) -> Self {
        self.with_member("dpop_signing_alg_values_supported", serde_json::json!(algs))
    }

    /// Adds one member to both documents (a feature that is configured on or off).
    fn with_member(self, name: &str, value: serde_json::Value) -> Self {
        let mut doc: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&self.openid).unwrap_or_default();
        doc.insert(name.to_owned(), value);
        let openid = web::Bytes::from(serde_json::Value::Object(doc).to_string());
        Self {
            oauth: openid.clone(),
            etag: etag_of(&openid),
            openid,
            cache_control: self.cache_control,
        }
    }
}

/// The ETag header value of `body`.
pub(super) fn etag_of(body: &[u8]) -> HeaderValue {
    // A quoted hex number is always a valid header value; the fallback is never taken.
    HeaderValue::from_str(&format!("\"{:016x}\"", fnv1a(body)))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The `Cache-Control` header value for public documents kept `max_age` seconds.
pub(super) fn cache_control(max_age: u32) -> HeaderValue {
    // Digits are always a valid header value; the fallback is never taken.
    HeaderValue::from_str(&format!("public, max-age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("no-cache"))
}

/// A small, fast, stable hash for ETags (not a security boundary).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// Answers with `body`, or `304` when the client already has it.
pub(super) fn cacheable_json(
    req: &HttpRequest,
    body: web::Bytes,
    etag: &HeaderValue,
    cache_control: &HeaderValue,
) -> HttpResponse {
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().as_bytes() == etag.as_bytes() || t.trim() == "*")
        });
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache_control.clone()))
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ));
    if fresh {
        res.finish()
    } else {
        res.content_type("application/json").body(body)
    }
}

// `GET /.well-known/openid-configuration`.
/// OpenID Connect Discovery 1.0 metadata
#[utoipa::path(get, operation_id = "openid_configuration", path = "/.well-known/openid-configuration", tag = "discovery",
    responses(
        (status = 200, description = "The provider metadata (ETag, cacheable)", body = ProviderMetadata),
        (status = 304, description = "Not modified (If-None-Match)"),
    ))]
pub async fn openid_configuration_get(
    req: HttpRequest,
    state: web::Data<OperationsState>,
) -> HttpResponse {
    let d = &state.discovery;
    cacheable_json(&req, d.openid.clone(), &d.etag, &d.cache_control)
}

// `GET /.well-known/oauth-authorization-server`.
/// RFC 8414 authorization server metadata
#[utoipa::path(get, operation_id = "oauth_authorization_server", path = "/.well-known/oauth-authorization-server", tag = "discovery",
    responses(
        (status = 200, description = "The server metadata (ETag, cacheable)", body = ProviderMetadata),
        (status = 304, description = "Not modified (If-None-Match)"),
    ))]
pub async fn oauth_authorization_server_get(
    req: HttpRequest,
    state: web::Data<OperationsState>,
) -> HttpResponse {
    let d = &state.discovery;
    cacheable_json(&req, d.oauth.clone(), &d.etag, &d.cache_control)
}
