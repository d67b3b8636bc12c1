//! The tables, once for both backends: only types that mean the same on SQLite and PostgreSQL
//! (BigInt unix seconds, Integer counters, Text, Bool, Binary), so one query compiles for
//! either.

diesel::table! {
    clients (id) {
        id -> Text,
        name -> Text,
        secret_digest -> Nullable<Binary>,
        auth_method -> Text,
        grant_types -> Text,
        redirect_uris -> Text,
        post_logout_redirect_uris -> Text,
        scope -> Text,
        skip_consent -> Bool,
        created_at -> BigInt,
        require_mfa -> Bool,
        exchange_audiences -> Text,
        application_type -> Text,
        origin -> Text,
        registration_access_digest -> Nullable<Binary>,
        metadata -> Text,
    }
}

// The same `clients` table, seen through the columns of its clean-up: diesel's default
// table size is 16 columns, and `first_used_at` is read and written only by the first-use mark
// and the purge of unused self-registered clients (no wider tables feature, no slower builds).
diesel::table! {
    #[sql_name = "clients"]
    client_usage (id) {
        id -> Text,
        origin -> Text,
        created_at -> BigInt,
        first_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        alg -> Text,
        state -> Text,
        created_at -> BigInt,
        retire_after -> Nullable<BigInt>,
        public_jwk -> Text,
        encrypted_private_key -> Binary,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_verified -> Bool,
        name -> Nullable<Text>,
        password_hash -> Text,
        created_at -> BigInt,
        disabled -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<BigInt>,
        lockouts -> Integer,
    }
}

diesel::table! {
    browser_sessions (digest) {
        digest -> Binary,
        user_id -> Text,
        auth_time -> BigInt,
        expires_at -> BigInt,
        amr -> Text,
        sid -> Text,
    }
}

diesel::table! {
    consents (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        granted_at -> BigInt,
        resources -> Text,
    }
}

diesel::table! {
    authorization_codes (digest) {
        digest -> Binary,
        client_id -> Text,
        user_id -> Text,
        grant_id -> Text,
        redirect_uri -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        scope -> Text,
        nonce -> Nullable<Text>,
        auth_time -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        amr -> Text,
        resources -> Text,
        sid -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (digest) {
        digest -> Binary,
        grant_id -> Text,
        client_id -> Text,
        user_id -> Text,
        scope -> Text,
        expires_at -> BigInt,
        family_expires_at -> BigInt,
        auth_time -> BigInt,
        used_at -> Nullable<BigInt>,
        revoked -> Bool,
        replay -> Nullable<Binary>,
        replay_count -> BigInt,
        amr -> Text,
        resources -> Text,
        dpop_jkt -> Nullable<Text>,
    }
}

diesel::table! {
    email_tokens (digest) {
        digest -> Binary,
        user_id -> Text,
        purpose -> Text,
        email -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> BigInt,
        action -> Text,
        outcome -> Text,
        actor -> Nullable<Text>,
        subject -> Nullable<Text>,
        client_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    api_keys (prefix) {
        prefix -> Text,
        name -> Text,
        digest -> Binary,
        scopes -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    user_totp (user_id) {
        user_id -> Text,
        secret_ciphertext -> Binary,
        confirmed -> Bool,
        last_step -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    recovery_codes (user_id, digest) {
        user_id -> Text,
        digest -> Binary,
        created_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        credential_id -> Binary,
        credential -> Text,
        synced -> Bool,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    challenges (digest) {
        digest -> Binary,
        purpose -> Text,
        user_id -> Nullable<Text>,
        payload -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    device_authorizations (device_code) {
        device_code -> Binary,
        user_code -> Binary,
        client_id -> Text,
        scope -> Text,
        resources -> Text,
        status -> Text,
        user_id -> Nullable<Text>,
        auth_time -> Nullable<BigInt>,
        amr -> Nullable<Text>,
        interval_secs -> BigInt,
        last_polled_at -> Nullable<BigInt>,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    resources (identifier) {
        identifier -> Text,
        name -> Text,
        scope -> Text,
        created_at -> BigInt,
        clients -> Text,
    }
}

diesel::table! {
    used_jtis (key) {
        key -> Binary,
        expires_at -> BigInt,
    }
}

diesel::table! {
    session_clients (sid, client_id) {
        sid -> Text,
        client_id -> Text,
        user_id -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    logout_deliveries (id) {
        id -> Text,
        client_id -> Text,
        uri -> Text,
        user_id -> Text,
        sid -> Nullable<Text>,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        created_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
        failed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    pushed_requests (digest) {
        digest -> Binary,
        client_id -> Text,
        params -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
        granted_at -> BigInt,
        granted_by -> Text,
    }
}
