//! The [`ClientJwtVerifier`] port: signatures of JWTs that clients sign (client assertions,
//! request objects), through josekit.
//!
//! Tessera's own rules come first, before any key is touched: a size cap, a strict header (no
//! key material or key references taken from the token, no `crit`), `none` never, the caller's
//! allow-list, and the key kind fixed by the client's registration rather than by the token: a
//! client with public keys never gets an HMAC checked (so its public key cannot be used as an
//! HMAC secret), a `client_secret_jwt` client never gets an asymmetric algorithm.

mod key_sets;

pub use key_sets::ClientKeySets;

use super::jws_header::{parse_header, Header, B64, MAX_TOKEN_LEN};
use async_trait::async_trait;
use base64::Engine;
use josekit::jwk::Jwk;
use josekit::jws::JwsVerifier;
use secrecy::ExposeSecret;
use serde_json::{Map, Value};
use std::sync::Arc;
use tessera_application::ports::{ClientJwtError, ClientJwtVerifier, KeyCipher, VerifiedClientJwt};
use tessera_domain::{Client, ClientJwks, TokenEndpointAuthMethod};

/// At most this many keys of one set are tried for a token without a `kid`.
const MAX_CANDIDATES: usize = 16;

/// Verifies client-signed JWTs with the client's registered keys (inline `jwks`, or `jwks_uri`
/// through [`ClientKeySets`]) or, for `client_secret_jwt`, its unsealed secret.
pub struct JosekitClientJwtVerifier {
    key_sets: ClientKeySets,
    secrets: Arc<dyn KeyCipher>,
}

impl JosekitClientJwtVerifier {
    /// Over `key_sets` for `jwks_uri` clients, and `secrets`, the cipher the registration sealed
    /// `client_secret_jwt` secrets with (the client id as associated data).
    pub fn new(key_sets: ClientKeySets, secrets: Arc<dyn KeyCipher>) -> Self {
        Self { key_sets, secrets }
    }

    /// Checks an HMAC over the client's sealed secret.
    fn verify_hmac(
        &self,
        client: &Client,
        alg: Alg,
        jws: &SplitJws<'_>,
    ) -> Result<(), ClientJwtError> {
        let sealed = match (&client.auth_method, &client.security.sealed_secret) {
            (TokenEndpointAuthMethod::ClientSecretJwt, Some(sealed)) => sealed,
            _ => return Err(ClientJwtError::UnknownKey),
        };
        let secret = self
            .secrets
            .decrypt(sealed, client.id.as_str().as_bytes())
            .map_err(|e| {
                log::warn!(
                    "the sealed secret of client {} does not open: {e}",
                    client.id
                );
                ClientJwtError::UnknownKey
            })?;
        let verifier = match alg {
            Alg::Hs256 => josekit::jws::HS256.verifier_from_bytes(secret.expose_secret()),
            Alg::Hs384 => josekit::jws::HS384.verifier_from_bytes(secret.expose_secret()),
            Alg::Hs512 => josekit::jws::HS512.verifier_from_bytes(secret.expose_secret()),
            _ => return Err(ClientJwtError::Algorithm(alg.name().to_owned())),
        }
        // Too short a secret for this hash: no usable key.
        .map_err(|_| ClientJwtError::UnknownKey)?;
        verifier
            .verify(jws.signing_input, &jws.signature)
            .map_err(|_| ClientJwtError::Signature)
    }

    /// Checks an asymmetric signature with the client's registered keys, fetching its
    /// `jwks_uri` again once when no key matches.
    async fn verify_with_keys(
        &self,
        client: &Client,
        alg: Alg,
        kid: Option<&str>,
        jws: &SplitJws<'_>,
    ) -> Result<(), ClientJwtError> {
        match &client.security.jwks {
            ClientJwks::None => Err(ClientJwtError::UnknownKey),
            ClientJwks::Inline(doc) => {
                let set: Value =
                    serde_json::from_str(doc).map_err(|_| ClientJwtError::UnknownKey)?;
                verify_with_set(&set, alg, kid, jws)
            }
            ClientJwks::Uri(uri) => {
                let set = self.key_sets.get(uri).await?;
                match verify_with_set(&set, alg, kid, jws) {
                    Err(ClientJwtError::UnknownKey) => {}
                    other => return other,
                }
                // The client may have rotated its keys since the set was cached.
                match self.key_sets.refresh(uri).await? {
                    Some(fresh) => verify_with_set(&fresh, alg, kid, jws),
                    None => Err(ClientJwtError::UnknownKey),
                }
            }
        }
    }
}

