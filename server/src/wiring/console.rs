//! The operators' console: its session seal (from the secret key), the dashboard's counts,
//! the denylist that ends signed-out console sessions in every process. The rest it shares
//! with the admin API's state.

use super::Core;
use actix_web::web;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_adapters::http::console::session::ConsoleSeal;
use tessera_adapters::http::ConsoleState;
use tessera_application::ports::AuditLog;
use tessera_application::services::admin::AdminDashboard;

/// Wires the console for `issuer` (https turns on the `__Host-` cookie and `Secure`).
pub fn console(
    core: &Core,
    secret: &SecretString,
    issuer: &str,
    audit: Arc<dyn AuditLog>,
) -> web::Data<ConsoleState> {
    web::Data::new(ConsoleState {
        seal: ConsoleSeal::new(secret, issuer.starts_with("https://")),
        dashboard: AdminDashboard::new(core.db.console_statistics()),
        revocations: core.db.revocations(),
        audit,
        rng: core.rng.clone(),
        clock: core.clock.clone(),
    })
}
