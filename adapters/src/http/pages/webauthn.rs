//! The one script of the passkey pages: the WebAuthn ceremony itself, which no form can do.
//! Everything else on those pages works without JavaScript.
//!
//! A button `<button type="button" data-webauthn="get|create" data-action="…">` inside a
//! form runs a ceremony: its options come from the button's `data-options` (with the handle
//! already in the form's `passkey_handle` input) or, with `data-options-url`, from a POST of
//! the form to that URL (`{"handle", "options"}`). The browser's answer goes into the form's
//! `passkey_response` input, `action` is set to the button's `data-action`, and the form is
//! submitted. A failure is shown in the form's `[data-webauthn-error]` element. Browsers
//! without WebAuthn get the buttons hidden.
//!
//! The script is allowed by its hash alone (`script-src 'sha256-…'`, no `unsafe-inline`).

use base64::Engine;
use std::sync::LazyLock;

/// The script, exactly as it appears in the pages.
pub const WEBAUTHN_SCRIPT: &str = concat!(
    "(function(){",
    "var d=document;",
    "function dec(s){s=s.replace(/-/g,'+').replace(/_/g,'/');while(s.length%4)s+='=';",
    "var b=atob(s),a=new Uint8Array(b.length);for(var i=0;i<b.length;i++)a[i]=b.charCodeAt(i);",
    "return a.buffer;}",
    "function enc(buf){var a=new Uint8Array(buf),s='';for(var i=0;i<a.length;i++)",
    "s+=String.fromCharCode(a[i]);return btoa(s).replace(/\\+/g,'-').replace(/\\//g,'_')",
    ".replace(/=+$/,'');}",
    "function ids(l){(l||[]).forEach(function(c){c.id=dec(c.id);});}",
    "function opts(o,create){var p=o.publicKey;p.challenge=dec(p.challenge);",
    "if(create){p.user.id=dec(p.user.id);ids(p.excludeCredentials);}",
    "else{ids(p.allowCredentials);}return{publicKey:p};}",
    "function answer(c){var r=c.response,o={id:c.id,rawId:enc(c.rawId),type:c.type,",
    "extensions:c.getClientExtensionResults?c.getClientExtensionResults():{},",
    "response:{clientDataJSON:enc(r.clientDataJSON)}};",
    "if(r.attestationObject){o.response.attestationObject=enc(r.attestationObject);",
    "if(r.getTransports)o.response.transports=r.getTransports();}",
    "else{o.response.authenticatorData=enc(r.authenticatorData);",
    "o.response.signature=enc(r.signature);",
    "o.response.userHandle=r.userHandle?enc(r.userHandle):null;}",
    "return JSON.stringify(o);}",
    "function fail(f,m){var e=f.querySelector('[data-webauthn-error]');",
    "if(e){e.textContent=e.dataset.message||m;e.hidden=false;}}",
    "var bs=d.querySelectorAll('button[data-webauthn]');",
    "for(var i=0;i<bs.length;i++){(function(b){",
    "if(!window.PublicKeyCredential||!navigator.credentials){b.hidden=true;return;}",
    "b.addEventListener('click',function(ev){ev.preventDefault();var f=b.form;",
    "var got=b.dataset.options?Promise.resolve({handle:f.elements.passkey_handle.value,",
    "options:JSON.parse(b.dataset.options)}):fetch(b.dataset.optionsUrl,{method:'POST',",
    "credentials:'same-origin',body:new URLSearchParams(new FormData(f))})",
    ".then(function(r){if(!r.ok)throw new Error('options');return r.json();});",
    "var create=b.dataset.webauthn==='create';",
    "got.then(function(o){f.elements.passkey_handle.value=o.handle;",
    "return create?navigator.credentials.create(opts(o.options,true))",
    ":navigator.credentials.get(opts(o.options,false));})",
    ".then(function(c){f.elements.passkey_response.value=answer(c);",
    "f.elements.action.value=b.dataset.action;f.submit();})",
    ".catch(function(){fail(f,'The passkey did not work. Try again, or use another way.');});",
    "});})(bs[i]);}",
    "})();",
);

/// `'sha256-…'` of [`WEBAUTHN_SCRIPT`], for `script-src`.
pub static WEBAUTHN_SCRIPT_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let digest = openssl::sha::sha256(WEBAUTHN_SCRIPT.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// The `<script>` element.
pub fn script_tag() -> String {
    format!("<script>{WEBAUTHN_SCRIPT}</script>\n")
}

/// The inputs a passkey button fills, and the element its failure is shown in (with the
/// failure message in the page's language, which the script shows).
pub fn passkey_inputs(ui: &super::ui::Ui, handle: &str) -> String {
    format!(
        concat!(
            "<input type=\"hidden\" name=\"passkey_handle\" value=\"{}\">\n",
            "<input type=\"hidden\" name=\"passkey_response\" value=\"\">\n",
            "<p class=\"alert\" role=\"alert\" data-webauthn-error data-message=\"{}\" ",
            "hidden></p>\n"
        ),
        super::escape::Escaped(handle),
        ui.h("common.passkey_failed")
    )
}

#[cfg(test)]
mod tests;
