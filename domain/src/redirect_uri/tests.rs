use super::*;

fn uri(s: &str) -> RedirectUri {
    RedirectUri::parse(s).unwrap()
}

#[test]
fn accepts_https_loopback_and_private_use() {
    for ok in [
        "https://app.example.com/cb",
        "https://app.example.com:8443/cb?x=1",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:5000/cb",
        "http://[::1]:5000/cb",
        "com.example.app:/oauth2redirect",
    ] {
        assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
    }
}

#[test]
fn as_04_rejects_fragments_script_schemes_and_plain_http() {
    assert_eq!(
        RedirectUri::parse("https://a.example/cb#x"),
        Err(RedirectUriError::Fragment)
    );
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "VBSCRIPT:x",
        "file:///etc/passwd",
    ] {
        assert!(
            matches!(
                RedirectUri::parse(bad),
                Err(RedirectUriError::ForbiddenScheme(_))
            ),
            "{bad}"
        );
    }
    for bad in [
        "http://example.com/cb",
        "http://localhost/cb",
        "http://127.0.0.1.evil.com/cb",
        "HTTP://127.0.0.1/cb",
        "http://127.0.0.10/cb",
    ] {
        assert_eq!(
            RedirectUri::parse(bad),
            Err(RedirectUriError::InsecureHttp),
            "{bad}"
        );
    }
}

#[test]
fn rejects_relative_spaces_and_hostless() {
    assert_eq!(
        RedirectUri::parse("/cb"),
        Err(RedirectUriError::NotAbsolute)
    );
    assert_eq!(RedirectUri::parse("cb"), Err(RedirectUriError::NotAbsolute));
    assert_eq!(
        RedirectUri::parse("1http://x"),
        Err(RedirectUriError::NotAbsolute)
    );
    assert_eq!(
        RedirectUri::parse("https://a.example/c b"),
        Err(RedirectUriError::Characters)
    );
    assert_eq!(
        RedirectUri::parse("https:///cb"),
        Err(RedirectUriError::NoHost)
    );
    assert_eq!(
        RedirectUri::parse("https:cb"),
        Err(RedirectUriError::NoHost)
    );
    assert_eq!(
        RedirectUri::parse(&format!("https://a.example/{}", "a".repeat(2000))),
        Err(RedirectUriError::TooLong)
    );
}

#[test]
fn as_01_matching_is_exact() {
    let r = uri("https://app.example.com/cb");
    assert!(r.matches("https://app.example.com/cb"));
    for bad in [
        "https://app.example.com/cb/",
        "https://APP.example.com/cb",
        "https://app.example.com/CB",
        "https://app.example.com/cb?x=1",
        "https://app.example.com/cb/../cb",
        "https://app.example.com%2fcb",
        "https://app.example.com@evil.com/cb",
        "https://app.example.com:443/cb",
        "https://app.example.com/cb#",
        "http://app.example.com/cb",
    ] {
        assert!(!r.matches(bad), "{bad}");
    }
}

#[test]
fn as_02_loopback_matches_any_port_but_nothing_else() {
    let r = uri("http://127.0.0.1/cb");
    assert!(r.matches("http://127.0.0.1:51234/cb"));
    assert!(r.matches("http://127.0.0.1/cb"));
    assert!(!r.matches("http://127.0.0.1:51234/cb2"));
    assert!(!r.matches("http://127.0.0.1:/cb"));
    assert!(!r.matches("http://127.0.0.1:99999/cb"));
    assert!(!r.matches("http://127.0.0.1.evil.com/cb"));
    assert!(!r.matches("http://[::1]:5000/cb"));
    let v6 = uri("http://[::1]:8080/cb");
    assert!(v6.matches("http://[::1]:9/cb"));
    assert!(!v6.matches("http://127.0.0.1:9/cb"));
}

#[test]
fn issue_11_rejects_wildcards_anywhere() {
    for bad in [
        "https://*.rp.test/cb",
        "https://rp.test/cb*",
        "https://rp.test/*/cb",
        "https://rp.test/cb?x=*",
        "http://127.0.0.1/*",
        "com.example.app:/cb*",
    ] {
        assert_eq!(
            RedirectUri::parse(bad),
            Err(RedirectUriError::Wildcard),
            "{bad}"
        );
    }
}

#[test]
fn issue_11_rejects_userinfo_even_on_loopback() {
    for bad in [
        "http://127.0.0.1:1@evil.example/cb",
        "http://127.0.0.1@evil.example/cb",
        "https://user@rp.test/cb",
        "https://user:pw@rp.test/cb",
        "http://[::1]:1@evil.example/cb",
        "https://rp.test@evil.example/cb",
        "myapp://me@host/cb",
    ] {
        assert_eq!(
            RedirectUri::parse(bad),
            Err(RedirectUriError::Userinfo),
            "{bad}"
        );
    }
}

#[test]
fn issue_11_rejects_hosts_that_are_not_hostnames_or_ips() {
    for bad in [
        "https://rp..test/cb",
        "https://.rp.test/cb",
        "https://rp.test./cb",
        "https://-rp.test/cb",
        "https://rp-.test/cb",
        "https://rp_test.example/cb",
        "https://rp%2etest/cb",
        "https://1.2.3/cb",
        "https://256.1.1.1/cb",
        "https://0x7f.0.0.1/cb",
        "https://[::1/cb",
        "https://[not-ip]/cb",
        "https://[::1]x/cb",
        "https://rp.test!/cb",
    ] {
        assert_eq!(
            RedirectUri::parse(bad),
            Err(RedirectUriError::InvalidHost),
            "{bad}"
        );
    }
    for bad in [
        "https://rp.test:/cb",
        "https://rp.test:99999/cb",
        "https://rp.test:8a/cb",
        "http://127.0.0.1:/cb",
        "https://[::1]:/cb",
    ] {
        assert_eq!(
            RedirectUri::parse(bad),
            Err(RedirectUriError::InvalidPort),
            "{bad}"
        );
    }
    for bad in [
        "https://rp.test/c{b}",
        "https://rp.test/%zz",
        "https://rp.test/%4",
    ] {
        assert_eq!(
            RedirectUri::parse(bad),
            Err(RedirectUriError::Characters),
            "{bad}"
        );
    }
}

#[test]
fn issue_11_loopback_is_exactly_the_two_ip_literals() {
    for ok in [
        "http://127.0.0.1:8080/cb?x=1",
        "http://[::1]/cb",
        "http://127.0.0.1",
    ] {
        assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://[0:0:0:0:0:0:0:1]/cb",
        "http://127.1/cb",
        "http://127.0.0.2/cb",
        "http:/127.0.0.1/cb",
    ] {
        assert!(RedirectUri::parse(bad).is_err(), "{bad}");
    }
    // Still fine over https, or as an IP literal of another host.
    assert!(RedirectUri::parse("https://[2001:db8::1]:8443/cb").is_ok());
    assert!(RedirectUri::parse("https://192.0.2.1/cb").is_ok());
}
