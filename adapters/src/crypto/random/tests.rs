use super::*;
use secrecy::ExposeSecret;

#[test]
fn fill_produces_different_bytes() {
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    OsRandom.fill(&mut a);
    OsRandom.fill(&mut b);
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 32]);
    OsRandom.fill(&mut []);
}

#[test]
fn secret_key_is_43_base64url_chars_and_fresh_each_time() {
    let a = generate_secret_key();
    let b = generate_secret_key();
    assert_eq!(a.expose_secret().len(), 43);
    assert!(a
        .expose_secret()
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    assert_ne!(a.expose_secret(), b.expose_secret());
}
