//! RFC 9126 pushed authorization requests: the form `/par` reads and its answer.

use serde::Serialize;
use utoipa::ToSchema;

/// `POST /par` form body (RFC 9126 §2.1): client authentication as at `/token`, then the
/// authorization request's parameters, or a signed `request` object holding them.
#[derive(ToSchema)]
pub struct PushedAuthorizationForm {
    /// The client (with HTTP Basic, the same as the Basic user if sent).
    pub client_id: Option<String>,
    /// `code`.
    pub response_type: Option<String>,
    /// A registered redirect URI.
    pub redirect_uri: Option<String>,
    /// Space-separated scopes.
    pub scope: Option<String>,
    /// Echoed to the client.
    pub state: Option<String>,
    /// PKCE (RFC 7636).
    pub code_challenge: Option<String>,
    /// `S256`.
    pub code_challenge_method: Option<String>,
    /// OIDC nonce.
    pub nonce: Option<String>,
    /// A request object (RFC 9101) signed with one of the client's registered keys: then only
    /// its claims count.
    pub request: Option<String>,
}

/// RFC 9126 §2.2 response.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushedAuthorizationResponseBody {
    /// `urn:ietf:params:oauth:request_uri:…`, for `/authorize` with `client_id`.
    pub request_uri: String,
    /// Seconds it stays usable (once).
    pub expires_in: i64,
}
