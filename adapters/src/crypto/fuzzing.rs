//! The JWS header checks, reachable from outside the crate only with the `fuzzing` feature, for
//! the fuzz targets in `tests/fuzz`. The checks stay crate-private otherwise: the verifiers
//! are their only production callers.

use tessera_application::errors::VerifyError;
use tessera_domain::SigningAlgorithm;

/// What [`check_jws_header`] hands back for a token whose header passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedHeader {
    /// The header's algorithm.
    pub alg: SigningAlgorithm,
    /// The header's key id.
    pub kid: String,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: Vec<u8>,
    /// The payload segment, still base64url.
    pub payload: String,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// The checks every Tessera-issued token's header goes through before a key is touched.
pub fn check_jws_header(token: &str, expected_typ: &str) -> Result<CheckedHeader, VerifyError> {
    super::jws_header::check(token, expected_typ).map(|c| CheckedHeader {
        alg: c.alg,
        kid: c.kid,
        signing_input: c.signing_input.to_vec(),
        payload: c.payload.to_owned(),
        signature: c.signature,
    })
}
