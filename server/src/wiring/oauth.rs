//! The OAuth and OpenID Connect side: signing keys, token issuing and verification, and the
//! services behind `/authorize`, `/token`, `/userinfo`, `/introspect`, `/revoke`, `/logout`.

use super::{whole_secs, Core, WiringError};
use crate::config::Config;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_adapters::crypto::{
    AeadKeyCipher, CipherPurpose, ClientKeySets, HmacDpopNonces, JosekitClientJwtVerifier,
    JosekitDpopVerifier,
};
use tessera_adapters::http::paths;
use tessera_adapters::outbound::MetadataDocumentFetcher;
use tessera_application::ports::{AuditLog, ClientJwtVerifier, ClientMetadataDocuments};
use tessera_application::services::{
    AccessTokenVerifier, AuthorizationCodeGrant, Authorize, ClientAssertions, ClientAuthenticator,
    ClientCredentialsGrant, DeviceFlow, DeviceFlowDeps, DeviceFlowSettings, DpopProofs,
    DpopSettings, Introspection, KeyService, Logout, PushedAuthorization, RefreshGrace,
    RefreshTokenGrant, RequestObjects, TokenExchangeDeps, TokenExchangeGrant, TokenRevocation,
    UserInfo, UserTokenIssuer,
};

/// Creates the first signing key if there is none, then loads the keys for signing.
pub async fn signing_keys(
    core: &Core,
    secret: &SecretString,
) -> Result<Arc<KeyService>, WiringError> {
    let keys = Arc::new(core.key_service_with(secret));
    let created = keys
        .ensure_active(core.signing_alg)
        .await
        .map_err(|e| WiringError::Keys(e.into()))?;
    if created {
        log::info!("created the first {} signing key", core.signing_alg);
    }
    keys.load().await.map_err(|e| WiringError::Keys(e.into()))?;
    // FAPI 2.0 §5.4: PS256, ES256 or EdDSA. A database whose active key predates the switch
    // keeps signing RS256 until rotated, so say so rather than serve out of profile.
    let active = core.jws.active_algorithm();
    if core.profile == tessera_domain::SecurityProfile::Fapi2
        && active == Some(tessera_domain::SigningAlgorithm::Rs256)
    {
        return Err(WiringError::Keys(
            "profile fapi2 signs with ES256 or EdDSA, and the active key is RS256: run              `tessera keys rotate --alg ES256` (add --force if its JWKS lead time has not passed)"
                .into(),
        ));
    }
    Ok(keys)
}

/// Issuing and checking user tokens, shared by the OAuth endpoints and the account API.
pub struct Tokens {
    /// Checks access tokens (signature, claims, denylist).
    pub verifier: Arc<AccessTokenVerifier>,
    /// Issues access, ID and refresh tokens for a user.
    pub issuer: Arc<UserTokenIssuer>,
}

impl Tokens {
    /// Both on the core's adapters.
    pub fn new(core: &Core) -> Self {
        Self {
            verifier: Arc::new(AccessTokenVerifier::new(
                core.jws.clone(),
                core.db.revocations(),
                core.clock.clone(),
                core.settings.clone(),
            )),
            issuer: Arc::new(UserTokenIssuer::new(
                core.jws.clone(),
                core.db.refresh_tokens(),
                core.clock.clone(),
                core.rng.clone(),
                core.settings.clone(),
            )),
        }
    }
}

