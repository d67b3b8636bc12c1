//! The WebAuthn relying party behind [`PasskeyCeremonies`], on `webauthn-rs` (Kanidm's
//! maintained relying-party library).
//!
//! Every ceremony requires a discoverable credential and user verification: a passkey is a
//! whole sign-in on its own (`phr`), so the authenticator must have checked a PIN or biometric.
//! The ceremony state is JSON the caller stores server side (the `challenges` table), tagged
//! with its kind so a state can only finish the ceremony that produced it.
//!
//! Browser options (`options` of [`CeremonyStart`]) are webauthn-rs's JSON:
//! `{"publicKey": {...}, "mediation": ...}` where every binary field (`challenge`, `user.id`,
//! `excludeCredentials[].id`, `allowCredentials[].id`) is base64url without padding. The page
//! decodes those to `ArrayBuffer`s and passes `options.publicKey` to
//! `navigator.credentials.create({publicKey})` or `navigator.credentials.get({publicKey})`.
//! The answer goes back as JSON with `rawId`, `response.clientDataJSON`,
//! `response.attestationObject` (registration) or `response.authenticatorData`,
//! `response.signature`, `response.userHandle` (sign-in) base64url-encoded, plus `id`, `type`
//! and `extensions` (`{}` will do).

use serde::{Deserialize, Serialize};
use tessera_application::errors::CryptoError;
use tessera_application::ports::{
    CeremonyStart, NewCredential, PasskeyCeremonies, PasskeyError, VerifiedAssertion,
};
use tessera_domain::Passkey;
use webauthn_rs::prelude::{
    AuthenticationResult, CreationChallengeResponse, CredentialID, DiscoverableAuthentication,
    DiscoverableKey, Passkey as WebauthnPasskey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    WebauthnError,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};
use webauthn_rs_proto::{
    AuthenticatorSelectionCriteria, ResidentKeyRequirement, UserVerificationPolicy,
};

/// Why the relying party could not be set up from the issuer.
#[derive(Debug, thiserror::Error)]
pub enum PasskeySetupError {
    /// The issuer is not an absolute URL with a host.
    #[error("the issuer {0:?} has no host for a WebAuthn relying party id")]
    Issuer(String),
    /// webauthn-rs refused the relying party (id not a domain of the origin).
    #[error("the WebAuthn relying party cannot be built")]
    Library(#[source] WebauthnError),
}

/// The passkey ceremonies of one issuer: relying party id = the issuer's host, the only
/// accepted origin = the issuer's origin (scheme, host and port, exactly).
pub struct WebauthnPasskeys {
    /// `None` when the issuer's host is an IP address: browsers refuse WebAuthn there.
    webauthn: Option<Webauthn>,
}

/// What a ceremony's server-side state is, tagged so a state is never taken for another kind.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", content = "state", rename_all = "snake_case")]
enum CeremonyState {
    /// A registration.
    Registration(PasskeyRegistration),
    /// A sign-in with named credentials (second factor).
    Passkey(PasskeyAuthentication),
    /// A discoverable sign-in (no user known yet).
    Discoverable(DiscoverableAuthentication),
}

/// A read-only view of the stored webauthn-rs record: the library hides its fields unless the
/// `danger-credential-internals` feature is on (which would also let code forge or mutate
/// credentials). The JSON is webauthn-rs's persistence format, which it keeps stable so stored
/// passkeys keep loading, so reading two fields from it is the least-danger route.
#[derive(Deserialize)]
struct RecordView {
    cred: CredentialView,
}

/// The two fields of the record Tessera needs.
#[derive(Deserialize)]
struct CredentialView {
    counter: u32,
    backup_eligible: bool,
}

const NEEDS_HOST: &str = "passkeys need a host name";

impl WebauthnPasskeys {
    /// The relying party of `issuer` (its host as RP id, its origin as the only origin),
    /// named `rp_name` in the authenticator's prompts. An IP-address issuer still builds, but
    /// is not [`available`](PasskeyCeremonies::available). `http://localhost:PORT` works: browsers
    /// treat localhost as a secure context, and webauthn-rs compares origins exactly.
    pub fn new(issuer: &str, rp_name: &str) -> Result<Self, PasskeySetupError> {
        let url = Url::parse(issuer).map_err(|_| PasskeySetupError::Issuer(issuer.to_owned()))?;
        if url.host().is_none() {
            return Err(PasskeySetupError::Issuer(issuer.to_owned()));
        }
        // `domain()` is None for an IP address (v4 or v6).
        let Some(rp_id) = url.domain() else {
            return Ok(Self { webauthn: None });
        };
        let origin = Url::parse(&url.origin().ascii_serialization())
            .map_err(|_| PasskeySetupError::Issuer(issuer.to_owned()))?;
        let webauthn = WebauthnBuilder::new(rp_id, &origin)
            .and_then(|b| b.rp_name(rp_name).build())
            .map_err(PasskeySetupError::Library)?;
        Ok(Self {
            webauthn: Some(webauthn),
        })
    }

