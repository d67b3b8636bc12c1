//! From the metadata a client sends to the [`Client`] stored: defaults of RFC 7591 §2, then
//! every rule of [`tessera_domain::client_registration`].

use super::{ClientMetadataRequest, DynamicRegistrationError};
use tessera_domain::client_registration::{
    check_grants_and_response_types, check_redirect_uris, parse_registered_auth_method,
    parse_registered_grant,
};
use tessera_domain::{
    ApplicationType, Client, ClientId, ClientOrigin, GrantType, RedirectUri, ScopeSet, UnixTime,
};

/// Metadata refused with `invalid_client_metadata`.
fn metadata(message: impl Into<String>) -> DynamicRegistrationError {
    DynamicRegistrationError::Metadata(message.into())
}

/// Parses and checks `req` into a dynamic client `id`; secrets and tokens are the caller's.
pub(super) fn client(
    id: ClientId,
    req: &ClientMetadataRequest,
    registrable: &ScopeSet,
    created_at: UnixTime,
) -> Result<Client, DynamicRegistrationError> {
    let auth_method = parse_registered_auth_method(
        req.token_endpoint_auth_method
            .as_deref()
            .unwrap_or("client_secret_basic"),
    )?;
    let mut grant_types = match &req.grant_types {
        None => vec![GrantType::AuthorizationCode],
        Some(names) => names
            .iter()
            .map(|g| parse_registered_grant(g))
            .collect::<Result<Vec<_>, _>>()?,
    };
    grant_types.sort();
    grant_types.dedup();
    let response_types = match &req.response_types {
        Some(r) => r.clone(),
        None if grant_types.contains(&GrantType::AuthorizationCode) => vec!["code".to_owned()],
        None => Vec::new(),
    };
    check_grants_and_response_types(&grant_types, &response_types)?;

    let redirect_uris = parse_uris(&req.redirect_uris, DynamicRegistrationError::RedirectUri)?;
    let post_logout_redirect_uris = parse_uris(&req.post_logout_redirect_uris, metadata)?;
    let application_type = match req.application_type.as_deref() {
        Some(name) => ApplicationType::parse(name)
            .ok_or_else(|| metadata(format!("application_type {name:?} is not web or native")))?,
        None => inferred_application_type(&redirect_uris),
    };
    check_redirect_uris(application_type, &redirect_uris)?;
    check_redirect_uris(application_type, &post_logout_redirect_uris)
        .map_err(|e| metadata(format!("post_logout_redirect_uris: {e}")))?;
    if grant_types.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(DynamicRegistrationError::RedirectUri(
            "the authorization_code grant needs at least one redirect URI".into(),
        ));
    }

    let scope = match &req.scope {
        None => registrable.clone(),
        Some(s) => {
            let asked = ScopeSet::parse(s).map_err(|e| metadata(format!("scope: {e}")))?;
            if !asked.is_subset_of(registrable) {
                return Err(metadata(format!(
                    "scope: only these scopes can be registered here: {registrable}"
                )));
            }
            asked
        }
    };
    req.metadata.validate()?;
    let name = req
        .client_name
        .clone()
        .unwrap_or_else(|| id.as_str().to_owned());
    Ok(Client {
        security: Default::default(),
        id,
        name,
        secret_digest: None,
        auth_method,
        grant_types,
        redirect_uris,
        post_logout_redirect_uris,
        scope,
        skip_consent: false,
        require_mfa: false,
        created_at,
        application_type,
        origin: ClientOrigin::Dynamic,
        registration_access_digest: None,
        metadata: req.metadata.clone(),
        exchange_audiences: Vec::new(),
    })
}

/// Parses URIs, refusing the first bad one with `refuse`.
fn parse_uris(
    uris: &[String],
    refuse: fn(String) -> DynamicRegistrationError,
) -> Result<Vec<RedirectUri>, DynamicRegistrationError> {
    uris.iter()
        .map(|u| RedirectUri::parse(u).map_err(|e| refuse(format!("redirect URI {u:?}: {e}"))))
        .collect()
}

/// `native` when there are redirect URIs and none of them is `https` (so every one is a
/// loopback `http` or a private-use scheme: what only native apps register), else `web`.
fn inferred_application_type(uris: &[RedirectUri]) -> ApplicationType {
    let native_only = !uris.is_empty() && uris.iter().all(|u| !u.as_str().starts_with("https:"));
    if native_only {
        ApplicationType::Native
    } else {
        ApplicationType::Web
    }
}
