use super::*;

/// RFC 6238 Appendix B, SHA-1, secret "12345678901234567890", 8 digits; the 6-digit codes are
/// the last six digits.
#[test]
fn rfc_6238_test_vectors() {
    let secret = TotpSecret::from_bytes(*b"12345678901234567890");
    for (time, eight) in [
        (59_i64, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
    ] {
        let six = eight.get(2..).unwrap();
        assert_eq!(secret.code_at_step(time / TOTP_STEP_SECS), six);
        assert_eq!(
            secret.matching_step(six, UnixTime::from_secs(time)),
            Some(time / TOTP_STEP_SECS)
        );
    }
}

#[test]
fn codes_match_one_step_either_side_and_no_further() {
    let secret = TotpSecret::from_bytes([7; 20]);
    let now = UnixTime::from_secs(1_800_000_000);
    let step = totp_step(now);
    for offset in [-1, 0, 1] {
        let code = secret.code_at_step(step + offset);
        assert_eq!(secret.matching_step(&code, now), Some(step + offset));
    }
    for offset in [-3, -2, 2, 3] {
        let code = secret.code_at_step(step + offset);
        // A far code can coincide with a near one by chance; it then matches the near step.
        assert_ne!(secret.matching_step(&code, now), Some(step + offset));
    }
    assert_eq!(secret.matching_step("12345", now), None);
    assert_eq!(secret.matching_step("abcdef", now), None);
}

#[test]
fn the_otpauth_uri_names_issuer_and_account() {
    let secret = TotpSecret::from_bytes([1; 20]);
    let uri = secret.otpauth_uri("Tessera", "ada@example.com").unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Tessera:ada%40example.com?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={}", secret.base32())));
    assert!(uri.contains("issuer=Tessera"));
    assert_eq!(secret.base32().len(), 32);
    assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
}

#[test]
fn recovery_codes_are_80_bits_in_four_groups_and_forgive_typing() {
    let code = RecoveryCode::format([0xff; 10]);
    assert_eq!(code, "7777-7777-7777-7777");
    let code = RecoveryCode::format([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(code.len(), 19);
    let upper = code.to_uppercase().replace('-', " ");
    assert_eq!(RecoveryCode::digest(&upper), RecoveryCode::digest(&code));
    assert!(RecoveryCode::digest("123456").is_none());
    assert!(RecoveryCode::digest("abcd-efgh-ijkl-mno1").is_none());
}

#[test]
fn passkey_names() {
    assert!(is_valid_passkey_name("Laptop"));
    assert!(!is_valid_passkey_name("  "));
    assert!(!is_valid_passkey_name("a\u{7}b"));
    assert!(!is_valid_passkey_name(&"x".repeat(65)));
}
