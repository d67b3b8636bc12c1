use super::*;
use crate::config::raw::RawConfig;
use std::io::Write;

fn parsed(branding: RawBranding) -> Result<BrandingConfig, ConfigError> {
    RawConfig {
        branding,
        ..RawConfig::default()
    }
    .parse()
    .map(|c| c.branding)
}

fn refused_key(branding: RawBranding) -> String {
    match parsed(branding) {
        Err(ConfigError::Invalid { key, message }) => format!("{key}: {message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A file in a fresh temporary directory.
fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-branding-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[test]
fn nothing_configured_is_plain_tessera() {
    let c = parsed(RawBranding::default()).unwrap();
    assert_eq!(c.branding, Branding::default());
    assert_eq!(c.product_name(), "Tessera");
}

#[test]
fn product_name_is_trimmed_and_bounded() {
    let c = parsed(RawBranding {
        product_name: Some("  Acme ID ".into()),
        ..RawBranding::default()
    })
    .unwrap();
    assert_eq!(c.product_name(), "Acme ID");
    let empty = parsed(RawBranding {
        product_name: Some("".into()),
        ..RawBranding::default()
    })
    .unwrap();
    assert_eq!(empty.product_name(), "Tessera", "empty is unset");
    for bad in ["x".repeat(61), "Acme\nID".to_owned()] {
        let message = refused_key(RawBranding {
            product_name: Some(bad),
            ..RawBranding::default()
        });
        assert!(message.starts_with("branding.product_name: "), "{message}");
    }
}

#[test]
fn logo_is_read_once_and_typed_by_its_content() {
    let png = file("logo.png", PNG);
    let c = parsed(RawBranding {
        logo_path: Some(png),
        ..RawBranding::default()
    })
    .unwrap();
    let logo = c.branding.logo.unwrap();
    assert_eq!(logo.content_type, "image/png");
    assert_eq!(logo.bytes, PNG);
    let svg = file(
        "logo.svg",
        b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    let c = parsed(RawBranding {
        logo_path: Some(svg),
        ..RawBranding::default()
    })
    .unwrap();
    assert_eq!(c.branding.logo.unwrap().content_type, "image/svg+xml");
}

#[test]
fn a_missing_oversized_or_unknown_logo_stops_the_start_naming_the_key() {
    let missing = std::env::temp_dir().join("tessera-no-such-logo.png");
    let big = file("big.png", &[PNG, &vec![0u8; 512 * 1024][..]].concat());
    let text = file("logo.txt", b"just text, not an image");
    for (path, words) in [
        (missing, "cannot read"),
        (big, "512 KiB"),
        (text, "not a PNG, JPEG, WebP or SVG"),
    ] {
        let message = refused_key(RawBranding {
            logo_path: Some(path),
            ..RawBranding::default()
        });
        assert!(message.starts_with("branding.logo_path: "), "{message}");
        assert!(message.contains(words), "{message}");
    }
}

#[test]
fn primary_color_must_be_rrggbb_and_reach_aa_contrast() {
    let c = parsed(RawBranding {
        primary_color: Some("#1D4ED8".into()),
        ..RawBranding::default()
    })
    .unwrap();
    assert_eq!(c.branding.primary_colour, Some(Rgb(0x1d, 0x4e, 0xd8)));
    for bad in ["blue", "#12345", "1d4ed8"] {
        let message = refused_key(RawBranding {
            primary_color: Some(bad.into()),
            ..RawBranding::default()
        });
        assert!(
            message.starts_with("branding.primary_color: must be a colour"),
            "{message}"
        );
    }
    let grey = refused_key(RawBranding {
        primary_color: Some("#777777".into()),
        ..RawBranding::default()
    });
    assert!(grey.starts_with("branding.primary_color: "), "{grey}");
    assert!(grey.contains("4.5:1"), "{grey}");
}

#[test]
fn support_url_is_https_or_http_in_development() {
    let c = parsed(RawBranding {
        support_url: Some("https://help.example.com/tessera".into()),
        ..RawBranding::default()
    })
    .unwrap();
    assert_eq!(
        c.branding.support_url.as_deref(),
        Some("https://help.example.com/tessera")
    );
    let dev = RawBranding {
        support_url: Some("http://localhost:3000/help".into()),
        ..RawBranding::default()
    };
    assert!(dev.parse(Environment::Development).is_ok());
    match dev.parse(Environment::Production) {
        Err(ConfigError::Invalid { key, .. }) => assert_eq!(key, "branding.support_url"),
        other => panic!("http in production: {other:?}"),
    }
    for bad in [
        "help.example.com",
        "javascript:alert(1)",
        "https://user:pw@help.example",
    ] {
        let message = refused_key(RawBranding {
            support_url: Some(bad.into()),
            ..RawBranding::default()
        });
        assert!(message.starts_with("branding.support_url: "), "{message}");
    }
}

#[test]
#[allow(clippy::result_large_err)] // figment::Jail's own signature
fn the_environment_variables_set_the_keys() {
    figment::Jail::expect_with(|jail| {
        jail.set_env("TESSERA_BRANDING__PRODUCT_NAME", "Acme ID");
        jail.set_env("TESSERA_BRANDING__PRIMARY_COLOR", "#0f766e");
        jail.set_env("TESSERA_BRANDING__SUPPORT_URL", "https://help.acme.example");
        let c = Config::load(None).expect("valid");
        assert_eq!(c.branding.product_name(), "Acme ID");
        assert_eq!(
            c.branding.branding.primary_colour,
            Some(Rgb(0x0f, 0x76, 0x6e))
        );
        assert_eq!(
            c.branding.branding.support_url.as_deref(),
            Some("https://help.acme.example/")
        );
        Ok(())
    });
}
