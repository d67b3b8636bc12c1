use super::*;

const ATTACKS: [&str; 2] = ["<script>alert(1)</script>", "\"onload="];

/// Every page rendered with `evil` in every field it takes.
fn every_page(evil: &str) -> Vec<(&'static str, String)> {
    let s = evil.to_owned();
    let pairs = vec![(s.clone(), s.clone()), ("state".to_owned(), s.clone())];
    let scopes = describe_scopes(&Ui::default(), &[s.clone(), "openid".to_owned()]);
    let direct_scope = vec![ScopeLine {
        scope: s.clone(),
        description: s.clone(),
    }];
    vec![
        (
            "login",
            login_page(&Ui::default(), evil, &pairs, evil, evil, Some(evil)),
        ),
        (
            "consent",
            consent_page(&Ui::default(), evil, evil, &scopes, &pairs, evil),
        ),
        (
            "consent(raw)",
            consent_page(&Ui::default(), evil, evil, &direct_scope, &pairs, evil),
        ),
        ("error", error_page(&Ui::default(), evil, evil)),
        ("logout", logout_confirm_page(&Ui::default(), &pairs, evil)),
        ("logged_out", logged_out_page(&Ui::default())),
        ("form_post", form_post_page(&Ui::default(), evil, &pairs)),
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
        (
            "login",
            login_page(&Ui::default(), "Demo App", &hidden, "csrf", "", None),
        ),
        (
            "login-error",
            login_page(
                &Ui::default(),
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
                &Ui::default(),
                "Demo App",
                "ann@example.com",
                &describe_scopes(&Ui::default(), &scopes),
                &hidden,
                "csrf",
            ),
        ),
        (
            "error",
            error_page(
                &Ui::default(),
                "Unknown application",
                "The application that sent you here is not registered with Tessera.",
            ),
        ),
        (
            "logout",
            logout_confirm_page(&Ui::default(), &hidden, "csrf"),
        ),
        ("logged-out", logged_out_page(&Ui::default())),
        (
            "form-post",
            form_post_page(&Ui::default(), "https://app.example/callback", &hidden),
        ),
    ];
    for (name, html) in pages {
        std::fs::write(dir.join(format!("{name}.html")), html).unwrap();
    }
}

#[test]
fn the_device_and_second_step_pages_speak_german() {
    let ui = Ui::default().with_locale(crate::i18n::Locale::De);
    let code = device_code_page(&ui, "", "c", Some("Falsch."));
    assert!(code.contains("<h1>Gerät verbinden</h1>"));
    assert!(code.contains("aria-invalid=\"true\" aria-describedby=\"user_code-error\""));
    assert!(device_done_page(&ui, true).contains("<h1>Gerät verbunden</h1>"));
    let step = SecondStep {
        action_url: "/authorize",
        token: "t",
        totp: true,
        passkey: None,
    };
    let page = second_factor_page(&ui, &[], "c", step, None);
    assert!(page.contains("<h1>Anmeldung in zwei Schritten</h1>"));
    assert!(page.contains("<label for=\"otp\">Code aus Ihrer Authenticator-App</label>"));
    let needed = second_factor_needed_page(&ui, "Demo", true, "/authorize?x=1");
    assert!(needed.contains("<strong>Demo</strong> bittet Sie, sich mit einem Passkey anzumelden."));
}
