use crate::errors::CryptoError;
use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::{Passkey, TokenDigest, UnixTime, UserId};

/// A person's TOTP enrolment as stored: the secret encrypted under its own derived key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTotp {
    /// Whose it is.
    pub user_id: UserId,
    /// The 20-byte secret, encrypted (AES-GCM, the user id as associated data).
    pub secret_ciphertext: Vec<u8>,
    /// False until a correct code confirmed it; only a confirmed enrolment is a factor.
    pub confirmed: bool,
    /// The last time step a code was accepted for: each code works once (RFC 6238 §5.2).
    pub last_step: Option<i64>,
    /// When it was enrolled.
    pub created_at: UnixTime,
}

/// TOTP enrolments and recovery codes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SecondFactorRepository: Send + Sync {
    /// The user's enrolment, confirmed or not.
    async fn totp(&self, user: &UserId) -> Result<Option<StoredTotp>, RepositoryError>;
    /// Stores a new unconfirmed enrolment, replacing an unconfirmed one; `Conflict` when a
    /// confirmed one exists (turn it off first).
    async fn put_unconfirmed_totp(&self, totp: &StoredTotp) -> Result<(), RepositoryError>;
    /// Confirms the unconfirmed enrolment with the code of `step` and replaces the recovery
    /// codes with `recovery_codes`, in ONE transaction; false when there is no unconfirmed
    /// enrolment (already confirmed, or none).
    async fn confirm_totp(
        &self,
        user: &UserId,
        step: i64,
        recovery_codes: &[TokenDigest],
        now: UnixTime,
    ) -> Result<bool, RepositoryError>;
    /// Records that a code of `step` was accepted, in ONE atomic statement that succeeds only
    /// when `step` is later than the last accepted step of a confirmed enrolment: of two
    /// requests with the same code, one wins. False for a replayed code.
    async fn use_totp_step(&self, user: &UserId, step: i64) -> Result<bool, RepositoryError>;
    /// Removes the enrolment and every recovery code; true when there was an enrolment.
    async fn delete_totp(&self, user: &UserId) -> Result<bool, RepositoryError>;
    /// Replaces every recovery code of the user with these, in one transaction.
    async fn replace_recovery_codes(
        &self,
        user: &UserId,
        codes: &[TokenDigest],
        now: UnixTime,
    ) -> Result<(), RepositoryError>;
    /// Marks the code with this digest used, in ONE atomic statement; false when the user has
    /// no such unused code.
    async fn use_recovery_code(
        &self,
        user: &UserId,
        code: &TokenDigest,
        now: UnixTime,
    ) -> Result<bool, RepositoryError>;
    /// How many unused recovery codes the user has.
    async fn recovery_codes_left(&self, user: &UserId) -> Result<u32, RepositoryError>;
}

/// Registered passkeys.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasskeyRepository: Send + Sync {
    /// Stores a new passkey; `Conflict` when its credential id is registered already.
    async fn insert(&self, passkey: &Passkey) -> Result<(), RepositoryError>;
    /// The user's passkeys, oldest first.
    async fn list_for_user(&self, user: &UserId) -> Result<Vec<Passkey>, RepositoryError>;
    /// The passkey with this credential id, whoever's it is.
    async fn find_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<Passkey>, RepositoryError>;
    /// After a sign-in: the updated credential record (counter, flags) and the time of use.
    async fn record_use(
        &self,
        id: &str,
        credential: &str,
        now: UnixTime,
    ) -> Result<(), RepositoryError>;
    /// Renames one of the user's passkeys; false when the user has none with this id.
    async fn rename(&self, user: &UserId, id: &str, name: &str) -> Result<bool, RepositoryError>;
    /// Removes one of the user's passkeys; false when the user has none with this id.
    async fn delete(&self, user: &UserId, id: &str) -> Result<bool, RepositoryError>;
    /// Removes every passkey of the user; returns how many.
    async fn delete_for_user(&self, user: &UserId) -> Result<u64, RepositoryError>;
}

/// What a pending ceremony is for; a challenge is only ever taken for its own purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengePurpose {
    /// A password was right; the second factor is still due (`mfa_token`, the login page's
    /// second step).
    SecondFactor,
    /// A passkey registration started on the account page or API.
    PasskeyRegistration,
    /// A passkey sign-in (discoverable, or as the second factor) started.
    PasskeyAuthentication,
}

impl ChallengePurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengePurpose::SecondFactor => "second_factor",
            ChallengePurpose::PasskeyRegistration => "passkey_registration",
            ChallengePurpose::PasskeyAuthentication => "passkey_authentication",
        }
    }

    /// Parses a stored name; `None` for one this build does not know.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "second_factor" => Some(ChallengePurpose::SecondFactor),
            "passkey_registration" => Some(ChallengePurpose::PasskeyRegistration),
            "passkey_authentication" => Some(ChallengePurpose::PasskeyAuthentication),
            _ => None,
        }
    }
}

