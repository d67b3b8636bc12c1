//! Tessera's domain: the OAuth 2.1 / OpenID Connect rules as plain Rust.
//!
//! Nothing here does I/O or knows a runtime, a database or a crypto backend: time comes in as
//! [`UnixTime`] parameters, randomness and signing live behind the application's ports. Every
//! value object is built by a `parse` function, so a value that exists is a valid one.

#![deny(missing_docs)]

pub mod api_key;
pub mod audit;
pub mod authentication;
pub mod backchannel_logout;
pub mod client;
pub mod client_id;
pub mod client_metadata;
pub mod client_registration;
pub mod client_security;
pub mod consent;
pub mod device;
pub mod dpop;
pub mod email;
pub mod email_token;
pub mod grant_type;
pub mod id_token;
pub mod lifetimes;
pub mod lockout;
pub mod nonce_state;
pub mod password;
pub mod pkce;
pub mod prompt;
pub mod redirect_uri;
pub mod resource;
pub mod response_type;
pub mod role;
pub mod scope;
pub mod second_factor;
pub mod session;
pub mod signing_key;
pub mod time;
pub mod token;
pub mod user;

pub use api_key::{
    compose_api_key, is_valid_api_key_name, split_api_key, ApiKey, ApiKeyPrefix, ApiKeyPrefixError,
    MAX_API_KEY_NAME_CHARS,
};
pub use audit::{AuditAction, AuditEvent, AuditOutcome, MAX_AUDIT_FIELD_CHARS};
pub use authentication::{Acr, AuthMethod, AuthMethods, AuthMethodsError};
pub use backchannel_logout::{
    retry_delay_secs, LogoutDelivery, LogoutEvents, LogoutTokenClaims, SessionClient,
    BACKCHANNEL_LOGOUT_EVENT, LOGOUT_TOKEN_LIFETIME_SECS, LOGOUT_TOKEN_TYP,
};
pub use client::{Client, ClientRuleError, TokenEndpointAuthMethod};
pub use client_id::{ClientId, ClientIdError, MAX_URL_CLIENT_ID_LEN};
pub use client_metadata::{ApplicationType, ClientMetadata, ClientOrigin};
pub use client_registration::RegistrationRuleError;
pub use client_security::{
    is_https_url, ClientJwks, ClientSecurity, ClientSecurityError, SecurityProfile,
};
pub use consent::Consent;
pub use device::{
    DeviceApproval, DeviceAuthorization, DeviceStatus, UserCode, UserCodeError, SLOW_DOWN_STEP_SECS,
};
pub use dpop::{
    access_token_hash, dpop_algorithms, dpop_required, htu_matches, jwk_thumbprint, Confirmation,
    DpopProofClaims, DpopRuleError, ProofTarget, ThumbprintError, DPOP_ALGORITHMS, DPOP_PROOF_TYP,
    DPOP_TOKEN_TYPE, FAPI2_DPOP_ALGORITHMS,
};
pub use email::{Email, EmailError};
pub use email_token::{EmailToken, EmailTokenPurpose};
pub use grant_type::{GrantType, GrantTypeError};
pub use id_token::{half_hash, IdTokenClaims};
pub use lifetimes::TokenLifetimes;
pub use lockout::{LockoutPolicy, LoginAttempts};
pub use nonce_state::{Nonce, NonceError, State, StateError};
pub use password::{Password, PasswordError, PasswordPolicy};
pub use pkce::{CodeChallenge, CodeChallengeMethod, CodeVerifier, PkceError};
pub use prompt::{Prompt, PromptError, ResponseMode};
pub use redirect_uri::{RedirectUri, RedirectUriError};
pub use resource::{
    Audience, Resource, ResourceError, ResourceIdentifier, ResourceTarget, MAX_RESOURCE_CHARS,
};
pub use response_type::{ResponseType, ResponseTypeError};
pub use role::{Role, RoleError, RoleGrant};
pub use scope::{Scope, ScopeError, ScopeSet};
pub use second_factor::{
    is_valid_passkey_name, totp_step, Passkey, RecoveryCode, TotpError, TotpSecret,
    MAX_PASSKEY_NAME_CHARS, RECOVERY_CODES, TOTP_STEP_SECS,
};
pub use session::BrowserSession;
pub use signing_key::{KeyState, SigningAlgorithm, SigningAlgorithmError, SigningKey};
pub use time::UnixTime;
pub use token::{AccessTokenClaims, Actor, AuthorizationCode, RefreshToken, TokenDigest};
pub use user::{is_valid_display_name, User, UserId, UserIdError, MAX_NAME_CHARS};
