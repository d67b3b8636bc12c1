//! Email addresses (domain `Email`): no input panics; an accepted address is in canonical form
//! (parsing it again gives itself), within the RFC 5321 lengths, with one local part and a
//! dotted domain.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_domain::Email;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(email) = Email::parse(&text) else {
        return;
    };
    assert_eq!(Email::parse(email.as_str()).as_ref(), Ok(&email));
    assert!(email.as_str().len() <= 254);
    assert!(email.local_part().len() <= 64 && !email.local_part().is_empty());
    let (_, domain) = email
        .as_str()
        .rsplit_once('@')
        .expect("an accepted address has an @");
    assert!(domain.contains('.'));
});
