//! The console's own session: a sealed cookie (HMAC-SHA256 under a key derived from the
//! secret key), so every process accepts it without a table, with a short idle timeout that
//! slides on each request, an absolute lifetime, and server-side sign-out through the
//! revocation denylist (`console:<sid>` until the absolute end), which every process reads.
//!
//! The cookie is `HttpOnly`, `SameSite=Strict`, path `/`, and `__Host-` + `Secure` under an
//! https issuer (ASVS 3.3.1–3.3.4). Its forms' CSRF tokens are bound to its session id.

use crate::http::browser::hmac;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use base64::Engine;
use openssl::memcmp;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use tessera_domain::{UnixTime, UserId};

/// Idle timeout: a console left alone this long signs itself out.
pub const IDLE_SECS: i64 = 15 * 60;
/// Absolute lifetime of one console sign-in.
pub const ABSOLUTE_SECS: i64 = 8 * 60 * 60;
/// What the denylist entry of a signed-out console session is named after.
pub const DENYLIST_PREFIX: &str = "console:";

/// Who runs the console session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    /// Someone who pasted the configured admin token.
    AdminToken,
    /// A person holding the `admin` role, through their own sign-in.
    User(UserId),
}

impl Operator {
    /// The audit log's actor: the admin user's id, or `admin_token` (as in the admin API).
    pub fn actor_id(&self) -> String {
        match self {
            Operator::AdminToken => "admin_token".to_owned(),
            Operator::User(id) => id.as_str().to_owned(),
        }
    }
}

/// One console session as its cookie carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// Random (256 bits, base64url): names the session in the denylist and binds the CSRF
    /// tokens of its forms.
    pub sid: String,
    /// Who.
    pub operator: Operator,
    /// When the operator signed in.
    pub issued_at: i64,
    /// The last request (the idle timeout counts from here).
    pub seen_at: i64,
}

impl ConsoleSession {
    /// True while neither the idle timeout nor the absolute lifetime has passed at `now`.
    pub fn live_at(&self, now: UnixTime) -> bool {
        let now = now.as_secs();
        now >= self.issued_at
            && now < self.seen_at.saturating_add(IDLE_SECS)
            && now < self.issued_at.saturating_add(ABSOLUTE_SECS)
    }

    /// The denylist key of this session.
    pub fn denylist_key(&self) -> String {
        format!("{DENYLIST_PREFIX}{}", self.sid)
    }

    fn payload(&self) -> String {
        let (kind, who) = match &self.operator {
            Operator::AdminToken => ("t", "admin_token"),
            Operator::User(id) => ("u", id.as_str()),
        };
        format!(
            "v1.{}.{kind}.{who}.{}.{}",
            self.sid, self.issued_at, self.seen_at
        )
    }

    fn from_payload(payload: &str) -> Option<ConsoleSession> {
        let mut parts = payload.split('.');
        let (Some("v1"), Some(sid), Some(kind), Some(who), Some(issued), Some(seen), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let operator = match (kind, who) {
            ("t", "admin_token") => Operator::AdminToken,
            ("u", id) => Operator::User(UserId::parse(id).ok()?),
            _ => return None,
        };
        Some(ConsoleSession {
            sid: sid.to_owned(),
            operator,
            issued_at: issued.parse().ok()?,
            seen_at: seen.parse().ok()?,
        })
    }
}

/// Seals and opens console cookies, and makes their CSRF tokens.
pub struct ConsoleSeal {
    key: SecretBox<Vec<u8>>,
    secure: bool,
}

impl ConsoleSeal {
    /// A key derived from the secret key (its own label, so it never equals another page
    /// key); `secure` when the issuer is https.
    pub fn new(secret: &SecretString, secure: bool) -> Self {
        let key =
            hmac(secret.expose_secret().as_bytes(), b"tessera/console/v1").unwrap_or_default();
        Self {
            key: SecretBox::new(Box::new(key)),
            secure,
        }
    }