    fn ready(&self) -> Result<&Webauthn, PasskeyError> {
        self.webauthn
            .as_ref()
            .ok_or_else(|| PasskeyError::Invalid(NEEDS_HOST.to_owned()))
    }
}

/// The browser or the caller handed something that does not verify.
fn invalid(what: &str) -> PasskeyError {
    PasskeyError::Invalid(what.to_owned())
}

/// A library error from a ceremony: the browser's answer did not verify.
fn refused(e: WebauthnError) -> PasskeyError {
    match e {
        WebauthnError::CredentialPossibleCompromise => PasskeyError::CounterRegression,
        WebauthnError::UserNotVerified => invalid("user verification is required"),
        WebauthnError::InvalidRPOrigin => invalid("wrong origin"),
        WebauthnError::InvalidRPIDHash => invalid("wrong relying party id"),
        WebauthnError::MismatchedChallenge => invalid("wrong challenge"),
        other => PasskeyError::Invalid(other.to_string()),
    }
}

fn to_json<T: Serialize>(what: &str, value: &T) -> Result<String, PasskeyError> {
    serde_json::to_string(value)
        .map_err(|e| PasskeyError::Backend(CryptoError::failed(format!("serialising {what}"), e)))
}

fn read_state(state: &str) -> Result<CeremonyState, PasskeyError> {
    serde_json::from_str(state).map_err(|_| invalid("unknown ceremony state"))
}

/// The stored record of `passkey`; a record that does not load is Tessera's fault, not the
/// browser's.
fn read_record(passkey: &Passkey) -> Result<(WebauthnPasskey, CredentialView), PasskeyError> {
    let corrupt = |e| PasskeyError::Backend(CryptoError::failed("reading a passkey record", e));
    let record: WebauthnPasskey = serde_json::from_str(&passkey.credential).map_err(corrupt)?;
    let view: RecordView = serde_json::from_str(&passkey.credential).map_err(corrupt)?;
    if record.cred_id().as_slice() != passkey.credential_id.as_slice() {
        return Err(PasskeyError::Backend(CryptoError::backend(
            "a passkey record names another credential id",
        )));
    }
    Ok((record, view.cred))
}

impl PasskeyCeremonies for WebauthnPasskeys {
    fn available(&self) -> bool {
        self.webauthn.is_some()
    }

    /// The options are a `CreationChallengeResponse`:
    /// `{"publicKey": {"rp": {"id", "name"}, "user": {"id", "name", "displayName"}, "challenge",
    /// "pubKeyCredParams", "timeout", "excludeCredentials": [{"type", "id"}],
    /// "authenticatorSelection": {"residentKey": "required", "requireResidentKey": true,
    /// "userVerification": "required"}, "attestation": "none", "extensions"}}`.
    fn start_registration(
        &self,
        user_handle: [u8; 16],
        user_name: &str,
        display_name: &str,
        existing: &[Passkey],
    ) -> Result<CeremonyStart, PasskeyError> {
        let webauthn = self.ready()?;
        let exclude: Vec<CredentialID> = existing
            .iter()
            .map(|p| CredentialID::from(p.credential_id.as_slice()))
            .collect();
        let (mut options, state): (CreationChallengeResponse, PasskeyRegistration) = webauthn
            .start_passkey_registration(
                Uuid::from_bytes(user_handle),
                user_name,
                display_name,
                (!exclude.is_empty()).then_some(exclude),
            )
            .map_err(|e| PasskeyError::Invalid(e.to_string()))?;
        // A passkey signs in without a user name, so the credential must be discoverable; the
        // state already demands user verification (webauthn-rs sets the policy to Required).
        let selection = options
            .public_key
            .authenticator_selection
            .get_or_insert_with(AuthenticatorSelectionCriteria::default);
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
        selection.user_verification = UserVerificationPolicy::Required;
        Ok(CeremonyStart {
            options: to_json("registration options", &options)?,
            state: to_json("registration state", &CeremonyState::Registration(state))?,
        })
    }

