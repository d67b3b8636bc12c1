//! The authorization endpoint's use case (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2):
//! validate the whole request, then show the login page, the consent page, or answer the
//! client with a code or an error.

use crate::ports::{
    random_token, AuditLog, AuthorizationCodeRepository, ClientMetadataDocuments, ClientRepository,
    Clock, ConsentRepository, PushedRequestRepository, RandomSource, UserRepository,
};
use crate::services::resource_indicators::resolve_target;
use crate::services::{
    BackchannelLogout, ClientDirectory, MetadataDocumentError, ResourceIndicators, TargetError,
};
use crate::{IssuerSettings, OAuthErrorCode, RequestContext};
use std::sync::Arc;
use tessera_domain::{
    Acr, AuditAction, AuditOutcome, AuthorizationCode, BrowserSession, Client, ClientId,
    CodeChallenge, CodeChallengeMethod, Consent, GrantType, Nonce, Prompt, RedirectUri,
    ResourceTarget, ResponseMode, ResponseType, ResponseTypeError, ScopeSet, State, TokenDigest,
    UserId,
};

mod outcome;
mod params;
mod request;
mod request_object;
mod resolve;

pub use outcome::{AuthorizationResponse, AuthorizationResult, AuthorizeError, AuthorizeOutcome};
pub use params::{AuthorizeParams, ParamsOrigin};
pub use request::{AuthorizationRequest, Interaction, SignInProof, REAUTHENTICATION_WINDOW_SECS};
pub use request_object::{
    RequestObjectError, RequestObjects, FAPI2_REQUEST_OBJECT_ALGS, REQUEST_OBJECT_ALGS,
    REQUEST_OBJECT_TYP,
};
pub use resolve::REQUEST_URI_PREFIX;

/// The authorization endpoint's logic: validation, then login / consent / code.
pub struct Authorize {
    clients: Arc<dyn ClientRepository>,
    users: Arc<dyn UserRepository>,
    consents: Arc<dyn ConsentRepository>,
    codes: Arc<dyn AuthorizationCodeRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    settings: IssuerSettings,
    audit: Option<Arc<dyn AuditLog>>,
    acr_floor: Option<Acr>,
    resources: Option<Arc<ResourceIndicators>>,
    documents: Option<Arc<dyn ClientMetadataDocuments>>,
    backchannel: Option<Arc<BackchannelLogout>>,
    pushed: Option<Arc<dyn PushedRequestRepository>>,
    request_objects: Option<Arc<RequestObjects>>,
    par_required: bool,
    verified_email_required: bool,
}

impl Authorize {
    /// Builds the service.
    pub fn new(
        clients: Arc<dyn ClientRepository>,
        users: Arc<dyn UserRepository>,
        consents: Arc<dyn ConsentRepository>,
        codes: Arc<dyn AuthorizationCodeRepository>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        settings: IssuerSettings,
    ) -> Self {
        Self {
            clients,
            users,
            consents,
            codes,
            clock,
            rng,
            settings,
            audit: None,
            acr_floor: None,
            resources: None,
            documents: None,
            backchannel: None,
            pushed: None,
            request_objects: None,
            par_required: false,
            verified_email_required: false,
        }
    }

    /// The same service issuing no code to a person whose email address is not verified
    /// (`accounts.require_verified_email`); without it, the notice is informational.
    pub fn with_verified_email_required(self, required: bool) -> Self {
        Self {
            verified_email_required: required,
            ..self
        }
    }

    /// The same service, remembering which clients got codes in which browser session, so
    /// that they are sent back-channel logout tokens when it ends.
    pub fn with_backchannel_logout(self, backchannel: Arc<BackchannelLogout>) -> Self {
        Self {
            backchannel: Some(backchannel),
            ..self
        }
    }

    /// The same service taking `request_uri`s of requests pushed to `/par` (RFC 9126) from
    /// `pushed`.
    pub fn with_pushed_requests(self, pushed: Arc<dyn PushedRequestRepository>) -> Self {
        Self {
            pushed: Some(pushed),
            ..self
        }
    }

