//! Client administration: list, get, create (through [`ClientRegistry`], the one registration
//! path), update, secret rotation and deletion.

use super::{event, record, Actor};
use crate::ports::{random_token, AuditLog, ClientRepository, Clock, RandomSource};
use crate::services::{ClientRegistry, NewClient, RegisterClientError, RegisteredClient};
use crate::RepositoryError;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    AuditAction, Client, ClientId, ClientRuleError, GrantType, RedirectUri, ScopeSet, TokenDigest,
};

/// What an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New redirect URIs (replacing all).
    pub redirect_uris: Option<Vec<String>>,
    /// New post-logout redirect URIs (replacing all).
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// New grant names (replacing all).
    pub grants: Option<Vec<String>>,
    /// New space-separated scope.
    pub scope: Option<String>,
    /// Whether the client is trusted (no consent page).
    pub skip_consent: Option<bool>,
}

/// Why a client operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminClientError {
    /// No client has this id.
    #[error("no such client")]
    NotFound,
    /// Public clients authenticate with PKCE, not a secret.
    #[error("a public client has no secret to rotate")]
    PublicClient,
    /// A field is not acceptable; `field` names it as the API does.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// Why, fit to show.
        message: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl AdminClientError {
    fn invalid(field: &'static str, message: impl ToString) -> Self {
        Self::Invalid {
            field,
            message: message.to_string(),
        }
    }
}

impl From<RegisterClientError> for AdminClientError {
    fn from(e: RegisterClientError) -> Self {
        match e {
            RegisterClientError::RedirectUri { .. } => Self::invalid("redirect_uris", e),
            RegisterClientError::Grant(_) => Self::invalid("grant_types", e),
            RegisterClientError::Scope(_) => Self::invalid("scope", e),
            RegisterClientError::AuthMethod(_) => Self::invalid("token_endpoint_auth_method", e),
            RegisterClientError::Rule(r) => rule_error(r),
            RegisterClientError::Repository(r) => Self::Repository(r),
        }
    }
}

/// Names the field a cross-field rule is about.
fn rule_error(r: ClientRuleError) -> AdminClientError {
    let field = match r {
        ClientRuleError::Name => "name",
        ClientRuleError::MissingRedirectUri => "redirect_uris",
        ClientRuleError::AuthMethodMismatch | ClientRuleError::UnsupportedAuthMethod(_) => {
            "token_endpoint_auth_method"
        }
        ClientRuleError::Scope(_) => "scope",
        ClientRuleError::GrantNotAllowed(_)
        | ClientRuleError::PublicClientCredentials
        | ClientRuleError::NoGrant => "grant_types",
    };
    AdminClientError::invalid(field, r)
}

/// Client administration for the admin API and the CLI.
pub struct AdminClients {
    registry: ClientRegistry,
    clients: Arc<dyn ClientRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    audit: Arc<dyn AuditLog>,
}