/// The services of the OAuth endpoints.
pub struct OAuthServices {
    /// `/authorize`.
    pub authorize: Arc<Authorize>,
    /// `/token`, `authorization_code`.
    pub code_grant: AuthorizationCodeGrant,
    /// `/token`, `refresh_token`.
    pub refresh_grant: RefreshTokenGrant,
    /// `/token`, `client_credentials`.
    pub client_credentials: ClientCredentialsGrant,
    /// Client authentication at the token-side endpoints.
    pub authenticator: ClientAuthenticator,
    /// Checks JWTs that clients sign (assertions, request objects) with their keys or sealed
    /// secret; one instance, so every use shares its cache of `jwks_uri` key sets.
    pub client_jwts: Arc<dyn ClientJwtVerifier>,
    /// `/userinfo`.
    pub userinfo: UserInfo,
    /// `/logout`.
    pub logout: Arc<Logout>,
    /// `/introspect`.
    pub introspection: Introspection,
    /// `/revoke`.
    pub revocation: TokenRevocation,
    /// `/token`, token exchange (RFC 8693).
    pub token_exchange: TokenExchangeGrant,
    /// `/device_authorization`, `/device` and the device-code grant (RFC 8628).
    pub device: Arc<DeviceFlow>,
    /// DPoP proofs (RFC 9449) at `/token` and `/userinfo`.
    pub dpop: Arc<DpopProofs>,
    /// `/par` (RFC 9126), validating with the same `authorize`.
    pub pushed: Arc<PushedAuthorization>,
}

/// What the OAuth services are built from, beside the core.
pub struct OAuthInputs<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// The secret key (refresh replays are kept encrypted under a key derived from it).
    pub secret: &'a SecretString,
    /// Token issuing and checking.
    pub tokens: &'a Tokens,
    /// The audit sink.
    pub audit: Arc<dyn AuditLog>,
    /// Passkeys can be used (the issuer has a host name).
    pub passkeys: bool,
}

impl OAuthServices {
    /// Wires every OAuth service.
    pub fn new(core: &Core, inputs: OAuthInputs<'_>) -> Self {
        let db = &core.db;
        let Tokens { verifier, issuer } = inputs.tokens;
        let dpop = Arc::new(dpop_proofs(core, &inputs));
        let base = inputs.config.http.issuer.as_str().trim_end_matches('/');
        let userinfo_url = format!("{base}{}", paths::USERINFO);
        // One registry lookup for every grant that honours RFC 8707 `resource`.
        let resources = Arc::new(core.resource_indicators());
        // One fetcher, so /authorize and /token share its cache of metadata documents.
        let documents: Arc<dyn ClientMetadataDocuments> =
            Arc::new(MetadataDocumentFetcher::new(core.outbound.clone()));
        let client_jwts: Arc<dyn ClientJwtVerifier> = Arc::new(JosekitClientJwtVerifier::new(
            ClientKeySets::new(core.outbound.clone()),
            Core::client_secret_cipher(inputs.secret),
        ));
        let hardening = &inputs.config.hardening;
        let request_objects = RequestObjects::new(
            client_jwts.clone(),
            core.clock.clone(),
            core.settings.issuer.clone(),
            hardening.profile,
            core.settings.lifetimes.clock_skew,
        )
        .with_replay_cache(db.replay_cache());
        let authorize = Authorize::new(
            db.clients(),
            db.users(),
            db.consents(),
            db.authorization_codes(),
            core.clock.clone(),
            core.rng.clone(),
            core.settings.clone(),
        )
        .with_audit(inputs.audit.clone())
        .with_acr_floor(inputs.config.accounts.mfa.floor())
        .with_resources(resources.clone())
        .with_metadata_documents(documents.clone())
        .with_pushed_requests(db.pushed_requests())
        .with_request_objects(Arc::new(request_objects))
        .with_par_required(hardening.par_required)
        .with_verified_email_required(inputs.config.accounts.require_verified_email);
        let authorize = Arc::new(match core.backchannel.get() {
            Some(b) => authorize.with_backchannel_logout(b.clone()),
            None => authorize,
        });
        let pushed = Arc::new(PushedAuthorization::new(
            authorize.clone(),
            db.pushed_requests(),
            core.clock.clone(),
            core.rng.clone(),
            hardening.request_uri_ttl_secs,
        ));
        Self {
            client_jwts: client_jwts.clone(),
            authorize,
            pushed,
            code_grant: AuthorizationCodeGrant::new(
                db.authorization_codes(),
                db.users(),
                db.refresh_tokens(),
                db.revocations(),
                issuer.clone(),
                core.clock.clone(),
            )
            .with_resources(resources.clone()),
            refresh_grant: RefreshTokenGrant::new(
                db.refresh_tokens(),
                db.revocations(),
                db.users(),
                issuer.clone(),
                core.clock.clone(),
                refresh_grace(inputs.config, inputs.secret),
            )
            .with_audit(inputs.audit.clone())
            .with_resources(resources.clone()),
            token_exchange: TokenExchangeGrant::new(TokenExchangeDeps {
                verifier: AccessTokenVerifier::new(
                    core.jws.clone(),
                    db.revocations(),
                    core.clock.clone(),
                    core.settings.clone(),
                ),
                indicators: core.resource_indicators(),
                jws: core.jws.clone(),
                clock: core.clock.clone(),
                rng: core.rng.clone(),
                audit: inputs.audit.clone(),
                settings: core.settings.clone(),
            }),
            client_credentials: ClientCredentialsGrant::new(
                core.jws.clone(),
                core.clock.clone(),
                core.rng.clone(),
                core.settings.clone(),
            )
            .with_resources(resources),
            authenticator: ClientAuthenticator::new(db.clients())
                .with_metadata_documents(documents, core.clock.clone())
                .with_resource_scopes(db.resources())
                .with_assertions(ClientAssertions {
                    verifier: client_jwts,
                    replay: db.replay_cache(),
                    clock: core.clock.clone(),
                    issuer: core.settings.issuer.clone(),
                    profile: inputs.config.hardening.profile,
                })
                .with_profile(inputs.config.hardening.profile),
            userinfo: UserInfo::new(verifier.clone(), db.users())
                .with_dpop(dpop.clone(), userinfo_url),
            logout: Arc::new(Logout::new(
                core.jws.clone(),
                db.clients(),
                core.clock.clone(),
                core.settings.clone(),
            )),
            introspection: Introspection::new(
                verifier.clone(),
                db.refresh_tokens(),
                db.users(),
                db.revocations(),
                core.clock.clone(),
            )
            .with_resources(db.resources()),
            revocation: TokenRevocation::new(verifier.clone(), db.revocations()),
            device: Arc::new(device_flow(core, &inputs, issuer.clone())),
            dpop,
        }
    }
}