    /// The same service taking signed request objects (RFC 9101) checked by `objects`.
    pub fn with_request_objects(self, objects: Arc<RequestObjects>) -> Self {
        Self {
            request_objects: Some(objects),
            ..self
        }
    }

    /// The same service demanding, when `required` (`par.required`), that every request come
    /// through `/par`; clients registered with `require_par` (or the FAPI 2.0 profile) always
    /// must.
    pub fn with_par_required(self, required: bool) -> Self {
        Self {
            par_required: required,
            ..self
        }
    }

    /// The same service accepting `resource` parameters (RFC 8707) naming resources of this
    /// registry; without one, any `resource` is `invalid_target`.
    pub fn with_resources(self, resources: Arc<ResourceIndicators>) -> Self {
        Self {
            resources: Some(resources),
            ..self
        }
    }

    /// The same service, knowing URL client ids by their Client ID Metadata Document.
    pub fn with_metadata_documents(self, documents: Arc<dyn ClientMetadataDocuments>) -> Self {
        Self {
            documents: Some(documents),
            ..self
        }
    }

    /// The client `id` names, by its metadata document where that applies.
    async fn find_client(&self, id: &ClientId) -> Result<Option<Client>, AuthorizeError> {
        let mut directory = ClientDirectory::new(self.clients.clone(), self.clock.clone());
        if let Some(documents) = &self.documents {
            directory = directory.with_documents(documents.clone());
        }
        if let Some(resources) = &self.resources {
            directory = directory.with_resources(resources.repository());
        }
        match directory.find(id).await {
            Ok(client) => Ok(client),
            Err(MetadataDocumentError::Repository(e)) => Err(e.into()),
            Err(e) => Err(AuthorizeError::NotRedirectable(e.page_message(id))),
        }
    }

    /// The same service, recording consent decisions in `audit`.
    pub fn with_audit(self, audit: Arc<dyn AuditLog>) -> Self {
        Self {
            audit: Some(audit),
            ..self
        }
    }

    /// The same service demanding at least `floor` of every sign-in (`mfa.required`).
    pub fn with_acr_floor(self, floor: Option<Acr>) -> Self {
        Self {
            acr_floor: floor,
            ..self
        }
    }

    /// Records the consent page's answer of `user` for `client_id`; a refusal is the consent
    /// step failing, not a consent withdrawn.
    pub fn consent_answered(
        &self,
        ctx: &RequestContext,
        user: &UserId,
        client_id: Option<&str>,
        allow: bool,
    ) {
        let outcome = if allow {
            AuditOutcome::Success
        } else {
            AuditOutcome::Failure
        };
        let mut event = ctx
            .audit(AuditAction::ConsentGiven, outcome)
            .subject(user.as_str());
        if let Some(client) = client_id {
            event = event.client(client);
        }
        if let Some(audit) = &self.audit {
            audit.record(event.detail(if allow { "allow" } else { "deny" }));
        }
    }

