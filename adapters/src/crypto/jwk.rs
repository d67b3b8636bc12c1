//! Public JWK members, by allow-list.

use serde_json::{Map, Value};
use tessera_application::errors::CryptoError;

/// The members that make up the public key of each key type (RFC 7518 §6, RFC 8037 §2).
/// Everything else, private members included, is dropped.
fn public_member_names(kty: &str) -> Option<&'static [&'static str]> {
    match kty {
        "RSA" => Some(&["kty", "n", "e"]),
        "EC" => Some(&["kty", "crv", "x", "y"]),
        "OKP" => Some(&["kty", "crv", "x"]),
        _ => None,
    }
}

/// Keeps only the public key members of `jwk`. Copying an allow-list rather than removing
/// known private members means no private member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, …)
/// can ever reach the JWKS, whatever the library put in the map.
pub(crate) fn public_members(jwk: &Map<String, Value>) -> Result<Map<String, Value>, CryptoError> {
    let kty = jwk
        .get("kty")
        .and_then(Value::as_str)
        .ok_or_else(|| CryptoError::backend("JWK without kty"))?;
    let names = public_member_names(kty)
        .ok_or_else(|| CryptoError::backend(format!("unsupported JWK key type {kty}")))?;
    let mut out = Map::new();
    for name in names {
        let value = jwk
            .get(*name)
            .ok_or_else(|| CryptoError::backend(format!("{kty} JWK without {name}")))?;
        out.insert((*name).to_owned(), value.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