/// DPoP proofs: checked with josekit, nonces derived from the secret key, `jti`s in the
/// database shared by every process, the configured nonce rule, `iat` window and profile.
fn dpop_proofs(core: &Core, inputs: &OAuthInputs<'_>) -> DpopProofs {
    let hardening = &inputs.config.hardening;
    DpopProofs::new(
        Arc::new(JosekitDpopVerifier),
        Arc::new(HmacDpopNonces::from_secret(inputs.secret)),
        core.db.replay_cache(),
        core.clock.clone(),
        DpopSettings {
            nonce_required: hardening.dpop_nonce,
            iat_window_secs: hardening.dpop_iat_window_secs,
            profile: hardening.profile,
        },
    )
}

/// The device authorization grant: codes for 10 minutes, a poll every 5 s, approvals at the
/// level `/authorize` would ask for.
fn device_flow(core: &Core, inputs: &OAuthInputs<'_>, issuer: Arc<UserTokenIssuer>) -> DeviceFlow {
    let db = &core.db;
    let mfa = inputs.config.accounts.mfa;
    let base = inputs.config.http.issuer.as_str().trim_end_matches('/');
    let mut settings = DeviceFlowSettings::new(format!("{base}/device"));
    settings.acr_floor = mfa.floor();
    settings.second_factors = mfa.asks();
    settings.passkeys = inputs.passkeys;
    DeviceFlow::new(DeviceFlowDeps {
        devices: db.device_authorizations(),
        clients: db.clients(),
        users: db.users(),
        factors: db.second_factors(),
        passkeys: db.passkeys(),
        resources: db.resources(),
        issuer,
        clock: core.clock.clone(),
        rng: core.rng.clone(),
        audit: inputs.audit.clone(),
        settings,
    })
}

/// replays within the window are kept encrypted under their own key from `secret_key`.
fn refresh_grace(config: &Config, secret: &SecretString) -> Option<RefreshGrace> {
    config.tokens.refresh_grace.map(|window| RefreshGrace {
        window_secs: whole_secs(window),
        cipher: Arc::new(AeadKeyCipher::from_secret(
            secret,
            CipherPurpose::RefreshReplay,
        )),
    })
}