    /// The cookie's name.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-tessera_console"
        } else {
            "tessera_console"
        }
    }

    fn mac(&self, data: &str) -> Option<String> {
        // An empty key (OpenSSL failed at start) seals nothing: every cookie is refused.
        if self.key.expose_secret().len() != 32 {
            return None;
        }
        hmac(self.key.expose_secret(), data.as_bytes())
            .map(|m| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(m))
    }

    /// The sealed cookie value of `session`.
    pub fn seal(&self, session: &ConsoleSession) -> Option<String> {
        let payload = session.payload();
        let mac = self.mac(&payload)?;
        Some(format!("{payload}.{mac}"))
    }

    /// The session in a cookie value, if its seal holds (checked in constant time); its
    /// timeouts are the caller's to check.
    pub fn open(&self, value: &str) -> Option<ConsoleSession> {
        let (payload, mac) = value.rsplit_once('.')?;
        let expected = self.mac(payload)?;
        if expected.len() != mac.len() || !memcmp::eq(expected.as_bytes(), mac.as_bytes()) {
            return None;
        }
        ConsoleSession::from_payload(payload)
    }

    /// The session the request's cookie carries, if sealed by this server.
    pub fn from_request(&self, req: &HttpRequest) -> Option<ConsoleSession> {
        self.open(req.cookie(self.cookie_name())?.value())
    }

    /// The cookie carrying `session` (it lives until the absolute end; the idle timeout is
    /// checked on the server).
    pub fn cookie(&self, session: &ConsoleSession) -> Option<Cookie<'static>> {
        let value = self.seal(session)?;
        Some(self.build(value, ABSOLUTE_SECS))
    }

    /// A cookie that deletes the console cookie.
    pub fn expired_cookie(&self) -> Cookie<'static> {
        self.build(String::new(), 0)
    }

    fn build(&self, value: String, max_age: i64) -> Cookie<'static> {
        Cookie::build(self.cookie_name(), value)
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Strict)
            .max_age(actix_web::cookie::time::Duration::seconds(max_age))
            .finish()
    }

    /// The CSRF token of the forms of session `sid`.
    pub fn csrf_token(&self, sid: &str) -> String {
        self.mac(&format!("csrf:{sid}")).unwrap_or_default()
    }

    /// True when `token` is the CSRF token of session `sid` (constant time).
    pub fn csrf_ok(&self, sid: &str, token: Option<&str>) -> bool {
        let Some(token) = token else {
            return false;
        };
        let expected = self.csrf_token(sid);
        !expected.is_empty()
            && expected.len() == token.len()
            && memcmp::eq(expected.as_bytes(), token.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal() -> ConsoleSeal {
        ConsoleSeal::new(&SecretString::from("k".repeat(40)), true)
    }

    fn session(operator: Operator) -> ConsoleSession {
        ConsoleSession {
            sid: "c2lkc2lkc2lkc2lkc2lkc2lkc2lkc2lkc2lkc2lkc2k".to_owned(),
            operator,
            issued_at: 1_000,
            seen_at: 1_100,
        }
    }

    #[test]
    fn a_sealed_session_opens_unchanged() {
        let s = seal();
        for op in [
            Operator::AdminToken,
            Operator::User(UserId::from_random([7; 16])),
        ] {
            let sess = session(op);
            let value = s.seal(&sess).unwrap();
            assert_eq!(s.open(&value), Some(sess));
        }
    }

    #[test]
    fn a_changed_or_foreign_cookie_is_refused() {
        let s = seal();
        let value = s
            .seal(&session(Operator::User(UserId::from_random([7; 16]))))
            .unwrap();
        let forged = value.replacen(".u.", ".t.", 1);
        assert_eq!(s.open(&forged), None);
        let other = ConsoleSeal::new(&SecretString::from("x".repeat(40)), true);
        assert_eq!(other.open(&value), None);
        assert_eq!(s.open("garbage"), None);
        assert_eq!(s.open(""), None);
    }

    #[test]
    fn idle_and_absolute_timeouts_end_a_session() {
        let sess = session(Operator::AdminToken);
        assert!(sess.live_at(UnixTime::from_secs(1_100 + IDLE_SECS - 1)));
        assert!(!sess.live_at(UnixTime::from_secs(1_100 + IDLE_SECS)));
        let busy = ConsoleSession {
            seen_at: 1_000 + ABSOLUTE_SECS,
            ..sess.clone()
        };
        assert!(!busy.live_at(UnixTime::from_secs(1_000 + ABSOLUTE_SECS)));
        assert!(
            !sess.live_at(UnixTime::from_secs(999)),
            "issued in the future"
        );
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_session() {
        let s = seal();
        let token = s.csrf_token("a");
        assert!(s.csrf_ok("a", Some(&token)));
        assert!(!s.csrf_ok("b", Some(&token)));
        assert!(!s.csrf_ok("a", None));
        assert!(!s.csrf_ok("a", Some("")));
    }

    #[test]
    fn the_cookie_is_host_prefixed_strict_and_http_only_under_https() {
        let s = seal();
        let c = s.cookie(&session(Operator::AdminToken)).unwrap();
        assert_eq!(c.name(), "__Host-tessera_console");
        assert_eq!(c.same_site(), Some(SameSite::Strict));
        assert_eq!(
            (c.http_only(), c.secure(), c.path()),
            (Some(true), Some(true), Some("/"))
        );
        let plain = ConsoleSeal::new(&SecretString::from("k".repeat(40)), false);
        assert_eq!(plain.cookie_name(), "tessera_console");
    }
}
