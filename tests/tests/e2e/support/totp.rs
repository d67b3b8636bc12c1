//! An authenticator app for the tests: TOTP codes from the Base32 secret the server hands out,
//! each for a time step after the last one used (the server takes every step only once), and
//! TOTP enrolment through the JSON account API.

#![allow(dead_code)]

use super::TestApp;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tessera_domain::TotpSecret;

/// RFC 6238's time step.
const STEP_SECS: u64 = 30;

/// The secret and the last step whose code was accepted.
pub struct Authenticator {
    pub secret: TotpSecret,
    last_used: Option<i64>,
}

/// Seconds since the epoch, with fractions.
fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The time step the wall clock is in now.
pub fn current_step() -> i64 {
    (now_secs() / STEP_SECS as f64).floor() as i64
}

/// RFC 4648 Base32 without padding, as the server prints the secret.
pub fn base32_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut n, mut out) = (0u64, 0u32, Vec::new());
    for c in s.trim_end_matches('=').bytes() {
        let v = alphabet
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())
            .unwrap_or_else(|| panic!("not Base32: {s}")) as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}

impl Authenticator {
    /// The authenticator for the Base32 `secret` of an enrolment.
    pub fn from_base32(secret: &str) -> Authenticator {
        let bytes = base32_decode(secret);
        assert_eq!(bytes.len(), 20, "a 160-bit secret: {secret}");
        Authenticator {
            secret: TotpSecret::from_stored(&bytes).unwrap(),
            last_used: None,
        }
    }

    /// The code of `step`.
    pub fn code_at(&self, step: i64) -> String {
        self.secret.code_at_step(step)
    }

    /// The step the next accepted code will be for, waiting for the clock when the steps the
    /// server still accepts (one either side of now) are used up. The previous step is used
    /// only early in the current one, so the server's clock cannot have left its window.
    pub async fn next_step(&self) -> i64 {
        loop {
            let now = now_secs();
            let step = (now / STEP_SECS as f64).floor() as i64;
            let into = now - (step as f64) * STEP_SECS as f64;
            let earliest = if into < 20.0 { step - 1 } else { step };
            let candidate = self.last_used.map_or(earliest, |l| (l + 1).max(earliest));
            if candidate <= step + 1 {
                return candidate;
            }
            let wait = STEP_SECS as f64 - into + 0.2;
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }

    /// A code the server accepts now (marked used: call it only for a code that is sent and
    /// meant to be accepted).
    pub async fn next_code(&mut self) -> (i64, String) {
        let step = self.next_step().await;
        self.last_used = Some(step);
        (step, self.code_at(step))
    }

    /// Records that the code of `step` was accepted elsewhere.
    pub fn used(&mut self, step: i64) {
        self.last_used = Some(self.last_used.map_or(step, |l| l.max(step)));
    }

    /// Six digits that are the code of no step near now.
    pub fn wrong_code(&self) -> String {
        let step = current_step();
        let near: Vec<String> = (step - 3..=step + 3).map(|s| self.code_at(s)).collect();
        let mut n: u32 = self.code_at(step).parse().unwrap();
        loop {
            n = (n + 1) % 1_000_000;
            let candidate = format!("{n:06}");
            if !near.contains(&candidate) {
                return candidate;
            }
        }
    }
}

/// `POST /users/login` with JSON credentials.
pub async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/users/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

/// An account API access token for a user without second factors.
pub async fn account_token(app: &TestApp, email: &str, password: &str) -> String {
    let r = login(app, email, password).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// Turns TOTP on through the JSON API with `token`: the authenticator (its confirming step
/// used) and the ten recovery codes.
pub async fn enrol(app: &TestApp, token: &str) -> (Authenticator, Vec<String>) {
    let r = app
        .http
        .post(app.url("/users/me/mfa/totp"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let mut auth = Authenticator::from_base32(body["secret"].as_str().unwrap());
    let (_, code) = auth.next_code().await;
    let r = app
        .http
        .post(app.url("/users/me/mfa/totp/confirm"))
        .bearer_auth(token)
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let codes = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (auth, codes)
}
