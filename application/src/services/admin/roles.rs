//! Who holds which role: grants and revocations by an operator (console, admin API, CLI),
//! each in the audit log with who did it, and the question every console request asks.

use super::{event, record, Actor, AdminUserError};
use crate::ports::{AuditLog, Clock, UserRepository, UserRoleRepository};
use crate::RepositoryError;
use std::sync::Arc;
use tessera_domain::{AuditAction, Email, Role, RoleGrant, User, UserId};

/// Role administration, shared by the console, the admin API and the CLI.
pub struct AdminRoles {
    users: Arc<dyn UserRepository>,
    roles: Arc<dyn UserRoleRepository>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditLog>,
}

impl AdminRoles {
    /// Builds the service.
    pub fn new(
        users: Arc<dyn UserRepository>,
        roles: Arc<dyn UserRoleRepository>,
        clock: Arc<dyn Clock>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            users,
            roles,
            clock,
            audit,
        }
    }

    /// The roles user `id` holds; `NotFound` for an unknown user.
    pub async fn roles_of(&self, id: &str) -> Result<Vec<Role>, AdminUserError> {
        let user = self.user(id).await?;
        Ok(self.roles.roles_of(&user.id).await?)
    }

    /// True when user `id` holds `role` (the console asks on every request, so a revoked
    /// role or a deleted account ends console access at once).
    pub async fn holds(&self, id: &UserId, role: Role) -> Result<bool, RepositoryError> {
        Ok(self.roles.roles_of(id).await?.contains(&role))
    }

    /// Everyone holding `role`, oldest grant first.
    pub async fn holders(&self, role: Role) -> Result<Vec<RoleGrant>, RepositoryError> {
        self.roles.holders(role).await
    }

    /// Grants `role` to user `id`; true if it was new (only then audited).
    pub async fn grant(&self, actor: &Actor, id: &str, role: Role) -> Result<bool, AdminUserError> {
        let user = self.user(id).await?;
        self.grant_to(actor, &user, role).await
    }

    /// Grants `role` to the account with address `email` (the CLI's `grant-admin`).
    pub async fn grant_by_email(
        &self,
        actor: &Actor,
        email: &Email,
        role: Role,
    ) -> Result<(User, bool), AdminUserError> {
        let user = self
            .users
            .find_by_email(email)
            .await?
            .ok_or(AdminUserError::NotFound)?;
        let new = self.grant_to(actor, &user, role).await?;
        Ok((user, new))
    }

    /// Takes `role` from user `id`; true if they held it (only then audited).
    pub async fn revoke(
        &self,
        actor: &Actor,
        id: &str,
        role: Role,
    ) -> Result<bool, AdminUserError> {
        let user = self.user(id).await?;
        let held = self.roles.revoke(&user.id, role).await?;
        if held {
            self.audited(actor, "users.revoke_role", &user.id, role);
        }
        Ok(held)
    }

    /// Makes user `id` hold exactly `roles` (the admin API's `PUT`); returns them.
    pub async fn set(
        &self,
        actor: &Actor,
        id: &str,
        roles: &[Role],
    ) -> Result<Vec<Role>, AdminUserError> {
        let user = self.user(id).await?;
        for role in Role::ALL {
            if roles.contains(&role) {
                self.grant_to(actor, &user, role).await?;
            } else if self.roles.revoke(&user.id, role).await? {
                self.audited(actor, "users.revoke_role", &user.id, role);
            }
        }
        Ok(self.roles.roles_of(&user.id).await?)
    }

    async fn grant_to(
        &self,
        actor: &Actor,
        user: &User,
        role: Role,
    ) -> Result<bool, AdminUserError> {
        let grant = RoleGrant {
            user_id: user.id.clone(),
            role,
            granted_at: self.clock.now(),
            granted_by: actor.id.clone(),
        };
        let new = self.roles.grant(&grant).await?;
        if new {
            self.audited(actor, "users.grant_role", &user.id, role);
        }
        Ok(new)
    }

    async fn user(&self, id: &str) -> Result<User, AdminUserError> {
        let id = UserId::parse(id).map_err(|_| AdminUserError::NotFound)?;
        self.users.find(&id).await?.ok_or(AdminUserError::NotFound)
    }

    fn audited(&self, actor: &Actor, what: &str, user: &UserId, role: Role) {
        record(
            self.audit.as_ref(),
            event(
                self.clock.as_ref(),
                actor,
                AuditAction::AdminAction,
                &format!("{what} {role}"),
            )
            .subject(user.as_str()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::ports::{MockAuditLog, MockClock};
    use tessera_domain::{AuditEvent, UnixTime};

    fn user(n: u8) -> User {
        User {
            id: UserId::from_random([n; 16]),
            email: Email::parse(&format!("p{n}@example.com")).unwrap(),
            email_verified: true,
            name: None,
            password_hash: String::new(),
            created_at: UnixTime::from_secs(1),
            disabled: false,
            login_attempts: Default::default(),
        }
    }

    fn service(events: Arc<std::sync::Mutex<Vec<AuditEvent>>>) -> (AdminRoles, Arc<InMemoryStore>) {
        let store = Arc::new(InMemoryStore::new());
        let mut clock = MockClock::new();
        clock.expect_now().return_const(UnixTime::from_secs(500));
        let mut audit = MockAuditLog::new();
        audit
            .expect_record()
            .returning(move |e| events.lock().unwrap().push(e));
        let svc = AdminRoles::new(
            store.clone(),
            store.clone(),
            Arc::new(clock),
            Arc::new(audit),
        );
        (svc, store)
    }

    #[tokio::test]
    async fn grant_and_revoke_are_audited_once_with_the_actor() {
        let events = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (svc, store) = service(events.clone());
        let u = user(1);
        UserRepository::insert(&*store, &u).await.unwrap();
        let op = Actor::new("admin_token").with_ip("192.0.2.1");
        assert!(svc.grant(&op, u.id.as_str(), Role::Admin).await.unwrap());
        assert!(!svc.grant(&op, u.id.as_str(), Role::Admin).await.unwrap());
        assert!(svc.holds(&u.id, Role::Admin).await.unwrap());
        assert!(svc.revoke(&op, u.id.as_str(), Role::Admin).await.unwrap());
        assert!(!svc.revoke(&op, u.id.as_str(), Role::Admin).await.unwrap());
        assert!(!svc.holds(&u.id, Role::Admin).await.unwrap());
        let events = events.lock().unwrap();
        let details: Vec<_> = events.iter().map(|e| e.detail.clone().unwrap()).collect();
        assert_eq!(
            details,
            ["users.grant_role admin", "users.revoke_role admin"]
        );
        assert!(events
            .iter()
            .all(|e| e.actor.as_deref() == Some("admin_token")
                && e.subject.as_deref() == Some(u.id.as_str())
                && e.ip.as_deref() == Some("192.0.2.1")));
    }

    #[tokio::test]
    async fn set_makes_the_roles_exactly_those_given() {
        let (svc, store) = service(Arc::default());
        let u = user(2);
        UserRepository::insert(&*store, &u).await.unwrap();
        let op = Actor::cli();
        assert_eq!(
            svc.set(&op, u.id.as_str(), &[Role::Admin]).await.unwrap(),
            [Role::Admin]
        );
        assert_eq!(svc.roles_of(u.id.as_str()).await.unwrap(), [Role::Admin]);
        assert!(svc.set(&op, u.id.as_str(), &[]).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn unknown_users_and_addresses_are_not_found() {
        let (svc, _) = service(Arc::default());
        let op = Actor::cli();
        for id in ["not-a-uuid", user(3).id.as_str()] {
            assert!(matches!(
                svc.grant(&op, id, Role::Admin).await,
                Err(AdminUserError::NotFound)
            ));
        }
        let email = Email::parse("nobody@example.com").unwrap();
        assert!(matches!(
            svc.grant_by_email(&op, &email, Role::Admin).await,
            Err(AdminUserError::NotFound)
        ));
    }

    #[tokio::test]
    async fn grant_by_email_finds_the_account() {
        let (svc, store) = service(Arc::default());
        let u = user(4);
        UserRepository::insert(&*store, &u).await.unwrap();
        let (found, new) = svc
            .grant_by_email(&Actor::cli(), &u.email, Role::Admin)
            .await
            .unwrap();
        assert_eq!((found.id, new), (u.id.clone(), true));
        assert_eq!(svc.holders(Role::Admin).await.unwrap().len(), 1);
    }
}
