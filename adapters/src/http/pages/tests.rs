use super::*;

const ATTACKS: [&str; 2] = ["<script>alert(1)</script>", "\"onload="];

/// Every page rendered with `evil` in every field it takes.
fn every_page(evil: &str) -> Vec<(&'static str, String)> {
    let s = evil.to_owned();
    let pairs = vec![(s.clone(), s.clone()), ("state".to_owned(), s.clone())];
    let scopes = describe_scopes(&[s.clone(), "openid".to_owned()]);
    let direct_scope = vec![ScopeLine {
        scope: s.clone(),
        description: s.clone(),
    }];
    vec![
        ("login", login_page(evil, &pairs, evil, evil, Some(evil))),
        ("consent", consent_page(evil, evil, &scopes, &pairs, evil)),
        (
            "consent(raw)",
            consent_page(evil, evil, &direct_scope, &pairs, evil),
        ),
        ("error", error_page(evil, evil)),
        ("logout", logout_confirm_page(&pairs, evil)),
        ("logged_out", logged_out_page()),
        ("form_post", form_post_page(evil, &pairs)),
    ]
}

/// No page has a script, except the form post page's own fixed auto-submit line.
fn only_the_auto_submit_script(name: &str, page: &str) -> bool {
    if name == "form_post" {
        page.matches("<script").count() == 1
            && page.contains("<script>document.forms[0].submit();</script>")
    } else {
        !page.contains("<script")
    }
}

#[test]
fn injected_markup_comes_out_escaped_everywhere() {
    for evil in ATTACKS {
        for (name, page) in every_page(evil) {
            assert!(!page.contains(evil), "{name}: raw {evil:?} in\n{page}");
            assert!(
                only_the_auto_submit_script(name, &page),
                "{name}: script tag"
            );
            assert!(!page.contains("\"onload"), "{name}: attribute break-out");
            if name != "logged_out" {
                let escaped = escape(evil);
                assert!(page.contains(&escaped), "{name}: {escaped:?} missing");
            }
        }
    }
    assert!(every_page(ATTACKS[0])[0]
        .1
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(every_page(ATTACKS[1])[0].1.contains("&quot;onload="));
}

#[test]
fn pages_have_no_scripts_links_inline_styles_or_external_resources() {
    for (name, page) in every_page("x") {
        assert!(only_the_auto_submit_script(name, &page), "{name}");
        assert!(!page.contains("<a "), "{name}");
        assert!(!page.contains("style=\""), "{name}: blocked by the CSP");
        assert!(!page.contains("src="), "{name}");
        assert!(page.contains("<meta name=\"viewport\""), "{name}");
        assert!(page.matches("<form").count() <= 1, "{name}");
    }
}

/// Writes sample pages for a visual check: `cargo test -p tessera-adapters
/// write_sample_pages -- --ignored`, then open /tmp/tessera-pages/*.html.
#[test]
#[ignore]
fn write_sample_pages() {
    let dir = std::path::Path::new("/tmp/tessera-pages");
    std::fs::create_dir_all(dir).unwrap();
    let hidden = vec![
        ("client_id".to_owned(), "demo".to_owned()),
        ("state".to_owned(), "af0ifjsldkj".to_owned()),
    ];
    let scopes: Vec<String> = ["openid", "profile", "email", "offline_access", "api:read"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let pages = [
        ("login", login_page("Demo App", &hidden, "csrf", "", None)),
        (
            "login-error",
            login_page(
                "Demo App",
                &hidden,
                "csrf",
                "ann@example.com",
                Some("Wrong email or password."),
            ),
        ),
        (
            "consent",
            consent_page(
                "Demo App",
                "ann@example.com",
                &describe_scopes(&scopes),
                &hidden,
                "csrf",
            ),
        ),
        (
            "error",
            error_page(
                "Unknown application",
                "The application that sent you here is not registered with Tessera.",
            ),
        ),
        ("logout", logout_confirm_page(&hidden, "csrf")),
        ("logged-out", logged_out_page()),
        (
            "form-post",
            form_post_page("https://app.example/callback", &hidden),
        ),
    ];
    for (name, html) in pages {
        std::fs::write(dir.join(format!("{name}.html")), html).unwrap();
    }
}
