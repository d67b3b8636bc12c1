//! The signed-in person's own browser sessions and connected apps (`/users/me/sessions`,
//! `/users/me/apps`).

use serde::Serialize;
use utoipa::ToSchema;

/// One live browser session of `GET /users/me/sessions`.
#[derive(Serialize, ToSchema)]
pub struct SessionBody {
    /// Public id (not the cookie): `DELETE /users/me/sessions/{id}` ends the session.
    pub id: String,
    /// When the person signed in (Unix seconds).
    pub signed_in_at: i64,
    /// When the session ends at the latest (Unix seconds).
    pub expires_at: i64,
    /// How they signed in (RFC 8176 `amr` values).
    #[schema(example = json!(["pwd"]))]
    pub amr: Vec<&'static str>,
    /// True for the session the request came with (never for a bearer token).
    pub current: bool,
}

/// One app of `GET /users/me/apps`: a remembered consent.
#[derive(Serialize, ToSchema)]
pub struct ConnectedAppBody {
    pub client_id: String,
    /// The client's registered name.
    pub name: String,
    /// The scopes allowed, space-separated.
    pub scope: String,
    /// When the consent was given (Unix seconds).
    pub granted_at: i64,
}
