use super::*;
use serde_json::Value;

fn doc(d: &Discovery) -> Value {
    serde_json::from_slice(&d.openid).unwrap()
}

#[test]
fn jwt_client_authentication_is_advertised_with_its_algorithms() {
    let d = doc(&Discovery::new("https://issuer.test"));
    for member in [
        "token_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
    ] {
        let methods = d[member].as_array().unwrap();
        assert!(methods.contains(&"private_key_jwt".into()), "{member}");
        assert!(methods.contains(&"client_secret_jwt".into()), "{member}");
    }
    assert_eq!(
        d["token_endpoint_auth_signing_alg_values_supported"],
        serde_json::json!(["RS256", "PS256", "ES256", "EdDSA", "HS256"])
    );
}

#[test]
fn fapi2_narrows_the_advertised_algorithms() {
    let d = doc(&Discovery::new("https://issuer.test").with_profile(SecurityProfile::Fapi2));
    for member in [
        "token_endpoint_auth_signing_alg_values_supported",
        "introspection_endpoint_auth_signing_alg_values_supported",
        "revocation_endpoint_auth_signing_alg_values_supported",
    ] {
        assert_eq!(
            d[member],
            serde_json::json!(["PS256", "ES256", "EdDSA"]),
            "{member}"
        );
    }
    for member in [
        "token_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
    ] {
        assert_eq!(
            d[member],
            serde_json::json!(["private_key_jwt"]),
            "{member}"
        );
    }
    let standard =
        doc(&Discovery::new("https://issuer.test").with_profile(SecurityProfile::Standard));
    assert!(standard["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("client_secret_basic")));
}