#[async_trait]
impl ClientJwtVerifier for JosekitClientJwtVerifier {
    async fn verify<'a>(
        &self,
        client: &Client,
        jwt: &str,
        allowed: &[&'a str],
        typ: Option<&'a str>,
    ) -> Result<VerifiedClientJwt, ClientJwtError> {
        let jws = split(jwt)?;
        let header = &jws.header;
        if header.alg.eq_ignore_ascii_case("none") || !allowed.contains(&header.alg.as_str()) {
            return Err(ClientJwtError::Algorithm(header.alg.clone()));
        }
        let alg =
            Alg::parse(&header.alg).ok_or_else(|| ClientJwtError::Algorithm(header.alg.clone()))?;
        if let Some(expected) = typ {
            match &header.typ {
                Some(t) if same_media_type(t, expected) => {}
                _ => return Err(ClientJwtError::Type),
            }
        }
        let has_keys = client.security.jwks.is_registered();
        if alg.is_hmac() {
            // A client with public keys: an HMAC would take a public key as its secret.
            if has_keys || client.auth_method != TokenEndpointAuthMethod::ClientSecretJwt {
                return Err(ClientJwtError::Algorithm(header.alg.clone()));
            }
            self.verify_hmac(client, alg, &jws)?;
        } else {
            if !has_keys && client.auth_method == TokenEndpointAuthMethod::ClientSecretJwt {
                return Err(ClientJwtError::Algorithm(header.alg.clone()));
            }
            self.verify_with_keys(client, alg, header.kid.as_deref(), &jws)
                .await?;
        }
        // The payload is parsed only once the signature holds.
        let payload = B64
            .decode(jws.payload)
            .map_err(|_| ClientJwtError::Malformed)?;
        let claims: Map<String, Value> =
            serde_json::from_slice(&payload).map_err(|_| ClientJwtError::Malformed)?;
        Ok(VerifiedClientJwt {
            claims,
            alg: header.alg.clone(),
            kid: header.kid.clone(),
        })
    }
}

/// The algorithms this verifier knows (the caller's allow-list picks among them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    Es512,
    EdDsa,
    Hs256,
    Hs384,
    Hs512,
}

impl Alg {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RS256" => Self::Rs256,
            "RS384" => Self::Rs384,
            "RS512" => Self::Rs512,
            "PS256" => Self::Ps256,
            "PS384" => Self::Ps384,
            "PS512" => Self::Ps512,
            "ES256" => Self::Es256,
            "ES384" => Self::Es384,
            "ES512" => Self::Es512,
            "EdDSA" => Self::EdDsa,
            "HS256" => Self::Hs256,
            "HS384" => Self::Hs384,
            "HS512" => Self::Hs512,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es512 => "ES512",
            Self::EdDsa => "EdDSA",
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
        }
    }

    pub(crate) fn is_hmac(self) -> bool {
        matches!(self, Self::Hs256 | Self::Hs384 | Self::Hs512)
    }

    /// A verifier of this algorithm from a public JWK; `None` when the key is not of this
    /// algorithm's kind (josekit checks `kty`, `crv`, `use`, `key_ops`, `alg` and RSA size).
    fn verifier(self, jwk: &Jwk) -> Option<Box<dyn JwsVerifier>> {
        use josekit::jws::{EdDSA, ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512};
        let boxed = |v: Box<dyn JwsVerifier>| Some(v);
        match self {
            Self::Rs256 => boxed(Box::new(RS256.verifier_from_jwk(jwk).ok()?)),
            Self::Rs384 => boxed(Box::new(RS384.verifier_from_jwk(jwk).ok()?)),
            Self::Rs512 => boxed(Box::new(RS512.verifier_from_jwk(jwk).ok()?)),
            Self::Ps256 => boxed(Box::new(PS256.verifier_from_jwk(jwk).ok()?)),
            Self::Ps384 => boxed(Box::new(PS384.verifier_from_jwk(jwk).ok()?)),
            Self::Ps512 => boxed(Box::new(PS512.verifier_from_jwk(jwk).ok()?)),
            Self::Es256 => boxed(Box::new(ES256.verifier_from_jwk(jwk).ok()?)),
            Self::Es384 => boxed(Box::new(ES384.verifier_from_jwk(jwk).ok()?)),
            Self::Es512 => boxed(Box::new(ES512.verifier_from_jwk(jwk).ok()?)),
            Self::EdDsa => boxed(Box::new(EdDSA.verifier_from_jwk(jwk).ok()?)),
            Self::Hs256 | Self::Hs384 | Self::Hs512 => None,
        }
    }
}

