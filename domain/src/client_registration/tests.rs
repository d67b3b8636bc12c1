use super::*;
use proptest::prelude::*;

fn uri(s: &str) -> RedirectUri {
    RedirectUri::parse(s).unwrap()
}

#[test]
fn web_clients_register_https_on_real_hosts_only() {
    let web = ApplicationType::Web;
    assert!(check_redirect_uri(web, &uri("https://app.example.com/cb")).is_ok());
    assert!(check_redirect_uri(web, &uri("https://app.example.com:8443/cb?x=1")).is_ok());
    for bad in [
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "https://localhost/cb",
        "https://127.0.0.1/cb",
        "com.example.app:/cb",
        "https://[::1]:9/cb",
    ] {
        let e = check_redirect_uri(web, &uri(bad)).unwrap_err();
        assert!(e.is_redirect_uri(), "{bad}");
    }
}

#[test]
fn native_clients_register_loopback_private_use_and_claimed_https() {
    let native = ApplicationType::Native;
    for good in [
        "http://127.0.0.1/cb",
        "http://127.0.0.1:51234/callback",
        "http://[::1]:8080/cb",
        "com.example.app:/oauth2redirect",
        "com.example.app:/cb",
        "io.github.someone.tool://cb",
        "https://app.example.com/native-cb",
    ] {
        assert!(check_redirect_uri(native, &uri(good)).is_ok(), "{good}");
    }
    for bad in [
        "myapp:/cb",
        "myapp://cb",
        "com..example:/cb",
        "https://localhost/cb",
    ] {
        assert!(check_redirect_uri(native, &uri(bad)).is_err(), "{bad}");
    }
}

#[test]
fn too_many_redirect_uris_are_refused() {
    let many: Vec<_> = (0..=MAX_REDIRECT_URIS)
        .map(|i| uri(&format!("https://app.example.com/cb{i}")))
        .collect();
    assert_eq!(
        check_redirect_uris(ApplicationType::Web, &many),
        Err(RegistrationRuleError::TooManyRedirectUris)
    );
    assert!(check_redirect_uris(ApplicationType::Web, &many[1..]).is_ok());
}

#[test]
fn grants_and_response_types_must_agree() {
    let code = vec!["code".to_owned()];
    let ac = [GrantType::AuthorizationCode, GrantType::RefreshToken];
    assert!(check_grants_and_response_types(&ac, &code).is_ok());
    assert!(check_grants_and_response_types(&[GrantType::ClientCredentials], &[]).is_ok());
    assert_eq!(
        check_grants_and_response_types(&ac, &[]),
        Err(RegistrationRuleError::GrantResponseMismatch)
    );
    assert_eq!(
        check_grants_and_response_types(&[GrantType::ClientCredentials], &code),
        Err(RegistrationRuleError::GrantResponseMismatch)
    );
    assert!(matches!(
        check_grants_and_response_types(&ac, &["token".to_owned()]),
        Err(RegistrationRuleError::ResponseType(_))
    ));
    assert!(matches!(
        check_grants_and_response_types(&ac, &["code id_token".to_owned()]),
        Err(RegistrationRuleError::ResponseType(_))
    ));
}

#[test]
fn implicit_password_and_token_exchange_grants_are_refused() {
    for bad in [
        "implicit",
        "password",
        GrantType::TOKEN_EXCHANGE,
        "",
        "urn:x",
    ] {
        assert!(parse_registered_grant(bad).is_err(), "{bad}");
    }
    assert_eq!(
        parse_registered_grant(GrantType::DEVICE_CODE),
        Ok(GrantType::DeviceCode)
    );
    assert_eq!(
        parse_registered_grant("client_credentials"),
        Ok(GrantType::ClientCredentials)
    );
}

