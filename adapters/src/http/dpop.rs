//! RFC 9449 at the edge: the one reader of the `DPoP` proof header, and the header names.

use super::errors::ApiError;
use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use tessera_application::OAuthErrorCode;

/// The request header carrying a proof (RFC 9449 §4.1).
pub const DPOP_HEADER: &str = "DPoP";

/// The response header carrying a server nonce (RFC 9449 §8).
pub const DPOP_NONCE_HEADER: &str = "DPoP-Nonce";

/// The request's proof, if any. More than one `DPoP` header, or one that is not visible ASCII,
/// is `400 invalid_dpop_proof` (RFC 9449 §4.3 item 1).
pub fn dpop_proof(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let mut values = req.headers().get_all(DPOP_HEADER);
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let refused = |why: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidDpopProof,
            why,
        )
    };
    if values.next().is_some() {
        return Err(refused("send exactly one DPoP header"));
    }
    let proof = first
        .to_str()
        .map_err(|_| refused("the DPoP header is not a JWT"))?
        .trim();
    if proof.is_empty() {
        return Err(refused("the DPoP header is empty"));
    }
    Ok(Some(proof))
}

#[cfg(test)]
mod tests;
