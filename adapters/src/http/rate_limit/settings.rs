//! What the limits are: the purposes a budget can be kept for, and their configured sizes.

/// One budget: `burst` at once, `per_hour` earned back each hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// How many may be spent at once.
    pub burst: u32,
    /// How many are earned back per hour, spread evenly.
    pub per_hour: u32,
}

impl Budget {
    /// A budget of `burst` at once and `per_hour` back each hour.
    pub const fn new(burst: u32, per_hour: u32) -> Self {
        Self { burst, per_hour }
    }
}

/// What a budget limits, and by which key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Failed client authentications per address.
    ClientAuthFailure,
    /// Failed client authentications per client id.
    ClientIdFailure,
    /// Failed sign-ins (passwords, emailed-link tokens, later second factors) per address.
    SignInFailure,
    /// Failed sign-ins through one trusted-device cookie (so a stolen one is no master key).
    DeviceFailure,
    /// Registrations per address.
    Registration,
    /// Requests that send mail (reset, resend) per address.
    MailRequest,
    /// Mails per account and kind (reset, verification).
    MailPerAccount,
    /// Failed admin API authentications per address.
    AdminAuthFailure,
    /// Passwordless passkey sign-ins started per address (each stores a challenge).
    PasskeyCeremony,
    /// Wrong device user codes (RFC 8628 §5.1) per address, and per browser.
    DeviceUserCode,
    /// Dynamic client registrations (RFC 7591) per address.
    ClientRegistration,
}

impl Purpose {
    /// The purpose's name in shared keys (`tessera:rl:<name>:…`): its configuration key.
    pub(super) fn name(self) -> &'static str {
        match self {
            Purpose::ClientAuthFailure => "client_auth_failures",
            Purpose::ClientIdFailure => "client_id_failures",
            Purpose::SignInFailure => "sign_in_failures",
            Purpose::DeviceFailure => "device_failures",
            Purpose::Registration => "registrations",
            Purpose::MailRequest => "mail_requests",
            Purpose::MailPerAccount => "mail_per_account",
            Purpose::AdminAuthFailure => "admin_auth_failures",
            Purpose::PasskeyCeremony => "passkey_ceremonies",
            Purpose::DeviceUserCode => "device_user_codes",
            Purpose::ClientRegistration => "client_registrations",
        }
    }
}

pub(super) const PURPOSES: [Purpose; 11] = [
    Purpose::ClientAuthFailure,
    Purpose::ClientIdFailure,
    Purpose::SignInFailure,
    Purpose::DeviceFailure,
    Purpose::Registration,
    Purpose::MailRequest,
    Purpose::MailPerAccount,
    Purpose::AdminAuthFailure,
    Purpose::PasskeyCeremony,
    Purpose::DeviceUserCode,
    Purpose::ClientRegistration,
];

/// Limits, from configuration. The defaults are far above what one honest user or service
/// reaches and far below what guessing needs.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitSettings {
    /// Off: every request passes (benchmarks).
    pub enabled: bool,
    /// Take the client address from the rightmost `X-Forwarded-For` entry (only behind a
    /// trusted proxy).
    pub trust_forwarded_for: bool,
    /// Most keys tracked at once, per purpose.
    pub max_keys: usize,
    /// Failed client authentications per address.
    pub client_auth_failures: Budget,
    /// Failed client authentications per client id (from addresses that failed before).
    pub client_id_failures: Budget,
    /// Failed sign-ins per address.
    pub sign_in_failures: Budget,
    /// Failed sign-ins per trusted-device cookie.
    pub device_failures: Budget,
    /// Registrations per address.
    pub registrations: Budget,
    /// Mail-sending requests per address.
    pub mail_requests: Budget,
    /// Mails per account and kind.
    pub mail_per_account: Budget,
    /// Failed admin authentications per address.
    pub admin_auth_failures: Budget,
    /// Passwordless passkey sign-ins started per address.
    pub passkey_ceremonies: Budget,
    /// Wrong device user codes per address and per browser.
    pub device_user_codes: Budget,
    /// Dynamic client registrations per address.
    pub client_registrations: Budget,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            trust_forwarded_for: false,
            max_keys: 100_000,
            client_auth_failures: Budget::new(20, 600),
            client_id_failures: Budget::new(100, 3600),
            sign_in_failures: Budget::new(20, 600),
            device_failures: Budget::new(5, 5),
            registrations: Budget::new(20, 60),
            mail_requests: Budget::new(10, 60),
            mail_per_account: Budget::new(3, 3),
            admin_auth_failures: Budget::new(10, 60),
            passkey_ceremonies: Budget::new(60, 1200),
            device_user_codes: Budget::new(5, 300),
            // An honest client registers once; a CI farm behind one address a few times.
            client_registrations: Budget::new(20, 200),
        }
    }
}

impl RateLimitSettings {
    /// The budget of `purpose`.
    pub(super) fn budget(&self, purpose: Purpose) -> Budget {
        match purpose {
            Purpose::ClientAuthFailure => self.client_auth_failures,
            Purpose::ClientIdFailure => self.client_id_failures,
            Purpose::SignInFailure => self.sign_in_failures,
            Purpose::DeviceFailure => self.device_failures,
            Purpose::Registration => self.registrations,
            Purpose::MailRequest => self.mail_requests,
            Purpose::MailPerAccount => self.mail_per_account,
            Purpose::AdminAuthFailure => self.admin_auth_failures,
            Purpose::PasskeyCeremony => self.passkey_ceremonies,
            Purpose::DeviceUserCode => self.device_user_codes,
            Purpose::ClientRegistration => self.client_registrations,
        }
    }
}
