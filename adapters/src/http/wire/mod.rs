//! The wire types: one DTO per message the HTTP edge sends or documents. Each is `ToSchema`,
//! so the OpenAPI document describes exactly what the handlers serialise; request bodies that
//! arrive as forms (parsed by [`super::form::OAuthForm`]) are here to be described.

mod account_sessions;
mod accounts;
mod admin;
mod authorize;
mod device;
mod discovery;
mod error;
mod health;
mod introspection;
mod jwks;
mod mfa;
mod par;
mod revocation;
mod token;
mod userinfo;

pub use account_sessions::{ConnectedAppBody, SessionBody};
pub use accounts::{
    Accepted, AccountDeletion, AccountTokenResponse, EmailRequest, EmailVerified, LoginRequest,
    PasswordChange, Profile, ProfilePatch, RegisterRequest, Registered, ResetConfirmation,
    ResetConfirmationForm, VerifyEmailForm, VerifyEmailRequest,
};
pub use admin::{
    AdminApiKeyCreate, AdminClientCreate, AdminClientUpdate, AdminKeyRotate, AdminResourceCreate,
    AdminUserRoles,
};
pub use authorize::{AuthorizeForm, LogoutForm};
pub use device::{DeviceAuthorizationRequest, DeviceAuthorizationResponse};
pub use discovery::ProviderMetadata;
pub use error::ErrorBody;
pub use health::Status;
pub use introspection::{IntrospectRequest, IntrospectResponse};
pub use jwks::{Jwk, JwkSet};
pub use mfa::{
    MfaLoginRequest, MfaRequiredBody, MfaStatusBody, OtpRequest, PasskeyBody, PasskeyLogin,
    PasskeyOptionsBody, PasskeyRegistration, PasskeyRename, RecoveryCodesBody, TotpConfirmRequest,
    TotpEnrolmentBody,
};
pub use par::{PushedAuthorizationForm, PushedAuthorizationResponseBody};
pub use revocation::RevokeRequest;
pub use token::{GrantType, TokenRequest, TokenResponse, BEARER};
pub use userinfo::{UserInfoClaims, UserInfoForm};