    /// Validates the parameters (already free of repeats; empty ones removed). The client and
    /// redirect URI come first: until both check out nothing is ever redirected.
    pub async fn validate(
        &self,
        params: &AuthorizeParams,
    ) -> Result<AuthorizationRequest, AuthorizeError> {
        fn get(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|v| !v.is_empty())
        }
        let not_redirectable = |m: &str| AuthorizeError::NotRedirectable(m.to_owned());
        let client_id = get(&params.client_id)
            .ok_or_else(|| not_redirectable("The request has no client_id."))?;
        let client = match ClientId::parse(client_id) {
            Ok(id) => self.find_client(&id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| not_redirectable("The application is not registered here."))?;
        let (redirect_uri, redirect_uri_sent) = match get(&params.redirect_uri) {
            Some(u) if client.redirect_uris.iter().any(|r| r.matches(u)) => (u.to_owned(), true),
            Some(_) => {
                return Err(not_redirectable(
                    "The redirect URI is not registered for this application.",
                ))
            }
            None => match client.redirect_uris.as_slice() {
                [only] => (only.to_string(), false),
                _ => return Err(not_redirectable("The request has no redirect_uri.")),
            },
        };

        // From here on, errors go back to the client.
        let state = get(&params.state).and_then(|s| State::parse(s).ok());
        let response_mode = match get(&params.response_mode) {
            None => ResponseMode::Query,
            Some(m) => ResponseMode::parse(m).map_err(|_| {
                self.error_response(
                    &redirect_uri,
                    ResponseMode::Query,
                    OAuthErrorCode::InvalidRequest,
                    "response_mode must be query or form_post",
                    &state,
                )
            })?,
        };
        let fail = |error: OAuthErrorCode, description: &str| {
            self.error_response(&redirect_uri, response_mode, error, description, &state)
        };
        if get(&params.state).is_some() && state.is_none() {
            return Err(fail(
                OAuthErrorCode::InvalidRequest,
                "state must be printable ASCII",
            ));
        }
        let must_push = self.par_required
            || client.security.require_par
            || client.security.profile == tessera_domain::SecurityProfile::Fapi2;
        if must_push && params.origin != ParamsOrigin::Pushed {
            return Err(fail(
                OAuthErrorCode::InvalidRequest,
                "this client must push its authorization requests to the pushed authorization request endpoint (RFC 9126) and send only client_id and request_uri",
            ));
        }
        if get(&params.request).is_some() {
            return Err(fail(
                OAuthErrorCode::RequestNotSupported,
                "request objects are not supported",
            ));
        }
        if get(&params.request_uri).is_some() {
            return Err(fail(
                OAuthErrorCode::RequestUriNotSupported,
                "request_uri is not supported",
            ));
        }
        match get(&params.response_type).map(ResponseType::parse) {
            None => {
                return Err(fail(
                    OAuthErrorCode::InvalidRequest,
                    "response_type is required",
                ))
            }
            Some(Ok(ResponseType::Code)) => {}
            Some(Err(ResponseTypeError::Unsupported(_)))
            | Some(Err(ResponseTypeError::Invalid(_))) => {
                return Err(fail(
                    OAuthErrorCode::UnsupportedResponseType,
                    "only response_type=code is supported",
                ))
            }
        }
        if client.ensure_grant(GrantType::AuthorizationCode).is_err() {
            return Err(fail(
                OAuthErrorCode::UnauthorizedClient,
                "this client may not use the authorization code flow",
            ));
        }
        let requested = ScopeSet::parse(get(&params.scope).unwrap_or(""))
            .map_err(|e| fail(OAuthErrorCode::InvalidScope, &e.to_string()))?;
        let scope = client
            .grant_scope(Some(&requested))
            .map_err(|e| fail(OAuthErrorCode::InvalidScope, &e.to_string()))?;
        let code_challenge = match (
            get(&params.code_challenge),
            get(&params.code_challenge_method),
        ) {
            (None, _) => {
                return Err(fail(
                    OAuthErrorCode::InvalidRequest,
                    "code_challenge is required (PKCE with S256)",
                ))
            }
            (Some(c), method) => {
                CodeChallengeMethod::parse(method.unwrap_or("plain"))
                    .map_err(|e| fail(OAuthErrorCode::InvalidRequest, &e.to_string()))?;
                CodeChallenge::parse(c)
                    .map_err(|e| fail(OAuthErrorCode::InvalidRequest, &e.to_string()))?
            }
        };
        let nonce = get(&params.nonce)
            .map(Nonce::parse)
            .transpose()
            .map_err(|e| fail(OAuthErrorCode::InvalidRequest, &e.to_string()))?;
        let prompt = Prompt::parse(get(&params.prompt).unwrap_or(""))
            .map_err(|e| fail(OAuthErrorCode::InvalidRequest, &e.to_string()))?;
        let max_age = get(&params.max_age)
            .map(|m| m.parse::<i64>().ok().filter(|v| *v >= 0))
            .map(|m| {
                m.ok_or_else(|| {
                    fail(
                        OAuthErrorCode::InvalidRequest,
                        "max_age must be a non-negative integer",
                    )
                })
            })
            .transpose()?;
        let acr = [
            params
                .other
                .get("acr_values")
                .and_then(|v| Acr::requested(v)),
            client.require_mfa.then_some(Acr::MultiFactor),
            self.acr_floor,
        ]
        .into_iter()
        .flatten()
        .max();
        let resources = self
            .resolve_resources(&params.resources)
            .await
            .map_err(|e| match e {
                TargetError::Invalid(m) => fail(OAuthErrorCode::InvalidTarget, &m),
                TargetError::Repository(r) => r.into(),
            })?;
        let login_hint = get(&params.login_hint)
            .filter(|h| h.len() <= 254)
            .map(str::to_owned);
        Ok(AuthorizationRequest {
            client,
            redirect_uri,
            redirect_uri_sent,
            scope,
            state,
            nonce,
            code_challenge,
            prompt,
            max_age,
            login_hint,
            response_mode,
            acr,
            resources,
        })
    }

