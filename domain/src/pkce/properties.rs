//! Property tests of PKCE: every verifier of the RFC 7636 alphabet and length is accepted and
//! satisfies its own S256 challenge and no other; wrong lengths, wrong alphabets and
//! non-canonical base64url are refused; no input panics.

use super::*;
use proptest::prelude::*;

/// The S256 challenge of `verifier`, computed independently of [`CodeChallenge`].
fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

proptest! {
    /// A verifier of 43 to 128 unreserved characters is accepted and satisfies the challenge
    /// computed from it; any other verifier does not.
    #[test]
    fn verifiers_satisfy_their_own_challenge_only(
        v in "[A-Za-z0-9._~-]{43,128}",
        other in "[A-Za-z0-9._~-]{43,128}",
    ) {
        let verifier = CodeVerifier::parse(&v);
        let challenge = CodeChallenge::parse(&s256(&v));
        prop_assert!(verifier.is_ok() && challenge.is_ok());
        if let (Ok(verifier), Ok(challenge)) = (verifier, challenge) {
            prop_assert!(challenge.is_satisfied_by(&verifier));
            if other != v {
                let other = CodeVerifier::parse(&other);
                prop_assert!(other.is_ok());
                if let Ok(other) = other {
                    prop_assert!(!challenge.is_satisfied_by(&other));
                }
            }
        }
    }

    /// Every SHA-256 digest, base64url-encoded, is a challenge, kept as sent.
    #[test]
    fn every_digest_is_a_challenge(digest in any::<[u8; 32]>()) {
        let s = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        let c = CodeChallenge::parse(&s);
        prop_assert_eq!(c.as_ref().map(CodeChallenge::as_str), Ok(s.as_str()));
    }

    /// A challenge is accepted exactly when it is the canonical encoding of 32 bytes: the
    /// 43rd character carries two bits that must be zero, and any other length is refused.
    #[test]
    fn challenges_are_canonical_base64url(s in "[A-Za-z0-9_-]{40,46}") {
        let canonical = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&s)
            .ok()
            .filter(|bytes| bytes.len() == 32)
            .is_some_and(|bytes| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes) == s);
        prop_assert_eq!(CodeChallenge::parse(&s).is_ok(), canonical, "{}", s);
        if s.len() != 43 {
            prop_assert_eq!(CodeChallenge::parse(&s), Err(PkceError::BadChallenge));
        }
    }

    /// Verifiers of the wrong length are refused, whatever their characters.
    #[test]
    fn verifier_length_is_43_to_128(v in prop_oneof!["[A-Za-z0-9._~-]{0,42}", "[A-Za-z0-9._~-]{129,300}"]) {
        prop_assert_eq!(CodeVerifier::parse(&v), Err(PkceError::BadVerifier));
    }

    /// One character outside [A-Z a-z 0-9 - . _ ~], anywhere, makes a verifier invalid.
    #[test]
    fn verifier_alphabet_is_unreserved_only(
        v in "[A-Za-z0-9._~-]{43,100}",
        at in any::<proptest::sample::Index>(),
        bad in any::<char>().prop_filter("outside the alphabet", |c| {
            !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
        }),
    ) {
        let mut s = v.clone();
        s.insert(at.index(s.len() + 1), bad);
        prop_assert_eq!(CodeVerifier::parse(&s), Err(PkceError::BadVerifier));
    }

    /// Parsing never panics, whatever the input.
    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = CodeVerifier::parse(&s);
        let _ = CodeChallenge::parse(&s);
        let _ = CodeChallengeMethod::parse(&s);
    }
}
