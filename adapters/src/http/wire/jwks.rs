//! `GET /jwks`: the key set. The signing engine serialises it (it holds the keys); these types
//! describe that document.

use utoipa::ToSchema;

/// One public key (RFC 7517 §4); RSA keys carry `n`/`e`, EC and OKP keys `crv`/`x`(/`y`).
#[derive(ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    #[schema(rename = "use")]
    pub use_: Option<String>,
    pub alg: Option<String>,
    pub n: Option<String>,
    pub e: Option<String>,
    pub crv: Option<String>,
    pub x: Option<String>,
    pub y: Option<String>,
}

/// RFC 7517 §5 key set: the active key and those still or already published.
#[derive(ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}