    fn finish_registration(
        &self,
        response: &str,
        state: &str,
    ) -> Result<NewCredential, PasskeyError> {
        let webauthn = self.ready()?;
        let CeremonyState::Registration(state) = read_state(state)? else {
            return Err(invalid("not a registration"));
        };
        let response: RegisterPublicKeyCredential =
            serde_json::from_str(response).map_err(|_| invalid("malformed registration"))?;
        let passkey = webauthn
            .finish_passkey_registration(&response, &state)
            .map_err(refused)?;
        let credential = to_json("passkey record", &passkey)?;
        let view: RecordView = serde_json::from_str(&credential).map_err(|e| {
            PasskeyError::Backend(CryptoError::failed("reading a passkey record", e))
        })?;
        Ok(NewCredential {
            credential_id: passkey.cred_id().to_vec(),
            credential,
            synced: view.cred.backup_eligible,
        })
    }

    /// The options are a `RequestChallengeResponse`: `{"publicKey": {"challenge", "timeout",
    /// "rpId", "allowCredentials": [{"type", "id"}], "userVerification": "required",
    /// "extensions"}, "mediation": null}`; `allowCredentials` is empty for a discoverable
    /// sign-in, which is a modal prompt after a button press, not conditional UI.
    fn start_authentication(&self, allowed: &[Passkey]) -> Result<CeremonyStart, PasskeyError> {
        let webauthn = self.ready()?;
        let (options, state): (RequestChallengeResponse, CeremonyState) = if allowed.is_empty() {
            let (mut options, state) = webauthn
                .start_discoverable_authentication()
                .map_err(|e| PasskeyError::Invalid(e.to_string()))?;
            options.mediation = None;
            (options, CeremonyState::Discoverable(state))
        } else {
            let records = allowed
                .iter()
                .map(|p| read_record(p).map(|(record, _)| record))
                .collect::<Result<Vec<_>, _>>()?;
            let (options, state) = webauthn
                .start_passkey_authentication(&records)
                .map_err(|e| PasskeyError::Invalid(e.to_string()))?;
            (options, CeremonyState::Passkey(state))
        };
        Ok(CeremonyStart {
            options: to_json("authentication options", &options)?,
            state: to_json("authentication state", &state)?,
        })
    }

    fn identify(&self, response: &str) -> Result<(Vec<u8>, Option<Vec<u8>>), PasskeyError> {
        self.ready()?;
        let response: PublicKeyCredential =
            serde_json::from_str(response).map_err(|_| invalid("malformed sign-in"))?;
        Ok((
            response.get_credential_id().to_vec(),
            response.get_user_unique_id().map(<[u8]>::to_vec),
        ))
    }

    fn finish_authentication(
        &self,
        response: &str,
        state: &str,
        passkey: &Passkey,
    ) -> Result<VerifiedAssertion, PasskeyError> {
        let webauthn = self.ready()?;
        let state = read_state(state)?;
        let response: PublicKeyCredential =
            serde_json::from_str(response).map_err(|_| invalid("malformed sign-in"))?;
        if response.get_credential_id() != passkey.credential_id.as_slice() {
            return Err(invalid("the answer is from another credential"));
        }
        let (mut record, stored) = read_record(passkey)?;
        let result: AuthenticationResult = match state {
            CeremonyState::Discoverable(state) => webauthn.finish_discoverable_authentication(
                &response,
                state,
                &[DiscoverableKey::from(&record)],
            ),
            CeremonyState::Passkey(state) => {
                webauthn.finish_passkey_authentication(&response, &state)
            }
            CeremonyState::Registration(_) => return Err(invalid("not a sign-in")),
        }
        .map_err(refused)?;
        if !result.user_verified() {
            return Err(invalid("user verification is required"));
        }
        // The named-credential state holds the records as they were when the ceremony started;
        // check the counter against the current one too (§6.1.1: a counter that does not grow
        // past a non-zero stored value may mean a cloned authenticator).
        if (result.counter() > 0 || stored.counter > 0) && result.counter() <= stored.counter {
            return Err(PasskeyError::CounterRegression);
        }
        let changed = record
            .update_credential(&result)
            .ok_or_else(|| invalid("the answer is from another credential"))?;
        let updated_credential = if changed {
            Some(to_json("passkey record", &record)?)
        } else {
            None
        };
        Ok(VerifiedAssertion {
            updated_credential,
            user_verified: true,
            synced: stored.backup_eligible || result.backup_eligible(),
        })
    }
}

#[cfg(test)]
mod tests;