#[test]
fn only_none_basic_and_post_are_registrable_auth_methods() {
    assert_eq!(
        parse_registered_auth_method("none"),
        Ok(TokenEndpointAuthMethod::None)
    );
    assert_eq!(
        parse_registered_auth_method("client_secret_post"),
        Ok(TokenEndpointAuthMethod::ClientSecretPost)
    );
    for bad in [
        "private_key_jwt",
        "client_secret_jwt",
        "tls_client_auth",
        "",
    ] {
        assert_eq!(
            parse_registered_auth_method(bad),
            Err(RegistrationRuleError::AuthMethod(bad.to_owned()))
        );
    }
}

#[test]
fn metadata_needs_https_uris_email_contacts_and_bounded_fields() {
    let good = ClientMetadata {
        client_uri: Some("https://app.example.com".into()),
        logo_uri: Some("https://app.example.com/logo.png".into()),
        tos_uri: Some("https://app.example.com/tos".into()),
        policy_uri: Some("https://app.example.com/privacy".into()),
        contacts: vec!["ops@example.com".into()],
        software_id: Some("4NRB1-0XZABZI9E6-5SM3R".into()),
        software_version: Some("2.1".into()),
    };
    assert_eq!(good.validate(), Ok(()));
    let cases: Vec<(ClientMetadata, RegistrationRuleError)> = vec![
        (
            ClientMetadata {
                client_uri: Some("http://app.example.com".into()),
                ..good.clone()
            },
            RegistrationRuleError::InfoUri {
                field: "client_uri",
            },
        ),
        (
            ClientMetadata {
                logo_uri: Some("javascript:alert(1)".into()),
                ..good.clone()
            },
            RegistrationRuleError::InfoUri { field: "logo_uri" },
        ),
        (
            ClientMetadata {
                tos_uri: Some(format!("https://a.example/{}", "x".repeat(2000))),
                ..good.clone()
            },
            RegistrationRuleError::InfoUri { field: "tos_uri" },
        ),
        (
            ClientMetadata {
                contacts: vec!["not an email".into()],
                ..good.clone()
            },
            RegistrationRuleError::Contacts,
        ),
        (
            ClientMetadata {
                contacts: vec!["a@example.com".into(); MAX_CONTACTS + 1],
                ..good.clone()
            },
            RegistrationRuleError::Contacts,
        ),
        (
            ClientMetadata {
                software_id: Some("x".repeat(MAX_SOFTWARE_FIELD_CHARS + 1)),
                ..good.clone()
            },
            RegistrationRuleError::SoftwareField {
                field: "software_id",
            },
        ),
        (
            ClientMetadata {
                software_version: Some("1\n2".into()),
                ..good.clone()
            },
            RegistrationRuleError::SoftwareField {
                field: "software_version",
            },
        ),
    ];
    for (metadata, expected) in cases {
        assert_eq!(metadata.validate(), Err(expected));
    }
}

proptest! {
    /// Whatever a web client registers, plain http and loopback hosts never pass.
    #[test]
    fn web_never_accepts_http(port in 1u16.., path in "[a-z/]{0,20}") {
        let s = format!("http://127.0.0.1:{port}/{path}");
        if let Ok(u) = RedirectUri::parse(&s) {
            prop_assert!(check_redirect_uri(ApplicationType::Web, &u).is_err());
            prop_assert!(check_redirect_uri(ApplicationType::Native, &u).is_ok());
        }
    }

    /// A private-use scheme passes for native clients exactly when it has a dot.
    #[test]
    fn native_private_schemes_need_a_dot(scheme in "[a-z][a-z0-9.]{0,15}") {
        prop_assume!(!matches!(scheme.as_str(), "http" | "https"));
        if let Ok(u) = RedirectUri::parse(&format!("{scheme}:/cb")) {
            let dotted = scheme.contains('.') && scheme.split('.').all(|l| !l.is_empty());
            prop_assert_eq!(
                check_redirect_uri(ApplicationType::Native, &u).is_ok(),
                dotted
            );
        }
    }
}
