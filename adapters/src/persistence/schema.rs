//! The tables, once for both backends: only types that mean the same on SQLite and PostgreSQL
//! (BigInt unix seconds, Text, Bool, Binary), so one query compiles for either.

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
