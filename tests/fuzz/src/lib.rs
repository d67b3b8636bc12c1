//! Helpers shared by the fuzz targets: turning libFuzzer's bytes into the shapes the parsers
//! expect, so mutations reach the JSON inside a token instead of dying at base64.

use base64::Engine;

/// Base64url without padding, the JOSE encoding.
pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Input as a token. An even first byte: the rest as text, as sent. An odd one: the rest split
/// at `0xff` bytes into header, payload and signature, each base64url-encoded and joined with
/// dots, so the fuzzer mutates the decoded JSON directly.
pub fn token(data: &[u8]) -> String {
    match data.split_first() {
        Some((mode, rest)) if mode & 1 == 1 => {
            let mut parts = rest.splitn(3, |b| *b == 0xff);
            let header = parts.next().unwrap_or_default();
            let payload = parts.next().unwrap_or_default();
            let signature = parts.next().unwrap_or_default();
            format!(
                "{}.{}.{}",
                B64.encode(header),
                B64.encode(payload),
                B64.encode(signature)
            )
        }
        Some((_, rest)) => String::from_utf8_lossy(rest).into_owned(),
        None => String::new(),
    }
}

/// The decoded payload segment of a compact JWS, when it has one.
pub fn payload_of(token: &str) -> Option<Vec<u8>> {
    B64.decode(token.split('.').nth(1)?).ok()
}

/// Splits input at the first `0xff` into two strings (lossy UTF-8).
pub fn two_strings(data: &[u8]) -> (String, String) {
    let mut parts = data.splitn(2, |b| *b == 0xff);
    let a = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let b = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    (a, b)
}
