//! The traits through which the use cases reach the world. Adapters implement them; tests use
//! their `mockall` mocks (`Mock<Trait>`, with the `mocks` feature outside this crate).

mod api_keys;
mod audit;
mod client_jwt;
mod client_metadata_documents;
mod clients;
mod clock;
mod codes;
mod consents;
mod console_statistics;
mod device_authorizations;
mod dpop;
mod email_tokens;
mod failure_budget;
mod housekeeping;
mod jws;
mod keys;
mod logout_deliveries;
mod logout_sender;
mod mail;
mod passwords;
mod pushed_requests;
mod random;
mod refresh_tokens;
mod replay;
mod resources;
mod revocations;
mod second_factors;
mod session_clients;
mod sessions;
mod upstream_provider;
mod upstreams;
mod user_roles;
mod users;

pub use api_keys::ApiKeyRepository;
pub use audit::{AuditFilter, AuditLog, AuditRepository, StoredAuditEvent};
pub use client_jwt::{ClientJwtError, ClientJwtVerifier, VerifiedClientJwt};
pub use client_metadata_documents::{ClientMetadataDocuments, DocumentFetchError};
pub use clients::ClientRepository;
pub use clock::Clock;
pub use codes::{AuthorizationCodeRepository, CodeRedemption};
pub use consents::ConsentRepository;
pub use console_statistics::{ConsoleStatistics, HourlyCount, LockedAccount};
pub use device_authorizations::DeviceAuthorizationRepository;
pub use dpop::{DpopNonces, DpopProofError, DpopProofVerifier, VerifiedDpopProof};
pub use email_tokens::EmailTokenRepository;
pub use failure_budget::FailureBudget;
pub use housekeeping::{
    HousekeepingRepository, PurgeKind, DEFAULT_UNUSED_CLIENT_TTL_SECS,
    LOGOUT_DELIVERY_RETENTION_SECS,
};
pub use jws::{JwsEngine, KeyMaterial, VerifiedJws};
pub use keys::{GeneratedKey, KeyCipher, KeyGenerator, SigningKeyRepository, StoredSigningKey};
pub use logout_deliveries::LogoutDeliveryRepository;
pub use logout_sender::{LogoutSendError, LogoutSender};
pub use mail::{MailBudget, MailError, MailTemplate, Mailer, OutgoingMail, UnlimitedMail};
pub use passwords::{HashError, PasswordCheck, PasswordHasher};
pub use pushed_requests::{PushedRequest, PushedRequestRepository};
pub use random::{random_token, RandomSource};
pub use refresh_tokens::{RefreshTokenRepository, StoredRefreshToken};
pub use replay::{replay_key, ReplayCache, ReplayKind};
pub use resources::ResourceRepository;
pub use revocations::RevocationRepository;
pub use second_factors::{
    CeremonyStart, Challenge, ChallengePurpose, ChallengeRepository, NewCredential,
    PasskeyCeremonies, PasskeyError, PasskeyRepository, SecondFactorRepository, StoredTotp,
    VerifiedAssertion,
};
pub use session_clients::SessionClientRepository;
pub use sessions::SessionRepository;
pub use upstream_provider::{
    GithubProfile, UpstreamCallError, UpstreamMetadata, UpstreamProvider, UpstreamTokens,
};
pub use upstreams::{UpstreamIdentityRepository, UpstreamRepository};
pub use user_roles::UserRoleRepository;
pub use users::UserRepository;

#[cfg(any(test, feature = "mocks"))]
pub use api_keys::MockApiKeyRepository;
#[cfg(any(test, feature = "mocks"))]
pub use audit::{MockAuditLog, MockAuditRepository};
#[cfg(any(test, feature = "mocks"))]
pub use client_jwt::MockClientJwtVerifier;
#[cfg(any(test, feature = "mocks"))]
pub use client_metadata_documents::MockClientMetadataDocuments;
#[cfg(any(test, feature = "mocks"))]
pub use clients::MockClientRepository;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use codes::MockAuthorizationCodeRepository;
#[cfg(any(test, feature = "mocks"))]
pub use consents::MockConsentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use console_statistics::MockConsoleStatistics;
#[cfg(any(test, feature = "mocks"))]
pub use device_authorizations::MockDeviceAuthorizationRepository;
#[cfg(any(test, feature = "mocks"))]
pub use dpop::{MockDpopNonces, MockDpopProofVerifier};
#[cfg(any(test, feature = "mocks"))]
pub use email_tokens::MockEmailTokenRepository;
#[cfg(any(test, feature = "mocks"))]
pub use failure_budget::MockFailureBudget;
#[cfg(any(test, feature = "mocks"))]
pub use housekeeping::MockHousekeepingRepository;
#[cfg(any(test, feature = "mocks"))]
pub use jws::MockJwsEngine;
#[cfg(any(test, feature = "mocks"))]
pub use keys::{MockKeyCipher, MockKeyGenerator, MockSigningKeyRepository};
#[cfg(any(test, feature = "mocks"))]
pub use logout_deliveries::MockLogoutDeliveryRepository;
#[cfg(any(test, feature = "mocks"))]
pub use logout_sender::MockLogoutSender;
#[cfg(any(test, feature = "mocks"))]
pub use mail::MockMailer;
#[cfg(any(test, feature = "mocks"))]
pub use passwords::MockPasswordHasher;
#[cfg(any(test, feature = "mocks"))]
pub use pushed_requests::MockPushedRequestRepository;
#[cfg(any(test, feature = "mocks"))]
pub use random::MockRandomSource;
#[cfg(any(test, feature = "mocks"))]
pub use refresh_tokens::MockRefreshTokenRepository;
#[cfg(any(test, feature = "mocks"))]
pub use replay::MockReplayCache;
#[cfg(any(test, feature = "mocks"))]
pub use resources::MockResourceRepository;
#[cfg(any(test, feature = "mocks"))]
pub use revocations::MockRevocationRepository;
#[cfg(any(test, feature = "mocks"))]
pub use second_factors::{
    MockChallengeRepository, MockPasskeyCeremonies, MockPasskeyRepository,
    MockSecondFactorRepository,
};
#[cfg(any(test, feature = "mocks"))]
pub use session_clients::MockSessionClientRepository;
#[cfg(any(test, feature = "mocks"))]
pub use sessions::MockSessionRepository;
#[cfg(any(test, feature = "mocks"))]
pub use upstream_provider::MockUpstreamProvider;
#[cfg(any(test, feature = "mocks"))]
pub use upstreams::{MockUpstreamIdentityRepository, MockUpstreamRepository};
#[cfg(any(test, feature = "mocks"))]
pub use user_roles::MockUserRoleRepository;
#[cfg(any(test, feature = "mocks"))]
pub use users::MockUserRepository;
