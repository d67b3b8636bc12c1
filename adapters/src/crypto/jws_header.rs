//! The checks made on a compact JWS before any key is touched.
//!
//! The header is parsed here rather than by the JOSE library so the rules are Tessera's own:
//! an allow-list of algorithms, no key material or key references taken from the token, the
//! expected `typ`, and a size cap. Only a token that passes reaches a verifier.

use base64::Engine;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer};
use tessera_application::errors::VerifyError;
use tessera_domain::SigningAlgorithm;

/// Longest token accepted. Tessera's own tokens are well under 2 KiB; the cap keeps a hostile
/// caller from making the server decode and hash megabytes.
pub(crate) const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Base64url without padding, strict: padding and non-canonical trailing bits are refused.
pub(crate) const B64: base64::engine::GeneralPurpose =
    base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A compact JWS whose header passed the checks; the signature is not verified yet.
#[derive(Debug)]
pub(crate) struct CheckedJws<'a> {
    /// The header's algorithm, one Tessera signs with.
    pub alg: SigningAlgorithm,
    /// The header's key id.
    pub kid: String,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a [u8],
    /// The payload segment, still base64url.
    pub payload: &'a str,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// True when a header member is present, whatever its value (even `null`).
#[derive(Debug, Default)]
pub(crate) struct Present(pub(crate) bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d)?;
        Ok(Present(true))
    }
}

/// The header members Tessera looks at. Derived deserialisation refuses a duplicated member,
/// so two `alg`s cannot be read one way here and another way elsewhere.
#[derive(Debug, Deserialize)]
pub(crate) struct Header {
    pub(crate) alg: String,
    pub(crate) typ: Option<String>,
    pub(crate) kid: Option<String>,
    #[serde(default)]
    pub(crate) jwk: Present,
    #[serde(default)]
    pub(crate) jku: Present,
    #[serde(default)]
    pub(crate) x5u: Present,
    #[serde(default)]
    pub(crate) x5c: Present,
    #[serde(default)]
    pub(crate) crit: Present,
}

/// Parses a JOSE header, which RFC 7515 §4 makes a JSON object. Derived deserialisation alone
/// would also take a JSON array holding the members in declaration order (`["ES256","at+jwt",
/// "k1"]`), a header no JOSE library would read the same way (found while writing the
/// `jws_header` fuzz target's object check).
pub(crate) fn parse_header<T: DeserializeOwned>(json: &[u8]) -> Option<T> {
    let first = json
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(json).ok()
}

/// Splits `token`, decodes its header and signature, and applies the header rules, in this
/// order: size and shape (`Malformed`), key material or references in the header
/// (`ForbiddenHeader`), algorithm allow-list (`Algorithm`), `typ` (`Type`), `kid` present
/// (`UnknownKey`).
pub(crate) fn check<'a>(token: &'a str, expected_typ: &str) -> Result<CheckedJws<'a>, VerifyError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(VerifyError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed);
    };
    let header_json = B64.decode(header_b64).map_err(|_| VerifyError::Malformed)?;
    let header: Header = parse_header(&header_json).ok_or(VerifyError::Malformed)?;

    if header.jwk.0 || header.jku.0 || header.x5u.0 || header.x5c.0 || header.crit.0 {
        return Err(VerifyError::ForbiddenHeader);
    }
    let alg = SigningAlgorithm::parse(&header.alg).map_err(|_| VerifyError::Algorithm)?;
    match &header.typ {
        Some(typ) if same_media_type(typ, expected_typ) => {}
        _ => return Err(VerifyError::Type),
    }
    let kid = header.kid.ok_or(VerifyError::UnknownKey)?;
    let signature = B64
        .decode(signature_b64)
        .map_err(|_| VerifyError::Malformed)?;
    let signing_input_len = header_b64.len() + 1 + payload.len();
    let signing_input = token
        .as_bytes()
        .get(..signing_input_len)
        .ok_or(VerifyError::Malformed)?;
    Ok(CheckedJws {
        alg,
        kid,
        signing_input,
        payload,
        signature,
    })
}

