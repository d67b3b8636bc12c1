//! The fault suite (`make test-faults`): real `tessera serve` processes killed, starved of
//! their database, cut off from it mid-statement, stopped under load, and run out of disk,
//! each test naming the reliability promise (R-xx of SECURITY.md) it proves.
//!
//! Every test is `#[ignore]`d so `make test` (which runs every target) does not run this
//! suite a second time; `make test-faults` builds the `tessera` binary and runs
//! `cargo test -p tessera-tests --test faults -- --ignored`. Loads go to 127.0.0.1 only and
//! are bounded in time; the PostgreSQL outages are made by a proxy in front of the shared
//! server, never by stopping it (other tests use it). R-09 (processes migrating one fresh
//! PostgreSQL database together) is `multiprocess::migrations`, which `make test` runs.

// The scenario bodies run through `fault_test!`, so clippy does not see them as `#[test]`
// functions: this whole binary is test code, where a failed expectation panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test binary: a failed expectation is meant to panic"
)]

// The multi-process suite's cluster of real processes, shared rather than copied.
#[path = "../multiprocess/cluster.rs"]
#[allow(dead_code)]
mod cluster;

mod load;
mod proxy;

mod crash;
mod disk_full;
mod hang;
mod outage;
mod shutdown;

/// Like `both_backends!`, with each test `#[ignore]`d (run by `make test-faults`).
#[macro_export]
macro_rules! fault_test {
    ($name:ident, $body:path) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "fault suite: run by make test-faults"]
            async fn sqlite() {
                $body(tessera_tests::TestDatabase::sqlite()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "fault suite: run by make test-faults"]
            async fn postgres() {
                if let Some(db) = tessera_tests::TestDatabase::postgres().await {
                    $body(db).await;
                }
            }
        }
    };
}