impl AdminClients {
    /// Builds the service (and the [`ClientRegistry`] it creates clients with).
    pub fn new(
        clients: Arc<dyn ClientRepository>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            registry: ClientRegistry::new(clients.clone(), clock.clone(), rng.clone()),
            clients,
            clock,
            rng,
            audit,
        }
    }

    /// Every client, oldest first.
    pub async fn list(&self) -> Result<Vec<Client>, AdminClientError> {
        Ok(self.registry.list().await?)
    }

    /// One client.
    pub async fn get(&self, id: &str) -> Result<Client, AdminClientError> {
        let Ok(id) = ClientId::parse(id) else {
            return Err(AdminClientError::NotFound);
        };
        self.clients
            .find(&id)
            .await?
            .ok_or(AdminClientError::NotFound)
    }

    /// Registers a client; the secret in the answer is shown once and never stored.
    pub async fn create(
        &self,
        actor: &Actor,
        req: NewClient,
    ) -> Result<RegisteredClient, AdminClientError> {
        let registered = self.registry.register(req).await?;
        let c = &registered.client;
        self.audit(actor, "clients.create", c.id.as_str());
        Ok(registered)
    }

    /// Changes a client's settings under the same domain rules as registration.
    pub async fn update(
        &self,
        actor: &Actor,
        id: &str,
        update: ClientUpdate,
    ) -> Result<Client, AdminClientError> {
        let mut client = self.get(id).await?;
        if let Some(name) = update.name {
            client.name = name;
        }
        if let Some(uris) = update.redirect_uris {
            client.redirect_uris = parse_uris("redirect_uris", &uris)?;
        }
        if let Some(uris) = update.post_logout_redirect_uris {
            client.post_logout_redirect_uris = parse_uris("post_logout_redirect_uris", &uris)?;
        }
        if let Some(grants) = update.grants {
            let mut parsed = grants
                .iter()
                .map(|g| GrantType::parse(g))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AdminClientError::invalid("grant_types", e))?;
            parsed.sort();
            parsed.dedup();
            client.grant_types = parsed;
        }
        if let Some(scope) = update.scope {
            client.scope =
                ScopeSet::parse(&scope).map_err(|e| AdminClientError::invalid("scope", e))?;
        }
        if let Some(skip) = update.skip_consent {
            client.skip_consent = skip;
        }
        client.validate().map_err(rule_error)?;
        if !self.clients.update(&client).await? {
            return Err(AdminClientError::NotFound);
        }
        self.audit(actor, "clients.update", client.id.as_str());
        Ok(client)
    }

    /// Gives a confidential client a new 256-bit secret, stored as its digest only; the old
    /// one stops working at once. The secret is returned once.
    pub async fn rotate_secret(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<SecretString, AdminClientError> {
        let client = self.get(id).await?;
        if client.is_public() {
            return Err(AdminClientError::PublicClient);
        }
        let secret = random_token(self.rng.as_ref(), 32);
        if !self
            .clients
            .update_secret(&client.id, &TokenDigest::of(&secret))
            .await?
        {
            return Err(AdminClientError::NotFound);
        }
        self.audit(actor, "clients.rotate_secret", client.id.as_str());
        Ok(SecretString::from(secret))
    }

    /// Deletes a client.
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), AdminClientError> {
        if !self.registry.delete(id).await? {
            return Err(AdminClientError::NotFound);
        }
        self.audit(actor, "clients.delete", id);
        Ok(())
    }

    /// Records an admin change to client `client_id`.
    fn audit(&self, actor: &Actor, detail: &str, client_id: &str) {
        record(
            self.audit.as_ref(),
            event(self.clock.as_ref(), actor, AuditAction::AdminAction, detail).client(client_id),
        );
    }
}

