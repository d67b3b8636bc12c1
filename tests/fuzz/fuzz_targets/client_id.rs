//! Client identifiers (domain `ClientId`) and PKCE values: no input panics; an accepted id
//! parses again to itself, is either unreserved characters only (1 to 128) or a metadata-
//! document URL with a host; a code verifier always satisfies the S256 challenge made from it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_domain::{access_token_hash, ClientId, CodeChallenge, CodeVerifier};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = ClientId::parse(&text) {
        assert_eq!(ClientId::parse(id.as_str()).as_ref(), Ok(&id));
        if id.is_metadata_document_url() {
            assert!(id.url_host().is_some_and(|h| !h.is_empty()));
            assert!(id.as_str().len() <= 2000);
        } else {
            assert!((1..=128).contains(&id.as_str().len()));
            assert!(id
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')));
            assert_eq!(id.url_host(), None);
        }
    }
    if let Ok(verifier) = CodeVerifier::parse(&text) {
        // S256: base64url(SHA-256(verifier)), the same computation as a DPoP `ath`.
        let challenge =
            CodeChallenge::parse(&access_token_hash(&text)).expect("a S256 challenge parses");
        assert!(challenge.is_satisfied_by(&verifier));
        let other = CodeChallenge::parse(&access_token_hash(&format!("{text}x"))).expect("parses");
        assert!(!other.is_satisfied_by(&verifier));
    }
    let _ = CodeChallenge::parse(&text);
});