/// Tries the keys of `set` that fit `alg` (and `kid`, when the header names one). Private
/// members and symmetric keys in a set are never used.
pub(crate) fn verify_with_set(
    set: &Value,
    alg: Alg,
    kid: Option<&str>,
    jws: &SplitJws<'_>,
) -> Result<(), ClientJwtError> {
    let keys = set
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(ClientJwtError::UnknownKey)?;
    let candidates = keys
        .iter()
        .filter_map(Value::as_object)
        .filter(|k| match kid {
            Some(kid) => k.get("kid").and_then(Value::as_str) == Some(kid),
            None => true,
        })
        .filter(|k| {
            !["d", "p", "q", "dp", "dq", "qi", "k"]
                .iter()
                .any(|m| k.contains_key(*m))
        })
        .filter_map(|k| Jwk::from_map(k.clone()).ok())
        .filter_map(|jwk| alg.verifier(&jwk))
        .take(MAX_CANDIDATES);
    let mut found = false;
    for verifier in candidates {
        found = true;
        if verifier.verify(jws.signing_input, &jws.signature).is_ok() {
            return Ok(());
        }
    }
    if found {
        Err(ClientJwtError::Signature)
    } else {
        Err(ClientJwtError::UnknownKey)
    }
}

/// A compact JWS split and its header decoded; nothing verified yet.
pub(crate) struct SplitJws<'a> {
    pub(crate) header: Header,
    pub(crate) signing_input: &'a [u8],
    pub(crate) payload: &'a str,
    pub(crate) signature: Vec<u8>,
}

/// Splits `token` and decodes its header and signature; key material or key references in
/// the header, and `crit`, make it malformed here.
pub(crate) fn split(token: &str) -> Result<SplitJws<'_>, ClientJwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(ClientJwtError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ClientJwtError::Malformed);
    };
    let header_json = B64
        .decode(header_b64)
        .map_err(|_| ClientJwtError::Malformed)?;
    let header: Header = parse_header(&header_json).ok_or(ClientJwtError::Malformed)?;
    if header.jwk.0 || header.jku.0 || header.x5u.0 || header.x5c.0 || header.crit.0 {
        return Err(ClientJwtError::Malformed);
    }
    let signature = B64
        .decode(signature_b64)
        .map_err(|_| ClientJwtError::Malformed)?;
    let signing_input = token
        .as_bytes()
        .get(..header_b64.len() + 1 + payload.len())
        .ok_or(ClientJwtError::Malformed)?;
    Ok(SplitJws {
        header,
        signing_input,
        payload,
        signature,
    })
}

/// Compares two `typ` values as media types (RFC 7515 §4.1.9): case-insensitively, with
/// `application/` implied when the value has no `/`.
fn same_media_type(a: &str, b: &str) -> bool {
    fn strip(s: &str) -> &str {
        match (s.get(..12), s.get(12..)) {
            (Some(prefix), Some(rest)) if prefix.eq_ignore_ascii_case("application/") => rest,
            _ => s,
        }
    }
    let (a, b) = (strip(a), strip(b));
    !a.contains('/') && !b.contains('/') && a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
