//! Sign-in through upstream identity providers: the use case over this database, the
//! guarded outbound client and the secrets sealed under `secret_key`.

use super::Core;
use crate::config::Config;
use std::sync::Arc;
use tessera_adapters::crypto::{AeadKeyCipher, CipherPurpose};
use tessera_adapters::http::{UpstreamList, UpstreamState};
use tessera_adapters::outbound::OutboundUpstreamProvider;
use tessera_application::ports::AuditLog;
use tessera_application::services::{Accounts, SignIn, UpstreamSignIn, UpstreamSignInDeps};

/// The state of the `/upstream/*` handlers.
pub fn state(
    core: &Core,
    config: &Config,
    secret: &secrecy::SecretString,
    audit: Arc<dyn AuditLog>,
    sign_in: Arc<SignIn>,
    accounts: Arc<Accounts>,
) -> UpstreamState {
    let db = &core.db;
    let upstreams = UpstreamSignIn::new(UpstreamSignInDeps {
        upstreams: db.upstreams(),
        links: db.upstream_identities(),
        users: db.users(),
        provider: Arc::new(OutboundUpstreamProvider::new(core.outbound.clone())),
        secrets: Core::upstream_secret_cipher(secret),
        replay: db.replay_cache(),
        random: core.rng.clone(),
        clock: core.clock.clone(),
        audit,
        issuer: config.http.issuer.as_str().to_owned(),
        jit: config.upstream.jit,
    });
    UpstreamState {
        upstreams: Arc::new(upstreams),
        sign_in,
        accounts,
        cookies: Arc::new(AeadKeyCipher::from_secret(
            secret,
            CipherPurpose::UpstreamLogin,
        )),
        buttons: UpstreamList::default(),
    }
}
