//! Per-area state: each group of handlers gets only the use cases and edge services it uses,
//! so it can be tested with `actix_web::test::init_service` and mocked ports alone.

mod admin;

pub use admin::AdminState;
