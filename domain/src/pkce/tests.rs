use super::*;

// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[test]
fn rfc_7636_appendix_b_example_verifies() {
    let c = CodeChallenge::parse(CHALLENGE).unwrap();
    assert!(c.is_satisfied_by(&CodeVerifier::parse(VERIFIER).unwrap()));
    let other = CodeVerifier::parse(&"a".repeat(43)).unwrap();
    assert!(!c.is_satisfied_by(&other));
}

#[test]
fn as_13_only_s256() {
    assert_eq!(
        CodeChallengeMethod::parse("S256").unwrap(),
        CodeChallengeMethod::S256
    );
    for bad in ["plain", "s256", "", "S512"] {
        assert_eq!(
            CodeChallengeMethod::parse(bad),
            Err(PkceError::UnsupportedMethod)
        );
    }
}

#[test]
fn as_15_verifier_abnf_and_length() {
    assert!(CodeVerifier::parse(&"a".repeat(42)).is_err());
    assert!(CodeVerifier::parse(&"a".repeat(43)).is_ok());
    assert!(CodeVerifier::parse(&"a".repeat(128)).is_ok());
    assert!(CodeVerifier::parse(&"a".repeat(129)).is_err());
    assert!(CodeVerifier::parse(&format!("{}+", "a".repeat(43))).is_err());
    assert!(CodeVerifier::parse(&format!("{}=", "a".repeat(43))).is_err());
    assert!(CodeVerifier::parse(&format!("{}-._~", "a".repeat(43))).is_ok());
}

#[test]
fn challenge_shape() {
    assert!(CodeChallenge::parse(&CHALLENGE[..42]).is_err());
    assert!(CodeChallenge::parse(&format!("{}=", &CHALLENGE[..42])).is_err());
    assert!(CodeChallenge::parse(&CHALLENGE.replace('-', "+")).is_err());
}

#[test]
fn verifier_debug_hides_value() {
    assert_eq!(
        format!("{:?}", CodeVerifier::parse(VERIFIER).unwrap()),
        "CodeVerifier(..)"
    );
}
