use super::*;
use crate::crypto::OsRandom;

#[test]
fn sane_ids_are_kept() {
    for ok in ["abc-123", "a", "A.b_c:d-e", &"x".repeat(128)] {
        let id = RequestId::parse(ok.as_bytes()).expect(ok);
        assert_eq!(id.as_str(), ok);
    }
}

#[test]
fn other_ids_are_refused() {
    for bad in [
        "",
        &"x".repeat(129),
        &"x".repeat(300),
        "has space",
        "quote\"",
        "new\nline",
        "tab\t",
        "ünïcode",
        "a/b",
        "{json}",
    ] {
        assert!(RequestId::parse(bad.as_bytes()).is_none(), "{bad:?}");
    }
}

#[test]
fn generated_ids_are_32_hex_digits_and_unique() {
    let ids = RequestIds::new(&OsRandom);
    let a = ids.take_or_generate(None);
    let b = ids.take_or_generate(Some(b"bad id"));
    assert_eq!(a.as_str().len(), 32);
    assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a.as_str(), b.as_str());
    assert!(RequestId::parse(a.as_str().as_bytes()).is_some());
    assert_eq!(
        ids.take_or_generate(Some(b"abc-123")).as_str(),
        "abc-123",
        "a sane id is echoed"
    );
    let other = RequestIds::new(&OsRandom).generate();
    assert_ne!(
        other.as_str(),
        a.as_str(),
        "another process has another prefix"
    );
}

#[tokio::test]
async fn the_current_id_is_visible_inside_the_scope_only() {
    let id = RequestId::parse(b"rid-1").unwrap();
    let seen = scope(id, async { with_current(|c| c.map(str::to_owned)) }).await;
    assert_eq!(seen.as_deref(), Some("rid-1"));
    assert_eq!(with_current(|c| c.map(str::to_owned)), None);
}
