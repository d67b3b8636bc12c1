//! DPoP proofs (RFC 9449 §4.3) checked with josekit against the key in their own header, and
//! the stateless server nonces (§8) every process derives from the secret key.

use super::jws_header::{parse_header, B64, MAX_TOKEN_LEN};
use base64::Engine;
use josekit::jwk::Jwk;
use josekit::jws::{EdDSA, JwsVerifier, ES256, PS256, RS256};
use openssl::hash::MessageDigest;
use openssl::memcmp;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::Deserialize;
use tessera_application::ports::{
    DpopNonces, DpopProofError, DpopProofVerifier, VerifiedDpopProof,
};
use tessera_domain::{jwk_thumbprint, DpopProofClaims, ThumbprintError, UnixTime, DPOP_PROOF_TYP};

/// The header members a proof must have. Derived deserialisation refuses duplicates.
#[derive(Deserialize)]
struct ProofHeader {
    typ: Option<String>,
    alg: String,
    jwk: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Verifies DPoP proofs: `typ` `dpop+jwt`, `alg` on the allow-list, a public `jwk` in the
/// header that verifies the signature. The key's thumbprint is computed by the domain.
#[derive(Debug, Default, Clone, Copy)]
pub struct JosekitDpopVerifier;

impl DpopProofVerifier for JosekitDpopVerifier {
    fn verify(
        &self,
        proof: &str,
        allowed: &[&'static str],
    ) -> Result<VerifiedDpopProof, DpopProofError> {
        if proof.len() > MAX_TOKEN_LEN {
            return Err(DpopProofError::Malformed);
        }
        let header_b64 = proof.split('.').next().ok_or(DpopProofError::Malformed)?;
        let header_json = B64
            .decode(header_b64)
            .map_err(|_| DpopProofError::Malformed)?;
        let header: ProofHeader = parse_header(&header_json).ok_or(DpopProofError::Malformed)?;
        if header.typ.as_deref() != Some(DPOP_PROOF_TYP) {
            return Err(DpopProofError::Type);
        }
        if !allowed.contains(&header.alg.as_str()) {
            return Err(DpopProofError::Algorithm(header.alg));
        }
        let jwk_map = header.jwk.ok_or(DpopProofError::Key)?;
        let jkt = jwk_thumbprint(&jwk_map).map_err(|e| match e {
            ThumbprintError::Private | ThumbprintError::Unsupported => DpopProofError::Key,
        })?;
        let jwk = Jwk::from_map(jwk_map).map_err(|_| DpopProofError::Key)?;
        let verifier: Box<dyn JwsVerifier> = match header.alg.as_str() {
            "ES256" => Box::new(
                ES256
                    .verifier_from_jwk(&jwk)
                    .map_err(|_| DpopProofError::Key)?,
            ),
            "PS256" => Box::new(
                PS256
                    .verifier_from_jwk(&jwk)
                    .map_err(|_| DpopProofError::Key)?,
            ),
            "RS256" => Box::new(
                RS256
                    .verifier_from_jwk(&jwk)
                    .map_err(|_| DpopProofError::Key)?,
            ),
            "EdDSA" => Box::new(
                EdDSA
                    .verifier_from_jwk(&jwk)
                    .map_err(|_| DpopProofError::Key)?,
            ),
            other => return Err(DpopProofError::Algorithm(other.to_owned())),
        };
        let (payload, _) = josekit::jws::deserialize_compact(proof, verifier.as_ref())
            .map_err(|_| DpopProofError::Signature)?;
        let claims: DpopProofClaims =
            serde_json::from_slice(&payload).map_err(|_| DpopProofError::Malformed)?;
        Ok(VerifiedDpopProof { jkt, claims })
    }
}

/// Seconds one nonce bucket lasts; a nonce is accepted in its bucket and the next.
pub const DPOP_NONCE_BUCKET_SECS: i64 = 120;

/// Nonces `base64url(HMAC-SHA256(key, bucket))` over time buckets: any process with the same
/// secret key issues and accepts the same values, with nothing stored.
pub struct HmacDpopNonces {
    key: SecretBox<Vec<u8>>,
}

impl HmacDpopNonces {
    /// Derives the nonce key from the server's secret key.
    pub fn from_secret(secret: &SecretString) -> Self {
        let key =
            hmac(secret.expose_secret().as_bytes(), b"tessera/dpop-nonce/v1").unwrap_or_default();
        Self {
            key: SecretBox::new(Box::new(key)),
        }
    }

    fn nonce_for(&self, bucket: i64) -> String {
        let mac = hmac(self.key.expose_secret(), &bucket.to_be_bytes()).unwrap_or_default();
        B64.encode(mac)
    }
}

impl DpopNonces for HmacDpopNonces {
    fn current(&self, now: UnixTime) -> String {
        self.nonce_for(now.as_secs().div_euclid(DPOP_NONCE_BUCKET_SECS))
    }

    fn accepts(&self, nonce: &str, now: UnixTime) -> bool {
        let bucket = now.as_secs().div_euclid(DPOP_NONCE_BUCKET_SECS);
        [bucket, bucket.saturating_sub(1)].iter().any(|b| {
            let expected = self.nonce_for(*b);
            expected.len() == nonce.len() && memcmp::eq(expected.as_bytes(), nonce.as_bytes())
        })
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let pkey = PKey::hmac(key).ok()?;
    let mut signer = Signer::new(MessageDigest::sha256(), &pkey).ok()?;
    signer.update(data).ok()?;
    signer.sign_to_vec().ok()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
