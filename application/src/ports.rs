//! The traits through which the use cases reach the world. Adapters implement them; tests use
//! their `mockall` mocks (`Mock<Trait>`, with the `mocks` feature outside this crate).

mod clients;
mod clock;
mod jws;
mod keys;
mod random;
mod revocations;

pub use clients::ClientRepository;
pub use clock::Clock;
pub use jws::{JwsEngine, KeyMaterial, VerifiedJws};
pub use keys::{GeneratedKey, KeyCipher, KeyGenerator, SigningKeyRepository, StoredSigningKey};
pub use random::{random_token, RandomSource};
pub use revocations::RevocationRepository;

#[cfg(any(test, feature = "mocks"))]
pub use clients::MockClientRepository;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use jws::MockJwsEngine;
#[cfg(any(test, feature = "mocks"))]
pub use keys::{MockKeyCipher, MockKeyGenerator, MockSigningKeyRepository};
#[cfg(any(test, feature = "mocks"))]
pub use random::MockRandomSource;
#[cfg(any(test, feature = "mocks"))]
pub use revocations::MockRevocationRepository;