/// Compares two `typ` values as media types (RFC 7515 §4.1.9): case-insensitively, with
/// `application/` implied when the value has no `/`.
fn same_media_type(a: &str, b: &str) -> bool {
    fn strip(s: &str) -> &str {
        match s.get(..12) {
            Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &s[12..],
            _ => s,
        }
    }
    let (a, b) = (strip(a), strip(b));
    !a.contains('/') && !b.contains('/') && a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(header: serde_json::Value) -> String {
        format!(
            "{}.{}.{}",
            B64.encode(header.to_string()),
            B64.encode("{}"),
            B64.encode([1, 2, 3])
        )
    }

    fn good() -> serde_json::Value {
        json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"})
    }

    #[test]
    fn a_good_header_passes() {
        let t = token(good());
        let c = check(&t, "at+jwt").unwrap();
        assert_eq!(c.alg, SigningAlgorithm::Es256);
        assert_eq!(c.kid, "k1");
        assert_eq!(c.signature, [1, 2, 3]);
        assert_eq!(c.signing_input, t.rsplit_once('.').unwrap().0.as_bytes());
        assert_eq!(c.payload, B64.encode("{}"));
    }

    #[test]
    fn typ_is_a_media_type() {
        for (header, expected) in [
            ("at+jwt", "at+jwt"),
            ("AT+JWT", "at+jwt"),
            ("application/at+jwt", "at+jwt"),
            ("at+jwt", "application/at+jwt"),
            ("Application/JWT", "JWT"),
        ] {
            assert!(same_media_type(header, expected), "{header} vs {expected}");
        }
        for (header, expected) in [
            ("JWT", "at+jwt"),
            ("text/at+jwt", "at+jwt"),
            ("application/", "at+jwt"),
            ("", "at+jwt"),
            ("application/application/at+jwt", "at+jwt"),
            ("at+jwt ", "at+jwt"),
        ] {
            assert!(!same_media_type(header, expected), "{header} vs {expected}");
        }
    }

    #[test]
    fn shape_and_size_are_checked_first() {
        let t = token(good());
        let (hp, _) = t.rsplit_once('.').unwrap();
        for bad in [
            String::new(),
            hp.to_owned(),
            format!("{t}."),
            format!("{t}.AAAA"),
            format!("{hp}.A"), // not base64url
            format!("{t}{}", "A".repeat(MAX_TOKEN_LEN)),
            format!("eyJ.{}", &t[t.find('.').unwrap() + 1..]),
            format!("{}.e30.AQID", B64.encode("[1]")),
            format!("{}.e30.AQID", B64.encode("not json")),
            format!("{}=.e30.AQID", B64.encode(good().to_string())),
            token(json!({"typ": "at+jwt", "kid": "k1"})),
            token(json!({"alg": 256, "typ": "at+jwt", "kid": "k1"})),
        ] {
            assert_eq!(
                check(&bad, "at+jwt").unwrap_err(),
                VerifyError::Malformed,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_duplicated_member_is_malformed() {
        let header = r#"{"alg":"none","alg":"ES256","typ":"at+jwt","kid":"k1"}"#;
        let t = format!("{}.e30.AQID", B64.encode(header));
        assert_eq!(check(&t, "at+jwt").unwrap_err(), VerifyError::Malformed);
    }

    /// Found with the `jws_header` fuzz target's object check: a JSON array of the members in
    /// order was read as a header.
    #[test]
    fn a_header_that_is_not_a_json_object_is_malformed() {
        for header in [
            r#"["ES256","at+jwt","k1"]"#,
            r#" ["ES256","at+jwt","k1",null,null,null,null,null]"#,
            r#""ES256""#,
            "null",
        ] {
            let t = format!("{}.e30.AQID", B64.encode(header));
            assert_eq!(
                check(&t, "at+jwt").unwrap_err(),
                VerifyError::Malformed,
                "{header}"
            );
        }
        let spaced = format!(
            "{}.e30.AQID",
            B64.encode(" \t\r\n{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}")
        );
        assert!(
            check(&spaced, "at+jwt").is_ok(),
            "white space before the object is JSON"
        );
    }

    #[test]
    fn key_material_and_references_in_the_header_are_refused() {
        for member in ["jwk", "jku", "x5u", "x5c", "crit"] {
            let mut h = good();
            h[member] = json!(null);
            assert_eq!(
                check(&token(h), "at+jwt").unwrap_err(),
                VerifyError::ForbiddenHeader,
                "{member}"
            );
        }
    }

    #[test]
    fn only_tessera_algorithms_pass() {
        for alg in [
            "none", "None", "HS256", "RS512", "PS256", "ES384", "rs256", "",
        ] {
            let mut h = good();
            h["alg"] = json!(alg);
            assert_eq!(
                check(&token(h), "at+jwt").unwrap_err(),
                VerifyError::Algorithm,
                "{alg}"
            );
        }
    }

    #[test]
    fn typ_and_kid_are_required() {
        let mut h = good();
        h.as_object_mut().unwrap().remove("typ");
        assert_eq!(check(&token(h), "at+jwt").unwrap_err(), VerifyError::Type);
        assert_eq!(check(&token(good()), "JWT").unwrap_err(), VerifyError::Type);
        let mut h = good();
        h.as_object_mut().unwrap().remove("kid");
        assert_eq!(
            check(&token(h), "at+jwt").unwrap_err(),
            VerifyError::UnknownKey
        );
    }
}

#[cfg(test)]
mod properties;
