//! Second factors in a real browser: headless Chromium over WebDriver with the WebDriver
//! virtual authenticator (W3C WebAuthn §11) standing in for a phone or a security key.
//!
//! The server runs with the issuer `http://localhost:PORT` (passkeys need a host name; Chromium
//! treats `http://localhost` as a secure context). One browser session goes through: a passkey
//! registered from the browser (the JSON API, called by a script on the server's origin), a
//! passwordless sign-in (`#passkey-sign-in`), password + passkey (`#passkey` on the second
//! step), refusals (an authenticator without the credential, another account's passkey at the
//! second step), and TOTP typed on the second step. Another test checks that an IP-address
//! issuer offers no passkey button and shows "Set up a second factor" to a client requiring
//! one. With `TESSERA_SCREENSHOTS` set, phone-size screenshots of the new pages are written to
//! `docs/screenshots/`. Both backends; skipped or failing without a browser as
//! `browser_sign_in` explains.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::browser::Browser as HttpBrowser;
use crate::support::chromium::{
    browser_log, save_screenshot, step, wait_for_url, BrowserTools, ChromeDriver,
    VirtualAuthenticator, STEP,
};
use crate::support::relying_party::{id_token_claims, Authorization, StubRelyingParty};
use crate::support::{Creds, TestApp};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use tessera_application::services::NewClient;
use tessera_domain::{totp_step, TotpSecret, UnixTime};
use tessera_tests::{both_backends, Backend, TestDatabase};

const PASSWORD: &str = "correct horse battery staple";
const SCOPE: &str = "openid email";
/// Passkey only (passwordless, and password + passkey).
const PASSKEY_USER: &str = "grace@example.com";
/// Another account whose passkey must not open the first one's.
const OTHER_USER: &str = "edsger@example.com";
/// TOTP and a passkey.
const TOTP_USER: &str = "ada@example.com";
/// No second factor.
const PLAIN_USER: &str = "alan@example.com";

