//! The command line, per the contract.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Tessera: an OAuth 2.1 / OpenID Connect identity provider.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about)]
pub struct Cli {
    /// Configuration file (default: tessera.toml when present).
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (applies migrations, creates a signing key on first start).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage API keys.
    #[command(subcommand, name = "apikey")]
    ApiKey(ApiKeyCommand),
    /// Manage protected resources (RFC 8707).
    #[command(subcommand)]
    Resource(ResourceCommand),
}

/// `tessera user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input. Prints {"id", "email"}.
    Create {
        /// Email address (the login name).
        #[arg(long)]
        email: String,
        /// Read the password from stdin (required: passwords never go on the command line).
        #[arg(long = "password-stdin", required = true)]
        password_stdin: bool,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Mark the email as verified.
        #[arg(long)]
        verified: bool,
        /// Grant a role at once (repeatable; `admin` opens the operators' console).
        #[arg(long = "role")]
        roles: Vec<String>,
    },
    /// Grant the `admin` role to an existing account. Prints {"id", "email", "roles"}.
    GrantAdmin {
        /// The account's email address.
        #[arg(long)]
        email: String,
    },
}

/// `tessera client …`.
#[derive(Debug, Subcommand)]
// Parsed once per process: the size of the `create` variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum ClientCommand {
    /// Register a client; prints {"client_id", "client_secret"} (the secret only once).
    Create(Box<ClientCreate>),
    /// List clients as JSON.
    List,
    /// Delete a client.
    Delete {
        /// The client id. Generated ids may begin with `-` (base64url), so a leading hyphen is
        /// part of the value, not an option.
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
}

/// Arguments of `tessera client create`.
#[derive(Debug, Args)]
pub struct ClientCreate {
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Grant type (repeatable): authorization_code, refresh_token, client_credentials,
    /// urn:ietf:params:oauth:grant-type:token-exchange.
    #[arg(long = "grant")]
    pub grants: Vec<String>,
    /// Redirect URI (repeatable), compared exactly.
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    /// Post-logout redirect URI (repeatable).
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Space-separated scopes the client may receive.
    #[arg(long, default_value = "")]
    pub scope: String,
    /// Token endpoint auth method: client_secret_basic, client_secret_post, client_secret_jwt,
    /// private_key_jwt (needs --jwks-uri or --jwks-file), none.
    #[arg(long = "auth-method")]
    pub auth_method: Option<String>,
    /// A public client (no secret; PKCE only).
    #[arg(long)]
    pub public: bool,
    /// Never show the consent page for this client.
    #[arg(long = "skip-consent")]
    pub skip_consent: bool,
    /// Demand a second factor (or a passkey) of everyone signing in to this client.
    #[arg(long = "require-mfa")]
    pub require_mfa: bool,
    /// A registered resource (repeatable) this client may ask tokens for by token exchange
    /// (RFC 8693).
    #[arg(long = "exchange-audience", value_name = "URI")]
    pub exchange_audiences: Vec<String>,
    /// Where the client publishes its JWK Set (private_key_jwt, signed request objects).
    #[arg(long = "jwks-uri", value_name = "URL", conflicts_with = "jwks_file")]
    pub jwks_uri: Option<String>,
    /// A file holding the client's JWK Set (public keys only).
    #[arg(long = "jwks-file", value_name = "FILE")]
    pub jwks_file: Option<std::path::PathBuf>,
    /// Refuse /authorize requests that were not pushed to /par first (RFC 9126).
    #[arg(long = "require-par")]
    pub require_par: bool,
    /// Refuse token requests without a DPoP proof (RFC 9449).
    #[arg(long = "require-dpop")]
    pub require_dpop: bool,
    /// Where to POST logout tokens when a session ends (OpenID Back-Channel Logout 1.0).
    #[arg(long = "backchannel-logout-uri", value_name = "URL")]
    pub backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry the session id (`sid`).
    #[arg(long = "backchannel-logout-session-required")]
    pub backchannel_logout_session_required: bool,
    /// Hold this client to a security profile: standard or fapi2.
    #[arg(long, value_parser = ["standard", "fapi2"])]
    pub profile: Option<String>,
}

/// `tessera keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List signing keys (kid, alg, state).
    List,
    /// Make a new active key; the old one stays published until its tokens expire. Refused
    /// (exit status 2) while the key to become active is younger than the JWKS cache lifetime.
    Rotate {
        /// Algorithm of the new key (default: the configured signing_alg).
        #[arg(long, value_parser = ["RS256", "ES256", "EdDSA"])]
        alg: Option<String>,
        /// Rotate even to a key relying parties' JWKS caches may not know yet.
        #[arg(long)]
        force: bool,
    },
}

/// `tessera apikey …`.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make a key; prints {"id", "key", "name", "scopes", "expires_at"} (the key only once).
    Create {
        /// What the key is for (1 to 100 printable characters).
        #[arg(long)]
        name: String,
        /// Space-separated scopes the key carries.
        #[arg(long)]
        scope: String,
        /// Days until the key stops working (default: never).
        #[arg(long = "expires-in-days", value_parser = clap::value_parser!(u32).range(1..=36_500))]
        expires_in_days: Option<u32>,
    },
    /// List keys as JSON (never the key or its digest).
    List,
    /// Revoke a key for good.
    Revoke {
        /// The key id (its 8-character prefix); a leading hyphen is part of the value.
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
}

/// `tessera resource …`.
#[derive(Debug, Subcommand)]
pub enum ResourceCommand {
    /// Register an API or MCP server tokens can be meant for; prints {"identifier", "name",
    /// "scope"}.
    Create {
        /// Its identifier: an absolute URI without fragment, the `aud` of its tokens.
        #[arg(long)]
        identifier: String,
        /// The name people see on the consent page (default: the identifier).
        #[arg(long)]
        name: Option<String>,
        /// Space-separated scopes the resource defines.
        #[arg(long)]
        scope: Option<String>,
        /// A client the resource's server authenticates as; only such clients (and a
        /// token's own client) can introspect tokens meant for it. Repeatable.
        #[arg(long = "client")]
        clients: Vec<String>,
    },
    /// List resources as JSON, oldest first.
    List,
    /// Remove a resource; tokens already issued for it stay valid until they expire.
    Delete {
        /// The identifier, exactly as registered.
        identifier: String,
    },
}

#[cfg(test)]
mod tests;
