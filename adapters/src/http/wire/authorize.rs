//! The browser endpoints' forms: `/authorize` and `/logout`.

use utoipa::ToSchema;

/// An authorization request (RFC 6749 §4.1.1, PKCE, OIDC Core §3.1.2.1), as query parameters
/// of `GET` or the form body of `POST`. The login and consent pages post back here with the
/// same parameters plus their own fields.
#[derive(ToSchema)]
pub struct AuthorizeForm {
    /// `code`.
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    /// PKCE, `S256` only.
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
    /// `none`, `login`, `consent`, `select_account`.
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub login_hint: Option<String>,
    /// `query` or `form_post`.
    pub response_mode: Option<String>,
    /// Page field: the anti-forgery token.
    pub csrf_token: Option<String>,
    /// Page field: which form was sent.
    pub action: Option<String>,
    /// Login page field.
    pub email: Option<String>,
    /// Login page field.
    pub password: Option<String>,
    /// Consent page field: `allow` or `deny`.
    pub decision: Option<String>,
}

/// The logout confirmation form (CSRF-protected), carrying the `GET /logout` parameters.
#[derive(ToSchema)]
pub struct LogoutForm {
    pub csrf_token: Option<String>,
    /// `yes` to sign out.
    pub confirm: Option<String>,
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub client_id: Option<String>,
}