/// A pending, single-use ceremony, stored server side by the digest of the random handle the
/// browser or client holds (so a database leak yields no usable handle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Digest of the handle.
    pub digest: TokenDigest,
    /// What it is for.
    pub purpose: ChallengePurpose,
    /// The account it is bound to (none for a discoverable passkey sign-in, which learns the
    /// account from the credential).
    pub user_id: Option<UserId>,
    /// What the ceremony needs to finish (JSON: the WebAuthn state, the methods so far…).
    pub payload: String,
    /// When it stops being usable (minutes, never longer).
    pub expires_at: UnixTime,
}

/// Pending ceremonies. Taking one deletes it, so each is finished at most once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ChallengeRepository: Send + Sync {
    /// Stores a new challenge.
    async fn insert(&self, challenge: &Challenge) -> Result<(), RepositoryError>;
    /// Deletes and returns the challenge with this digest and purpose, in ONE atomic
    /// statement; `None` when there is none, it is for another purpose, or it expired.
    async fn take(
        &self,
        digest: &TokenDigest,
        purpose: ChallengePurpose,
        now: UnixTime,
    ) -> Result<Option<Challenge>, RepositoryError>;
    /// Deletes expired challenges; returns how many.
    async fn purge_expired(&self, now: UnixTime) -> Result<u64, RepositoryError>;
}

/// A passkey ceremony's first half: what the browser gets (`publicKey` options as JSON, for
/// `navigator.credentials.create` / `get`) and what the server keeps to finish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeremonyStart {
    /// The options to hand the browser (JSON).
    pub options: String,
    /// The server-side state (JSON), stored in a [`Challenge`].
    pub state: String,
}

/// A credential a registration ceremony produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    /// The authenticator's credential id.
    pub credential_id: Vec<u8>,
    /// The library's record of it (JSON), stored with the passkey.
    pub credential: String,
    /// Backup eligible (synced).
    pub synced: bool,
}

/// What an authentication ceremony proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    /// The record to store back (updated counter and flags), when it changed.
    pub updated_credential: Option<String>,
    /// The authenticator verified the person (PIN or biometric).
    pub user_verified: bool,
    /// Backup eligible (synced).
    pub synced: bool,
}

/// Why a passkey ceremony failed. Every variant is the person's or the browser's doing except
/// [`PasskeyError::Backend`].
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// The browser's answer does not verify: wrong origin, RP id, challenge or signature,
    /// user verification missing, or malformed.
    #[error("the passkey response does not verify: {0}")]
    Invalid(String),
    /// The sign count went backwards: possibly a cloned authenticator (WebAuthn §6.1.1).
    #[error("the authenticator's sign count went backwards (possible clone)")]
    CounterRegression,
    /// The library or its crypto failed.
    #[error(transparent)]
    Backend(#[from] CryptoError),
}

/// The WebAuthn relying party (registration and authentication ceremonies, W3C WebAuthn
/// Level 2 §7): origin, RP id hash, challenge, signature, user verification and sign count are
/// checked here. `user_handle` is the 16-byte WebAuthn user id of the account.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait PasskeyCeremonies: Send + Sync {
    /// True when passkeys can work at all: the issuer has a host name (browsers refuse
    /// WebAuthn on IP-address origins).
    fn available(&self) -> bool;
    /// Starts a registration of a discoverable credential with user verification; existing
    /// credentials are excluded so one authenticator is not registered twice.
    fn start_registration(
        &self,
        user_handle: [u8; 16],
        user_name: &str,
        display_name: &str,
        existing: &[Passkey],
    ) -> Result<CeremonyStart, PasskeyError>;
    /// Finishes a registration with the browser's answer (JSON).
    fn finish_registration(
        &self,
        response: &str,
        state: &str,
    ) -> Result<NewCredential, PasskeyError>;
    /// Starts a sign-in: with `allowed` credentials (second factor), or discoverable (empty).
    fn start_authentication(&self, allowed: &[Passkey]) -> Result<CeremonyStart, PasskeyError>;
    /// The credential id and user handle the browser's answer names, before verifying it (to
    /// find the passkey it claims to be).
    fn identify(&self, response: &str) -> Result<(Vec<u8>, Option<Vec<u8>>), PasskeyError>;
    /// Verifies the browser's answer against the stored state and the passkey it names.
    fn finish_authentication(
        &self,
        response: &str,
        state: &str,
        passkey: &Passkey,
    ) -> Result<VerifiedAssertion, PasskeyError>;
}
