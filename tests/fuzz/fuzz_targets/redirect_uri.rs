//! Redirect URIs (domain `RedirectUri`): no input panics; an accepted URI is kept exactly as
//! given, parses again to itself, matches itself, contains no fragment, wildcard, white space
//! or userinfo, and plain `http` only for a loopback IP literal; matching never panics, and a
//! URI other than the registered one matches only through the loopback port rule.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_domain::RedirectUri;

fuzz_target!(|data: &[u8]| {
    let (registered, requested) = tessera_fuzz::two_strings(data);
    let Ok(uri) = RedirectUri::parse(&registered) else {
        return;
    };
    assert_eq!(uri.as_str(), registered);
    assert_eq!(RedirectUri::parse(uri.as_str()).as_ref(), Ok(&uri));
    assert!(uri.matches(&registered));
    assert!(!registered.contains(['#', '*', ' ']));
    assert!(registered.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    let lower = registered.to_ascii_lowercase();
    if lower.starts_with("http:") {
        assert!(
            registered.starts_with("http://127.0.0.1") || registered.starts_with("http://[::1]"),
            "{registered}"
        );
    }
    // An authority is what follows `scheme://`; a private-use URI without one may hold `://`
    // and `@` in its path (`x::://a@b`).
    let authority = registered
        .split_once(':')
        .and_then(|(_, rest)| rest.strip_prefix("//"))
        .map(|after| after.split(['/', '?']).next().unwrap_or_default());
    if let Some(authority) = authority {
        assert!(!authority.contains('@'), "{registered}");
    }
    if uri.matches(&requested) && requested != registered {
        let loopback = ["http://127.0.0.1", "http://[::1]"]
            .iter()
            .any(|p| registered.starts_with(p) && requested.starts_with(p));
        assert!(loopback, "{registered} matched {requested}");
    }
});
