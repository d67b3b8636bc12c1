//! The JWS engine: signs with the active key and verifies against the published ones.

use super::jws_header::{self, B64};
use super::key_set::KeySet;
use base64::Engine;
use josekit::jws::JwsHeader;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use tessera_application::errors::{CryptoError, VerifyError};
use tessera_application::ports::{JwsEngine, KeyMaterial, VerifiedJws};
use tessera_domain::{SigningAlgorithm, UnixTime};

/// Compact JWS through josekit (OpenSSL), with the decrypted keys held in memory.
///
/// Signers, verifiers and the JWKS document are built once per [`JwsEngine::install`], not per
/// request. The set sits behind a lock only long enough to clone an `Arc`: signing and
/// verifying run on a snapshot, and an install swaps in a whole new set, so a request sees
/// either the old keys or the new ones, never a mix.
pub struct JosekitEngine {
    keys: RwLock<Arc<KeySet>>,
}

impl JosekitEngine {
    /// An engine with no keys: it signs nothing and verifies nothing until keys are installed.
    pub fn new() -> Self {
        JosekitEngine {
            keys: RwLock::new(Arc::new(KeySet::empty())),
        }
    }

    fn snapshot(&self) -> Arc<KeySet> {
        // The lock guards a single `Arc` assignment, which cannot be left half done, so a
        // poisoned lock still holds a consistent set.
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Default for JosekitEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for JosekitEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = self.snapshot();
        let mut kids: Vec<&str> = set.keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        f.debug_struct("JosekitEngine")
            .field("active", &set.active.as_ref().map(|a| a.kid.as_str()))
            .field("published", &kids)
            .finish()
    }
}

impl JwsEngine for JosekitEngine {
    fn install(&self, keys: Vec<KeyMaterial>) -> Result<(), CryptoError> {
        let set = Arc::new(KeySet::build(keys)?);
        let active = set
            .active
            .as_ref()
            .map_or("", |a| a.kid.as_str())
            .to_owned();
        let count = set.keys.len();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = set;
        log::info!("installed {count} published signing keys; {active} signs");
        Ok(())
    }

    fn sign(
        &self,
        typ: &str,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, CryptoError> {
        let span = crate::observability::otel::jws_span("jws.sign", typ);
        let set = self.snapshot();
        let active = set.active.as_ref().ok_or(CryptoError::NoActiveKey)?;
        span.set("jws.alg", || active.alg.as_str().into());
        let payload = serde_json::to_vec(claims)
            .map_err(|e| CryptoError::failed("serialising the claims", e))?;
        let mut header = JwsHeader::new();
        header.set_token_type(typ);
        // josekit adds `alg` from the signer and `kid` from the key id set at install.
        josekit::jws::serialize_compact(&payload, &header, active.signer.as_ref())
            .map_err(|e| CryptoError::failed("signing", e))
    }

    fn verify(&self, token: &str, typ: &str, now: UnixTime) -> Result<VerifiedJws, VerifyError> {
        let _span = crate::observability::otel::jws_span("jws.verify", typ);
        let jws = jws_header::check(token, typ)?;
        let set = self.snapshot();
        let key = set
            .published(&jws.kid, now)
            .ok_or(VerifyError::UnknownKey)?;
        if key.key.alg != jws.alg {
            return Err(VerifyError::Algorithm);
        }
        key.verifier
            .verify(jws.signing_input, &jws.signature)
            .map_err(|_| VerifyError::Signature)?;
        // The payload is parsed only once it is known to be ours.
        let payload = B64
            .decode(jws.payload)
            .map_err(|_| VerifyError::Malformed)?;
        let claims = serde_json::from_slice(&payload).map_err(|_| VerifyError::Malformed)?;
        Ok(VerifiedJws {
            claims,
            kid: jws.kid,
        })
    }

    fn jwks(&self) -> String {
        self.snapshot().jwks.clone()
    }

    fn active_kid(&self) -> Option<String> {
        self.snapshot().active.as_ref().map(|a| a.kid.clone())
    }

    fn active_algorithm(&self) -> Option<SigningAlgorithm> {
        self.snapshot().active.as_ref().map(|a| a.alg)
    }
}

#[cfg(test)]
mod tests;
