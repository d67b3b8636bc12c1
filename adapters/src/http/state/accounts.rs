//! What the account handlers (`/users/*`, the emailed links and their pages) need, and nothing
//! of the other areas.

use crate::http::{BrowserSettings, CsrfGuard, RateLimiter};
use std::sync::Arc;
use tessera_application::ports::{Clock, RandomSource};
use tessera_application::services::{
    AccountApi, AccountSessions, AccountSettings, EmailLinks, SecondFactors, SignIn,
};

/// The account area's use cases and the edge services its handlers share.
pub struct AccountState {
    /// Password sign-in through the account API, audited.
    pub sign_in: Arc<SignIn>,
    /// The JSON account API (registration, profile).
    pub account_api: Arc<AccountApi>,
    /// Name, password and deletion of one's own account.
    pub account_settings: AccountSettings,
    /// The signed-in person's own sessions and connected apps.
    pub account_sessions: Arc<AccountSessions>,
    /// Second factors and passkeys of the signed-in account.
    pub second_factors: Arc<SecondFactors>,
    /// Emailed links: verification and password reset.
    pub email_links: Arc<EmailLinks>,
    /// Cookie settings of the link pages.
    pub browser: BrowserSettings,
    /// CSRF tokens of the link pages.
    pub csrf: CsrfGuard,
    /// Randomness for cookie values.
    pub rng: Arc<dyn RandomSource>,
    /// Failure, registration and mail budgets.
    pub limiter: Arc<RateLimiter>,
    /// The instant of each request's context.
    pub clock: Arc<dyn Clock>,
    /// Sign-in counters.
    pub metrics: Arc<crate::observability::Metrics>,
}
