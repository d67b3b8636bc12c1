//! One service per use case.

mod access_tokens;
mod account_api;
mod account_sessions;
mod account_settings;
mod accounts;
pub mod admin;
mod api_keys;
mod authorize;
mod backchannel_logout;
mod client_authentication;
mod client_credentials;
mod client_registration;
mod code_grant;
mod device_flow;
mod dpop_proofs;
mod dynamic_registration;
mod email_links;
mod fault_code;
mod housekeeping;
mod introspection;
mod link_targets;
mod logout;
mod metadata_document_clients;
mod pushed_authorization;
mod refresh_grant;
mod resource_indicators;
mod resource_registry;
mod revocation;
mod second_factors;
mod sign_in;
mod sign_out_everywhere;
mod signing_keys;
#[cfg(test)]
pub(crate) mod test_support;
mod token_endpoint;
mod token_error;
mod token_exchange;
mod upstream_registry;
mod upstream_sign_in;
mod user_tokens;
mod userinfo;

pub use access_tokens::{AccessTokenVerifier, ACCESS_TOKEN_TYP};
pub use account_api::{
    AccountApi, AccountApiDeps, AccountLoginError, AccountTokenError, Registration,
    ACCOUNT_CLIENT_ID, ACCOUNT_SCOPE,
};
pub use account_sessions::{session_public_id, AccountSessions, ConnectedApp, SessionView};
pub use account_settings::{AccountChangeError, AccountSettings};
pub use accounts::{Accounts, AccountsDeps, CreateUserError, LoginError, SignInContext, SignedIn};
pub use api_keys::{ApiKeyError, ApiKeys, API_KEY_TOUCH_INTERVAL_SECS};
pub use authorize::{
    AuthorizationRequest, AuthorizationResponse, AuthorizationResult, Authorize, AuthorizeError,
    AuthorizeOutcome, AuthorizeParams, Interaction, ParamsOrigin, RequestObjectError,
    RequestObjects, SignInProof, FAPI2_REQUEST_OBJECT_ALGS, REAUTHENTICATION_WINDOW_SECS,
    REQUEST_OBJECT_ALGS, REQUEST_OBJECT_TYP, REQUEST_URI_PREFIX,
};
pub use backchannel_logout::{
    BackchannelLogout, BackchannelLogoutDeps, DeliveryPolicy, DeliveryRound,
};
pub use client_authentication::{
    advertised_assertion_algorithms, assertion_algorithms, check_claims, AssertionClaimError,
    AuthenticateClientError, CheckedAssertion, ClientAssertions, ClientAuthenticator,
    PresentedCredentials, ASSERTION_LEEWAY_SECS, JWT_BEARER_ASSERTION_TYPE,
    MAX_ASSERTION_LIFETIME_SECS,
};
pub use client_credentials::{ClientCredentialsGrant, IssuedToken};
pub use client_registration::{
    parse_exchange_audiences, seal_secret, ClientRegistry, NewClient, RegisterClientError,
    RegisteredClient,
};
pub use code_grant::{grant_revocation_key, AuthorizationCodeGrant};
pub use device_flow::{
    DeviceError, DeviceFlow, DeviceFlowDeps, DeviceFlowSettings, DeviceStart, PendingDevice,
};
pub use dpop_proofs::{DpopError, DpopProofs, DpopSettings, DEFAULT_DPOP_IAT_WINDOW_SECS};
pub use dynamic_registration::{
    record_first_use, ClientInformation, ClientMetadataRequest, DynamicRegistration,
    DynamicRegistrationDeps, DynamicRegistrationError, OIDC_REGISTRABLE_SCOPES,
};
pub use email_links::{EmailLinkError, EmailLinks, EmailLinksDeps};
pub use housekeeping::{
    Housekeeping, HousekeepingReport, DEFAULT_PURGE_BATCH, DEFAULT_PURGE_BUDGET,
};
pub use introspection::{Introspection, IntrospectionResponse};
pub use link_targets::LinkTargets;
pub use logout::{Logout, LogoutError, LogoutPlan, LogoutRequest};
pub use metadata_document_clients::{client_from_document, ClientDirectory, MetadataDocumentError};
pub use pushed_authorization::{
    PushError, PushedAuthorization, PushedAuthorizationResponse, DEFAULT_REQUEST_URI_TTL_SECS,
};
pub use refresh_grant::{RefreshGrace, RefreshTokenGrant};
pub use resource_indicators::{ResourceIndicators, TargetError, MAX_RESOURCES_PER_REQUEST};
pub use resource_registry::{NewResource, ResourceRegistry, ResourceRegistryError};
pub use revocation::{RevokeError, TokenRevocation};
pub use second_factors::{
    user_handle, MfaStatus, PasskeyChallenge, PasskeySignIn, PendingSignIn, PendingStep,
    SecondFactorError, SecondFactors, SecondFactorsDeps, TotpEnrolment, SECOND_FACTOR_STEP_SECS,
};
pub use sign_in::{
    AccountLogin, ApiSignIn, ApiSignInOutcome, MfaPolicy, PageSecondStep, PageSignIn,
    PageSignInOutcome, SecondProof, SecondStepOutcome, SignIn,
};
pub use sign_out_everywhere::SignOutEverywhere;
pub use signing_keys::{KeyError, KeyService, RotationTooSoon, DEFAULT_PUBLISH_LEAD_SECS};
pub use token_endpoint::{GrantRequest, RevocationError, TokenEndpoint};
pub use token_error::TokenError;
pub use token_exchange::{
    ExchangeRequest, TokenExchangeDeps, TokenExchangeGrant, ACCESS_TOKEN_TYPE, MAX_ACTOR_CHAIN,
};
pub use upstream_registry::{
    callback_url, NewUpstream, UpstreamRegistry, UpstreamRegistryError, GITHUB_API_BASE,
    GITHUB_WEB_BASE, UPSTREAM_CALLBACK_PATH,
};
pub use upstream_sign_in::{
    PendingUpstreamLogin, StartedUpstreamLogin, UpstreamAccount, UpstreamCallback, UpstreamSignIn,
    UpstreamSignInDeps, UpstreamSignInError, VerifiedUpstreamPerson, UPSTREAM_LOGIN_TTL_SECS,
};
pub use user_tokens::{TokenSet, UserGrant, UserTokenIssuer, ID_TOKEN_TYP};
pub use userinfo::{PresentedToken, UserInfo, UserInfoError};
