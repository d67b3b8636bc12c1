//! The admin API (`/admin/...`): request bodies.

use utoipa::ToSchema;

/// `POST /admin/clients`: the fields of `tessera client create`.
#[derive(ToSchema)]
pub struct AdminClientCreate {
    pub name: String,
    /// `authorization_code`, `refresh_token`, `client_credentials`.
    pub grants: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub scope: Option<String>,
    /// `client_secret_basic`, `client_secret_post`, `private_key_jwt`, `none`.
    pub auth_method: Option<String>,
    pub public: Option<bool>,
    pub skip_consent: Option<bool>,
    /// Sign-ins for this client need a second factor.
    pub require_mfa: Option<bool>,
    /// Registered resources it may ask tokens for by token exchange (RFC 8693).
    pub exchange_audiences: Option<Vec<String>>,
    /// The client's JWK Set by value (public keys; `private_key_jwt`, request objects).
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// Where the client publishes its JWK Set instead.
    pub jwks_uri: Option<String>,
    /// Only pushed authorization requests (RFC 9126).
    pub require_pushed_authorization_requests: Option<bool>,
    /// Only DPoP-bound tokens (RFC 9449).
    pub dpop_bound_access_tokens: Option<bool>,
    /// Where logout tokens are POSTed (Back-Channel Logout 1.0).
    pub backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry `sid`.
    pub backchannel_logout_session_required: Option<bool>,
    /// `standard` or `fapi2`.
    pub profile: Option<String>,
}

/// `PATCH /admin/clients/{id}`: only the fields present change.
#[derive(ToSchema)]
pub struct AdminClientUpdate {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grants: Option<Vec<String>>,
    pub scope: Option<String>,
    pub skip_consent: Option<bool>,
    pub require_mfa: Option<bool>,
    /// Replaces the token-exchange audiences.
    pub exchange_audiences: Option<Vec<String>>,
}

/// `POST /admin/api-keys`.
#[derive(ToSchema)]
pub struct AdminApiKeyCreate {
    pub name: String,
}

/// `POST /admin/keys/rotate`.
#[derive(ToSchema)]
pub struct AdminKeyRotate {
    /// `RS256` (default), `ES256` or `EdDSA`.
    pub alg: Option<String>,
    /// `true`: rotate even to a key that has been published for less than the JWKS cache
    /// lifetime (default `false`: such a rotation answers `409`).
    pub force: Option<bool>,
}

/// `POST /admin/resources`: the fields of `tessera resource create`.
#[derive(ToSchema)]
pub struct AdminResourceCreate {
    /// An absolute URI without fragment: the `aud` of tokens meant for the resource.
    pub identifier: String,
    /// Shown on consent pages (default: the identifier).
    pub name: Option<String>,
    /// The space-separated scopes the resource defines.
    pub scope: Option<String>,
    /// Client ids the resource's server authenticates as (they may introspect its tokens).
    pub clients: Option<Vec<String>>,
}

/// `PUT /admin/users/{id}/roles`: the roles the user is to hold, replacing the ones held.
#[derive(ToSchema)]
pub struct AdminUserRoles {
    /// Role names; `admin` is the only one (the operators' console).
    pub roles: Vec<String>,
}