    /// The registered resources `values` name (RFC 8707 §2); none named, none resolved.
    async fn resolve_resources(&self, values: &[String]) -> Result<ResourceTarget, TargetError> {
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        resolve_target(self.resources.as_deref(), &values).await
    }

    /// Decides what happens next for a valid request, given the browser's session.
    pub async fn decide(
        &self,
        request: AuthorizationRequest,
        session: Option<&BrowserSession>,
        interaction: Interaction,
    ) -> Result<AuthorizeOutcome, AuthorizeError> {
        let now = self.clock.now();
        let signed_in_here = match interaction {
            Interaction::Start => false,
            Interaction::LoggedIn => true,
            Interaction::Consented { sign_in, .. } | Interaction::Continued { sign_in } => {
                sign_in == SignInProof::ThisAuthorization
            }
        };
        // A re-authentication demand sets the session aside unless its sign-in happened in
        // this very authorization, recently: then the login page comes (again), never a code.
        let proven_here = |s: &BrowserSession| {
            signed_in_here
                && now.as_secs().saturating_sub(s.auth_time.as_secs())
                    <= REAUTHENTICATION_WINDOW_SECS
        };
        // A sign-in proven here that still falls short of the level cannot be answered by
        // another login: the person lacks the factor.
        if let Some(s) = session.filter(|s| proven_here(s) && !request.level_met_by(s)) {
            if let Some(user) = self.users.find(&s.user_id).await?.filter(|u| !u.disabled) {
                return Ok(AuthorizeOutcome::SecondFactorNeeded {
                    request: Box::new(request),
                    user: Box::new(user),
                });
            }
        }
        let session = session.filter(|s| {
            !request.demands_reauthentication(s, now) || (proven_here(s) && request.level_met_by(s))
        });
        let user = match session {
            Some(s) => self.users.find(&s.user_id).await?.filter(|u| !u.disabled),
            None => None,
        };
        let (Some(session), Some(user)) = (session, user) else {
            if request.prompt.none {
                return Err(self.request_error(
                    &request,
                    OAuthErrorCode::LoginRequired,
                    "the user is not signed in",
                ));
            }
            return Ok(AuthorizeOutcome::Login {
                request: Box::new(request),
            });
        };

        if !user.email_verified
            && (self.verified_email_required || interaction == Interaction::LoggedIn)
        {
            if request.prompt.none {
                return Err(self.request_error(
                    &request,
                    OAuthErrorCode::InteractionRequired,
                    "the user's email address is not verified",
                ));
            }
            return Ok(AuthorizeOutcome::EmailUnverified {
                request: Box::new(request),
                user: Box::new(user),
                required: self.verified_email_required,
            });
        }

        if !request.client.skip_consent {
            match interaction {
                Interaction::Consented { allow: false, .. } => {
                    return Err(self.request_error(
                        &request,
                        OAuthErrorCode::AccessDenied,
                        "the user denied the request",
                    ));
                }
                Interaction::Consented { allow: true, .. } => {
                    let previous = self.consents.find(&user.id, &request.client.id).await?;
                    let mut scope = request.scope.to_string();
                    let mut resources = request.resources.identifiers();
                    if let Some(p) = previous {
                        scope = format!("{} {}", p.scope, request.scope);
                        for r in p.resources {
                            if !resources.contains(&r) {
                                resources.push(r);
                            }
                        }
                    }
                    let merged =
                        ScopeSet::parse(scope.trim()).unwrap_or_else(|_| request.scope.clone());
                    self.consents
                        .upsert(&Consent {
                            resources,
                            user_id: user.id.clone(),
                            client_id: request.client.id.clone(),
                            scope: merged,
                            granted_at: now,
                        })
                        .await?;
                }
                Interaction::Start | Interaction::LoggedIn | Interaction::Continued { .. } => {
                    let covered = !request.prompt.consent
                        && self
                            .consents
                            .find(&user.id, &request.client.id)
                            .await?
                            .is_some_and(|c| {
                                c.covers_all(&request.scope, &request.resources.identifiers())
                            });
                    if !covered {
                        if request.prompt.none {
                            return Err(self.request_error(
                                &request,
                                OAuthErrorCode::ConsentRequired,
                                "the user has not consented",
                            ));
                        }
                        return Ok(AuthorizeOutcome::Consent {
                            request: Box::new(request),
                            user: Box::new(user),
                        });
                    }
                }
            }
        }

        let code = random_token(self.rng.as_ref(), 32);
        // A URI that matched a registered one always parses; if it ever did not, refuse rather
        // than issue a code without its redirect binding (AS-18).
        let stored_redirect = if request.redirect_uri_sent {
            Some(RedirectUri::parse(&request.redirect_uri).map_err(|_| {
                self.request_error(
                    &request,
                    OAuthErrorCode::InvalidRequest,
                    "redirect_uri is not valid",
                )
            })?)
        } else {
            None
        };
        self.codes
            .insert(&AuthorizationCode {
                resources: request.resources.identifiers(),
                digest: TokenDigest::of(&code),
                client_id: request.client.id.clone(),
                user_id: user.id.clone(),
                grant_id: random_token(self.rng.as_ref(), 16),
                redirect_uri: stored_redirect,
                code_challenge: Some(request.code_challenge.clone()),
                scope: request.scope.clone(),
                nonce: request.nonce.clone(),
                auth_time: session.auth_time,
                amr: session.amr,
                sid: Some(session.sid.clone()),
                expires_at: now.plus(self.settings.lifetimes.authorization_code),
            })
            .await?;
        if let Some(backchannel) = &self.backchannel {
            backchannel.record(session, &request.client.id).await?;
        }
        crate::services::record_first_use(self.clients.as_ref(), &request.client, now).await;
        Ok(AuthorizeOutcome::Respond(AuthorizationResponse {
            redirect_uri: request.redirect_uri,
            mode: request.response_mode,
            result: AuthorizationResult::Code(code),
            state: request.state,
            iss: self.settings.issuer.clone(),
        }))
    }

    /// An error response for a validated request.
    pub fn request_error(
        &self,
        r: &AuthorizationRequest,
        error: OAuthErrorCode,
        description: &str,
    ) -> AuthorizeError {
        self.error_response(
            &r.redirect_uri,
            r.response_mode,
            error,
            description,
            &r.state,
        )
    }

    fn error_response(
        &self,
        redirect_uri: &str,
        mode: ResponseMode,
        error: OAuthErrorCode,
        description: &str,
        state: &Option<State>,
    ) -> AuthorizeError {
        AuthorizeError::Redirect(AuthorizationResponse {
            redirect_uri: redirect_uri.to_owned(),
            mode,
            result: AuthorizationResult::Error {
                code: error,
                description: crate::errors::oauth_description(description),
            },
            state: state.clone(),
            iss: self.settings.issuer.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