async fn passkeys_and_totp_in_chromium(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("browser passkey tests") else {
        return;
    };
    let backend = db.backend();
    let app = TestApp::spawn_on_localhost(db).await;
    assert!(app.base.starts_with("http://localhost:"), "{}", app.base);
    for email in [PASSKEY_USER, OTHER_USER, TOTP_USER] {
        app.create_user(email, PASSWORD, None).await;
    }
    let rp = StubRelyingParty::start().await;
    let creds = relying_party_client(&app, &rp, false).await;
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;
    step("phone size", browser.set_window_size(390, 844)).await;
    let mut issued = 0;

    // 2. A passkey registered on the account page: sign in there, name it, press #add-passkey.
    let first = VirtualAuthenticator::add(&browser).await;
    // The JSON API's view, from before: afterwards a password alone no longer signs in.
    let token = api_token(&app, PASSKEY_USER).await;
    step("open /account", browser.goto(&app.url("/account"))).await;
    type_password(&browser, PASSKEY_USER).await;
    wait_for(&browser, "#add-passkey").await;
    step(
        "scroll to the passkeys",
        browser.execute(
            "document.getElementById('add-passkey').scrollIntoView({block: 'center'})",
            vec![],
        ),
    )
    .await;
    screenshot(&browser, backend, "account.png").await;
    let name = wait_for(&browser, "input[name='passkey_name']").await;
    step("clear the passkey name", name.clear()).await;
    step("name the passkey", name.send_keys("Laptop")).await;
    click(&browser, "#add-passkey").await;
    wait_for_url(&browser, &app.url("/account?done=")).await;
    let status = mfa_status(&app, &token).await;
    let listed = status["passkeys"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{status}");
    assert_eq!(listed[0]["name"], "Laptop", "{status}");
    assert_eq!(status["totp"], false);
    assert_eq!(first.credentials(&browser).await.len(), 1, "one credential");
    let page = step("read /account", browser.source()).await;
    assert!(page.contains("Laptop"), "the page lists the new passkey");
    // The authenticator-app enrolment view, with its QR code drawn on the server.
    click(
        &browser,
        "form:has(input[name='action'][value='totp_begin']) button[type='submit']",
    )
    .await;
    wait_for(&browser, ".qr svg").await;
    screenshot(&browser, backend, "account-totp.png").await;

    // 3. Passwordless: no email typed, the authenticator answers.
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    fresh_login_page(&browser, &request.url).await;
    assert_script_csp(&request.url).await;
    csp_violations_are_seen(&browser).await;
    screenshot(&browser, backend, "login-passkey.png").await;
    click(&browser, "#passkey-sign-in").await;
    let code = callback_code(&browser, &rp, &request, issued).await;
    issued += 1;
    let claims = id_token_claims(&request.redeem(&app, &creds, &rp.callback(), &code).await);
    let amr = amr_of(&claims);
    assert!(amr.contains(&"user"), "{claims}");
    assert!(amr.contains(&"hwk") || amr.contains(&"swk"), "{claims}");
    assert!(!amr.contains(&"pwd"), "{claims}");
    assert_eq!(claims["acr"], "phr", "{claims}");

    // 4. Password, then the passkey on the second step.
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    fresh_login_page(&browser, &request.url).await;
    type_password(&browser, PASSKEY_USER).await;
    wait_for(&browser, "#passkey").await;
    assert!(
        browser
            .find(Locator::Css("input[name='otp']"))
            .await
            .is_err(),
        "no code field without TOTP"
    );
    click(&browser, "#passkey").await;
    let code = callback_code(&browser, &rp, &request, issued).await;
    issued += 1;
    let claims = id_token_claims(&request.redeem(&app, &creds, &rp.callback(), &code).await);
    let amr = amr_of(&claims);
    for method in ["pwd", "mfa"] {
        assert!(amr.contains(&method), "{method} in {claims}");
    }
    assert!(amr.contains(&"hwk") || amr.contains(&"swk"), "{claims}");
    assert_eq!(claims["acr"], "phr", "{claims}");

    // 5a. An authenticator without the credential: the browser finds none, nothing is issued.
    first.remove(&browser).await;
    let second = VirtualAuthenticator::add(&browser).await;
    assert!(second.credentials(&browser).await.is_empty());
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    fresh_login_page(&browser, &request.url).await;
    click(&browser, "#passkey-sign-in").await;
    let shown = webauthn_error(&browser).await;
    assert!(shown.contains("The passkey did not work"), "{shown}");
    assert_no_code(&browser, &app, &rp, issued).await;

    // 5b. Another account's passkey (on this authenticator) offered at the first account's
    // second step: the server refuses it. The page's allowCredentials is emptied so the
    // authenticator answers with what it has, as a hostile page or browser could.
    let other = api_token(&app, OTHER_USER).await;
    register_passkey(&browser, &other, "Edsger's key").await;
    assert_eq!(second.credentials(&browser).await.len(), 1);
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    fresh_login_page(&browser, &request.url).await;
    type_password(&browser, PASSKEY_USER).await;
    wait_for(&browser, "#passkey").await;
    let emptied = step(
        "empty allowCredentials",
        browser.execute(
            "var b=document.getElementById('passkey');var o=JSON.parse(b.dataset.options);\
             o.publicKey.allowCredentials=[];b.dataset.options=JSON.stringify(o);\
             return o.publicKey.challenge.length>0;",
            vec![],
        ),
    )
    .await;
    assert_eq!(emptied, json!(true));
    click(&browser, "#passkey").await;
    let refused = wait_for(&browser, "div.alert").await;
    let refused = step("the alert", refused.text()).await;
    assert!(!refused.is_empty(), "an error is shown");
    let retry = step(
        "the form",
        browser.find_all(Locator::Css(
            "input[name='mfa_token'], input[name='password']",
        )),
    )
    .await;
    assert!(
        !retry.is_empty(),
        "back on the second step or the login page"
    );
    assert_no_code(&browser, &app, &rp, issued).await;

    // 1. TOTP typed on the second step (this account also has a passkey: the page offers both).
    let token = api_token(&app, TOTP_USER).await;
    open_login_page(&browser, &request.url).await;
    register_passkey(&browser, &token, "Phone").await;
    let (secret, confirmed_at) = enrol_totp(&app, &token).await;
    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    fresh_login_page(&browser, &request.url).await;
    type_password(&browser, TOTP_USER).await;
    let otp = wait_for(&browser, "input[name='otp']").await;
    wait_for(&browser, "#passkey").await;
    assert_second_step_csp(&app, &request.url, TOTP_USER).await;
    screenshot(&browser, backend, "second-step.png").await;
    // The code the confirmation used is refused (each step is accepted once): the second
    // step again, with an alert; then the next step's code.
    step(
        "type the used code",
        otp.send_keys(&secret.code_at_step(confirmed_at)),
    )
    .await;
    click(&browser, "button[type='submit']").await;
    let alert = wait_for(&browser, "div.alert").await;
    assert!(!step("the alert", alert.text()).await.is_empty());
    assert_no_code(&browser, &app, &rp, issued).await;
    let otp = wait_for(&browser, "input[name='otp']").await;
    step(
        "type the code",
        otp.send_keys(&secret.code_at_step(confirmed_at + 1)),
    )
    .await;
    click(&browser, "button[type='submit']").await;
    let code = callback_code(&browser, &rp, &request, issued).await;
    let claims = id_token_claims(&request.redeem(&app, &creds, &rp.callback(), &code).await);
    let amr = amr_of(&claims);
    for method in ["pwd", "otp", "mfa"] {
        assert!(amr.contains(&method), "{method} in {claims}");
    }
    assert_eq!(claims["acr"], "mfa", "{claims}");

    assert_no_csp_violation(&browser).await;
    second.remove(&browser).await;
    step("end the WebDriver session", browser.close()).await;
    drop(driver);
    drop(rp);
    app.stop().await;
}
both_backends!(chromium_passkeys, passkeys_and_totp_in_chromium);

/// 6 and 7: with an IP-address issuer no passkey button is offered; a client that requires a
/// second factor sends a person without one to "Set up a second factor", and no code.
async fn ip_issuer_offers_no_passkey_and_asks_for_a_second_factor(db: TestDatabase) {
    let Some(tools) = BrowserTools::find("browser passkey tests") else {
        return;
    };
    let backend = db.backend();
    let app = TestApp::spawn(db).await;
    assert!(app.base.starts_with("http://127.0.0.1:"), "{}", app.base);
    app.create_user(PLAIN_USER, PASSWORD, None).await;
    let rp = StubRelyingParty::start().await;
    let creds = relying_party_client(&app, &rp, true).await;
    let driver = ChromeDriver::start(&tools);
    let browser = driver.session(&tools).await;
    step("phone size", browser.set_window_size(390, 844)).await;

    let request = Authorization::new(&app, &creds.id, &rp.callback(), SCOPE, &[]);
    open_login_page(&browser, &request.url).await;
    for css in ["#passkey-sign-in", "script", "[data-webauthn]"] {
        assert!(
            step("look for it", browser.find_all(Locator::Css(css)))
                .await
                .is_empty(),
            "no {css} with an IP-address issuer"
        );
    }
    type_password(&browser, PLAIN_USER).await;
    wait_for(&browser, "a[href='/account']").await;
    assert_eq!(
        step("the heading", browser.find(Locator::Css("h1")))
            .await
            .text()
            .await
            .unwrap(),
        "Set up a second factor"
    );
    screenshot(&browser, backend, "setup-second-factor.png").await;
    assert_no_code(&browser, &app, &rp, 0).await;

    step("end the WebDriver session", browser.close()).await;
    drop(driver);
    drop(rp);
    app.stop().await;
}
both_backends!(
    chromium_ip_issuer,
    ip_issuer_offers_no_passkey_and_asks_for_a_second_factor
);

/// A client of the stub relying party that skips consent (the pages under test come before).
async fn relying_party_client(app: &TestApp, rp: &StubRelyingParty, require_mfa: bool) -> Creds {
    app.register(NewClient {
        name: "Notes".into(),
        grants: vec!["authorization_code".into()],
        redirect_uris: vec![rp.callback()],
        scope: SCOPE.into(),
        skip_consent: true,
        require_mfa,
        ..NewClient::default()
    })
    .await
}

/// An account token from `POST /users/login` (a fresh sign-in, as factor changes need).
async fn api_token(app: &TestApp, email: &str) -> String {
    let res = app
        .http
        .post(app.url("/users/login"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{email} signs in over JSON");
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// `GET /users/me/mfa`.
async fn mfa_status(app: &TestApp, token: &str) -> Value {
    let res = app
        .http
        .get(app.url("/users/me/mfa"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Turns TOTP on over JSON; the secret and the time step whose code confirmed it.
async fn enrol_totp(app: &TestApp, token: &str) -> (TotpSecret, i64) {
    let res = app
        .http
        .post(app.url("/users/me/mfa/totp"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let secret = TotpSecret::from_stored(&base32_decode(body["secret"].as_str().unwrap())).unwrap();
    let now = UnixTime::from_secs(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let at = totp_step(now);
    let res = app
        .http
        .post(app.url("/users/me/mfa/totp/confirm"))
        .bearer_auth(token)
        .json(&json!({ "code": secret.code_at_step(at) }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "TOTP confirmed");
    (secret, at)
}

/// RFC 4648 Base32, no padding, upper case.
fn base32_decode(text: &str) -> Vec<u8> {
    let (mut bits, mut acc, mut out) = (0u32, 0u64, Vec::new());
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not Base32: {text}"),
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Registers a passkey from the page the browser is on (the server's origin): the options from
/// the JSON API with the bearer `token`, `navigator.credentials.create`, the answer encoded as
/// the pages' script does, then `POST /users/me/mfa/passkeys`. The `201` body.
async fn register_passkey(browser: &Client, token: &str, name: &str) -> Value {
    const SCRIPT: &str = r#"
var token = arguments[0], name = arguments[1], done = arguments[arguments.length - 1];
function dec(s) { s = s.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '=';
  var b = atob(s), a = new Uint8Array(b.length);
  for (var i = 0; i < b.length; i++) a[i] = b.charCodeAt(i); return a.buffer; }
function enc(buf) { var a = new Uint8Array(buf), s = '';
  for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''); }
var headers = { 'authorization': 'Bearer ' + token, 'content-type': 'application/json' };
(async function () {
  var r = await fetch('/users/me/mfa/passkeys/options', { method: 'POST', headers: headers });
  if (!r.ok) return done({ step: 'options', status: r.status, body: await r.text() });
  var started = await r.json(), p = started.options.publicKey;
  p.challenge = dec(p.challenge); p.user.id = dec(p.user.id);
  (p.excludeCredentials || []).forEach(function (c) { c.id = dec(c.id); });
  var c = await navigator.credentials.create({ publicKey: p });
  var response = { id: c.id, rawId: enc(c.rawId), type: c.type,
    extensions: c.getClientExtensionResults(),
    response: { clientDataJSON: enc(c.response.clientDataJSON),
      attestationObject: enc(c.response.attestationObject),
      transports: c.response.getTransports ? c.response.getTransports() : [] } };
  r = await fetch('/users/me/mfa/passkeys', { method: 'POST', headers: headers,
    body: JSON.stringify({ handle: started.handle, name: name, response: response }) });
  done({ step: 'register', status: r.status, body: await r.json().catch(function () { return null; }) });
})().catch(function (e) { done({ step: 'ceremony', error: String(e) }); });
"#;
    let answer = step(
        "register a passkey from the page",
        browser.execute_async(SCRIPT, vec![json!(token), json!(name)]),
    )
    .await;
    assert_eq!(answer["step"], "register", "{answer}");
    assert_eq!(answer["status"], 201, "{answer}");
    answer["body"].clone()
}

/// Opens `url` and waits for the login form.
async fn open_login_page(browser: &Client, url: &str) {
    step("open the authorize URL", browser.goto(url)).await;
    wait_for(browser, "input[name='email']").await;
}

/// Signs the browser out (drops its cookies) and opens the login page of `url`.
async fn fresh_login_page(browser: &Client, url: &str) {
    // WebDriver deletes the cookies of the page's own origin: be on the server's first (on a
    // page that does not redirect with the session it has).
    let origin = url.split_once("/authorize").unwrap().0;
    let discovery = format!("{origin}/.well-known/openid-configuration");
    step("open a page of the server", browser.goto(&discovery)).await;
    step("drop the cookies", browser.delete_all_cookies()).await;
    open_login_page(browser, url).await;
}

/// Types `email` and the password and submits.
async fn type_password(browser: &Client, email: &str) {
    let field = wait_for(browser, "input[name='email']").await;
    step("type the email", field.send_keys(email)).await;
    let field = wait_for(browser, "input[name='password']").await;
    step("type the password", field.send_keys(PASSWORD)).await;
    click(browser, "form button[type='submit']:not([data-webauthn])").await;
}

/// Waits (bounded) for an element; on failure, says where the browser is and what it shows.
async fn wait_for(browser: &Client, css: &str) -> fantoccini::elements::Element {
    let deadline = Instant::now() + STEP;
    loop {
        if let Ok(element) = step(css, async {
            Ok::<_, String>(browser.find(Locator::Css(css)).await)
        })
        .await
        {
            return element;
        }
        if Instant::now() >= deadline {
            let url = step("the current URL", browser.current_url()).await;
            let source = step("the page source", browser.source()).await;
            panic!("no {css} within {STEP:?} on {url}:\n{source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(browser: &Client, css: &str) {
    let element = wait_for(browser, css).await;
    step(css, element.click()).await;
}

/// The code the relying party received as callback number `index`, checked against the
/// request and the browser's address.
async fn callback_code(
    browser: &Client,
    rp: &StubRelyingParty,
    request: &Authorization,
    index: usize,
) -> String {
    let landed = wait_for_url(browser, &rp.callback()).await;
    let query = rp.wait_for_nth_callback(index).await;
    assert_eq!(landed.split_once('?').map(|(_, q)| q), Some(query.as_str()));
    let params: BTreeMap<String, String> = serde_urlencoded::from_str(&query).unwrap();
    assert_eq!(params.get("state"), Some(&request.state), "{params:?}");
    assert!(!params.contains_key("error"), "{params:?}");
    params.get("code").expect("a code").clone()
}

/// The text the passkey script shows when the ceremony fails, waiting for it.
async fn webauthn_error(browser: &Client) -> String {
    let deadline = Instant::now() + STEP;
    loop {
        let element = step(
            "the passkey error",
            browser.find(Locator::Css("[data-webauthn-error]")),
        )
        .await;
        if step("is it shown", element.is_displayed()).await {
            return step("its text", element.text()).await;
        }
        assert!(Instant::now() < deadline, "no passkey error shown");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The browser stays on the server's pages and the relying party got no more than `issued`
/// callbacks (a moment is left for a late redirect).
async fn assert_no_code(browser: &Client, app: &TestApp, rp: &StubRelyingParty, issued: usize) {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let url = step("the current URL", browser.current_url()).await;
    assert!(
        url.as_str().starts_with(&app.base),
        "still on the server: {url}"
    );
    assert_eq!(rp.callbacks(), issued, "no code issued");
}

fn amr_of(claims: &Value) -> Vec<&str> {
    claims["amr"]
        .as_array()
        .unwrap_or_else(|| panic!("amr in {claims}"))
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect()
}

/// The CSP allows the page's script by its hash only.
fn assert_script_only_by_hash(csp: &str) {
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or_else(|| panic!("script-src in {csp}"));
    let sources: Vec<&str> = script_src.split_whitespace().skip(1).collect();
    assert!(
        !sources.is_empty() && sources.iter().all(|s| s.starts_with("'sha256-")),
        "{csp}"
    );
}

/// The login page (with its passkey button) allows its script by hash.
async fn assert_script_csp(url: &str) {
    let mut http = HttpBrowser::new();
    let page = http.get(url).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"passkey-sign-in\""));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert_script_only_by_hash(csp);
    assert!(csp.contains("connect-src 'self'"), "{csp}");
}

/// The second-step page (reached over plain HTTP with the same request) allows its script
/// by hash.
async fn assert_second_step_csp(app: &TestApp, url: &str, email: &str) {
    let mut http = HttpBrowser::new();
    let page = http.get(url).await;
    let mut form = page.form();
    form.set("email", email).set("password", PASSWORD);
    let page = http.post(&app.url("/authorize"), &form).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"otp\""), "the second step");
    assert!(
        page.body.contains("id=\"passkey\""),
        "with a passkey button"
    );
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert_script_only_by_hash(csp);
}

/// The Content-Security-Policy violations in the console since the last look.
async fn csp_violations(browser: &Client) -> Vec<Value> {
    browser_log(browser)
        .await
        .into_iter()
        .filter(|entry| {
            let message = entry["message"].as_str().unwrap_or_default();
            message.contains("Content Security Policy")
                || message.contains("Content-Security-Policy")
        })
        .collect()
}

/// No Content-Security-Policy violation reached the console (chromedriver's browser log).
async fn assert_no_csp_violation(browser: &Client) {
    let violations = csp_violations(browser).await;
    assert!(violations.is_empty(), "CSP violations: {violations:?}");
}

/// The control for [`assert_no_csp_violation`]: an inline script without the hash, added to
/// the page, is refused and the console says so (this also empties the log so far, which
/// must hold no violation of the pages themselves).
async fn csp_violations_are_seen(browser: &Client) {
    let before = csp_violations(browser).await;
    assert!(before.is_empty(), "CSP violations: {before:?}");
    let refused = step(
        "add an inline script",
        browser.execute(
            "var s=document.createElement('script');s.textContent='window.ran=1;';\
             document.body.appendChild(s);return window.ran===undefined;",
            vec![],
        ),
    )
    .await;
    assert_eq!(refused, json!(true), "the CSP stops an inline script");
    let deadline = Instant::now() + STEP;
    while csp_violations(browser).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "an inline script without its hash left no CSP violation in the console"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A phone-size screenshot into `docs/screenshots/` when `TESSERA_SCREENSHOTS` is set (once,
/// from the SQLite run: the pages are the same on both backends).
async fn screenshot(browser: &Client, backend: Backend, name: &str) {
    let wanted = std::env::var_os("TESSERA_SCREENSHOTS").is_some_and(|v| !v.is_empty());
    if !wanted || !matches!(backend, Backend::Sqlite) {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("docs/screenshots");
    save_screenshot(browser, &dir.join(name)).await;
}