fn parse_uris(field: &'static str, uris: &[String]) -> Result<Vec<RedirectUri>, AdminClientError> {
    uris.iter()
        .map(|u| {
            RedirectUri::parse(u)
                .map_err(|e| AdminClientError::invalid(field, format!("{u:?}: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockAuditLog, MockClientRepository};
    use crate::services::test_support::{self as ts, Recorder};
    use secrecy::ExposeSecret;
    use tessera_domain::AuditEvent;

    fn service(repo: MockClientRepository) -> (AdminClients, Recorder<AuditEvent>) {
        let events = Recorder::default();
        let e = events.clone();
        let mut audit = MockAuditLog::new();
        audit.expect_record().returning(move |ev| e.push(ev));
        (
            AdminClients::new(
                Arc::new(repo),
                ts::clock_at(1_000),
                ts::counting_rng(),
                Arc::new(audit),
            ),
            events,
        )
    }

    fn admin() -> Actor {
        Actor::new("admin_token").with_ip("192.0.2.1")
    }

    #[tokio::test]
    async fn admin_create_goes_through_the_registry_and_is_audited_without_the_secret() {
        let mut repo = MockClientRepository::new();
        repo.expect_insert().times(1).returning(|_| Ok(()));
        let (svc, events) = service(repo);
        let reg = svc
            .create(
                &admin(),
                NewClient {
                    name: "svc".into(),
                    scope: "read".into(),
                    ..NewClient::default()
                },
            )
            .await
            .unwrap();
        let secret = reg.secret.unwrap();
        let e = events.only();
        assert_eq!(e.detail.as_deref(), Some("clients.create"));
        assert_eq!(e.actor.as_deref(), Some("admin_token"));
        assert_eq!(e.ip.as_deref(), Some("192.0.2.1"));
        assert!(!format!("{e:?}").contains(secret.expose_secret()));
    }

    #[tokio::test]
    async fn admin_update_applies_domain_rules_and_names_the_field() {
        let mut repo = MockClientRepository::new();
        repo.expect_find()
            .returning(|_| Ok(Some(ts::client(false))));
        let (svc, events) = service(repo);
        let err = svc
            .update(
                &admin(),
                ts::CLIENT_ID,
                ClientUpdate {
                    redirect_uris: Some(vec![]),
                    ..ClientUpdate::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AdminClientError::Invalid {
                    field: "redirect_uris",
                    ..
                }
            ),
            "{err:?}"
        );
        let err = svc
            .update(
                &admin(),
                ts::CLIENT_ID,
                ClientUpdate {
                    grants: Some(vec!["password".into()]),
                    ..ClientUpdate::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            AdminClientError::Invalid {
                field: "grant_types",
                ..
            }
        ));
        assert!(events.all().is_empty(), "refusals change nothing");
    }

    #[tokio::test]
    async fn admin_update_stores_the_change_and_audits_it() {
        let mut repo = MockClientRepository::new();
        repo.expect_find()
            .returning(|_| Ok(Some(ts::client(false))));
        repo.expect_update()
            .withf(|c| c.skip_consent && c.scope.to_string() == "openid")
            .times(1)
            .returning(|_| Ok(true));
        let (svc, events) = service(repo);
        let c = svc
            .update(
                &admin(),
                ts::CLIENT_ID,
                ClientUpdate {
                    scope: Some("openid".into()),
                    skip_consent: Some(true),
                    ..ClientUpdate::default()
                },
            )
            .await
            .unwrap();
        assert!(c.skip_consent);
        assert_eq!(events.only().client_id.as_deref(), Some(ts::CLIENT_ID));
    }

    #[tokio::test]
    async fn admin_rotate_secret_stores_only_the_digest_of_a_new_secret() {
        let stored: Recorder<TokenDigest> = Recorder::default();
        let s = stored.clone();
        let mut repo = MockClientRepository::new();
        repo.expect_find()
            .returning(|_| Ok(Some(ts::client(false))));
        repo.expect_update_secret().times(1).returning(move |_, d| {
            s.push(d.clone());
            Ok(true)
        });
        let (svc, events) = service(repo);
        let secret = svc.rotate_secret(&admin(), ts::CLIENT_ID).await.unwrap();
        assert_eq!(stored.only(), TokenDigest::of(secret.expose_secret()));
        assert_ne!(secret.expose_secret(), "secret");
        let e = events.only();
        assert_eq!(e.detail.as_deref(), Some("clients.rotate_secret"));
        assert!(!format!("{e:?}").contains(secret.expose_secret()));
    }

    #[tokio::test]
    async fn admin_rotate_secret_of_public_or_unknown_client_is_refused() {
        let mut repo = MockClientRepository::new();
        repo.expect_find().returning(|_| Ok(Some(ts::client(true))));
        let (svc, _) = service(repo);
        assert!(matches!(
            svc.rotate_secret(&admin(), ts::CLIENT_ID).await,
            Err(AdminClientError::PublicClient)
        ));
        let mut repo = MockClientRepository::new();
        repo.expect_find().returning(|_| Ok(None));
        let (svc, _) = service(repo);
        assert!(matches!(
            svc.rotate_secret(&admin(), "nope").await,
            Err(AdminClientError::NotFound)
        ));
    }

    #[tokio::test]
    async fn admin_delete_of_unknown_client_is_not_found_and_not_audited() {
        let mut repo = MockClientRepository::new();
        repo.expect_delete().returning(|_| Ok(false));
        let (svc, events) = service(repo);
        assert!(matches!(
            svc.delete(&admin(), "gone").await,
            Err(AdminClientError::NotFound)
        ));
        assert!(events.all().is_empty());
    }
}
