//! argon2id password hashing, off the async executor and behind a concurrency cap.
//!
//! One argon2id hash with the OWASP parameters takes ~19 MiB of memory and tens of
//! milliseconds of CPU. Left unbounded, a burst of logins would exhaust memory and starve every
//! other request, so hashes run on tokio's blocking pool behind a semaphore, and callers beyond a
//! bounded queue are turned away at once with [`HashError::Busy`] (503; R-08).

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tessera_application::ports::{HashError, PasswordCheck, PasswordHasher};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes of random salt per hash (the PHC recommendation).
const SALT_LEN: usize = 16;

/// Cost parameters and load limits of [`Argon2Hasher`].
///
/// The defaults are OWASP's argon2id recommendation (m = 19 MiB, t = 2, p = 1), which is also
/// what SECURITY.md requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Settings {
    /// Memory cost in KiB (`m`).
    pub memory_kib: u32,
    /// Number of passes (`t`).
    pub iterations: u32,
    /// Degree of parallelism (`p`).
    pub parallelism: u32,
    /// Hashes allowed to run at once; bounds memory to about `max_concurrent × memory_kib`.
    pub max_concurrent: usize,
    /// Callers allowed to wait for a free slot; any more get [`HashError::Busy`] at once.
    pub max_waiting: usize,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
            // argon2 is CPU-bound: more hashes at once than cores adds memory, not throughput.
            max_concurrent: cores.max(2),
            max_waiting: 64,
        }
    }
}

/// The [`PasswordHasher`] port on argon2id with PHC strings.
///
/// Cheap to share behind an `Arc`; all state is the semaphore, the waiting counter and the
/// spare work memory.
#[derive(Debug)]
pub struct Argon2Hasher {
    params: Params,
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    memory: Arc<SpareMemory>,
    dummy: String,
}

/// Work memory kept from one hash to the next while callers queue for a slot. Mapping, faulting
/// in (the kernel zeroes every page) and unmapping 19 MiB per hash cost about 40 % on top of
/// argon2 itself under a burst of sign-ins (perf, `make bench`); a queued caller reuses the
/// buffer of the hash before it instead. When no one is waiting the buffer is unmapped as
/// before, so a server between bursts holds none.
#[derive(Debug)]
struct SpareMemory {
    buffers: Mutex<Vec<Vec<Block>>>,
    /// Buffers kept at most: one per hash that may run at once.
    max: usize,
    /// The hasher's count of callers waiting for a slot.
    waiting: Arc<AtomicUsize>,
}

impl SpareMemory {
    /// A buffer of at least `count` blocks: a spare one, or a new mapping.
    fn take(&self, count: usize) -> Vec<Block> {
        let spare = self.buffers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match spare {
            Some(buf) if buf.len() >= count => buf,
            _ => work_memory(count),
        }
    }

    /// Keeps `buf` for the next hash if a caller is waiting for one, else lets it go.
    fn give_back(&self, buf: Vec<Block>) {
        if self.waiting.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut buffers = self.buffers.lock().unwrap_or_else(|p| p.into_inner());
        if buffers.len() < self.max {
            buffers.push(buf);
        }
    }

    /// Drops the spare buffers once nobody is queued any more (called after each hash).
    fn trim(&self) {
        if self.waiting.load(Ordering::Acquire) == 0 {
            self.buffers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
        }
    }
}

impl Argon2Hasher {
    /// Validates the settings and makes the dummy hash.
    pub fn new(settings: Argon2Settings) -> Result<Self, HashError> {
        if settings.max_concurrent == 0 {
            return Err(HashError::Backend(
                "max_concurrent must be at least 1".to_owned(),
            ));
        }
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| HashError::Backend(format!("invalid argon2 parameters: {e}")))?;

        let dummy = dummy_phc(&params)?;
        let waiting = Arc::new(AtomicUsize::new(0));

        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(settings.max_concurrent)),
            memory: Arc::new(SpareMemory {
                buffers: Mutex::new(Vec::new()),
                max: settings.max_concurrent,
                waiting: waiting.clone(),
            }),
            waiting,
            max_waiting: settings.max_waiting,
            dummy,
        })
    }

    /// Takes a slot for one hash, waiting only if fewer than `max_waiting` others already are.
    async fn acquire(&self) -> Result<OwnedSemaphorePermit, HashError> {
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            return Ok(permit);
        }
        // Counted before the check so concurrent callers cannot all slip under the limit; the
        // guard undoes the count on every exit, including when the caller's future is dropped.
        let already_waiting = self.waiting.fetch_add(1, Ordering::AcqRel);
        let _guard = WaitingGuard(&self.waiting);
        if already_waiting >= self.max_waiting {
            return Err(HashError::Busy);
        }
        Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| HashError::Backend("the hasher's semaphore is closed".to_owned()))
    }

    /// Whether a parsed hash was made with anything but the current algorithm and parameters.
    fn needs_rehash(&self, hash: &PasswordHash<'_>, stored: &Params) -> bool {
        hash.algorithm != Algorithm::Argon2id.ident()
            || hash.version != Some(Version::V0x13.into())
            || stored.m_cost() != self.params.m_cost()
            || stored.t_cost() != self.params.t_cost()
            || stored.p_cost() != self.params.p_cost()
            || stored.output_len() != Some(Params::DEFAULT_OUTPUT_LEN)
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        let _span = crate::observability::otel::password_span("password.hash");
        let permit = self.acquire().await?;
        let params = self.params.clone();
        let spare = self.memory.clone();
        // The permit moves into the blocking task: it is released when the hash is done, even
        // if this future is dropped first, so the cap always matches the CPU work in flight.
        tokio::task::spawn_blocking(move || {
            let mut memory = spare.take(params.block_count());
            let result = hash_blocking(
                Algorithm::Argon2id,
                &params,
                password.expose_secret().as_bytes(),
                &mut memory,
            );
            spare.give_back(memory);
            drop(permit);
            spare.trim();
            result
        })
        .await
        .map_err(|e| HashError::Backend(format!("hashing task failed: {e}")))?
    }

    async fn verify(&self, password: SecretString, phc: &str) -> Result<PasswordCheck, HashError> {
        let _span = crate::observability::otel::password_span("password.verify");
        // Validate before queueing, so a corrupt hash never takes a slot.
        let needs_rehash = {
            let parsed = PasswordHash::new(phc).map_err(|_| HashError::InvalidHash)?;
            Algorithm::try_from(parsed.algorithm).map_err(|_| HashError::InvalidHash)?;
            if let Some(version) = parsed.version {
                Version::try_from(version).map_err(|_| HashError::InvalidHash)?;
            }
            if parsed.salt.is_none() || parsed.hash.is_none() {
                return Err(HashError::InvalidHash);
            }
            let stored = Params::try_from(&parsed).map_err(|_| HashError::InvalidHash)?;
            self.needs_rehash(&parsed, &stored)
        };

        let permit = self.acquire().await?;
        let phc = phc.to_owned();
        let spare = self.memory.clone();
        let matches = tokio::task::spawn_blocking(move || {
            let result = PasswordHash::new(&phc)
                .map_err(|_| HashError::InvalidHash)
                .and_then(|parsed| {
                    verify_blocking(password.expose_secret().as_bytes(), &parsed, &spare)
                });
            drop(permit);
            spare.trim();
            result
        })
        .await
        .map_err(|e| HashError::Backend(format!("verification task failed: {e}")))??;

        Ok(PasswordCheck {
            matches,
            needs_rehash,
        })
    }

    fn dummy_hash(&self) -> String {
        self.dummy.clone()
    }
}

/// Undoes one count of `waiting` when dropped.
struct WaitingGuard<'a>(&'a AtomicUsize);

impl Drop for WaitingGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The hash checked when there is no account: a PHC string with the configured parameters, a
/// random salt and a random output. Verifying against it costs exactly a real check, and no
/// password matches it (that would take finding a preimage of 256 random bits). Made without
/// hashing anything, so start-up spends neither the ~30 ms nor the 19 MiB of a real hash.
fn dummy_phc(params: &Params) -> Result<String, HashError> {
    let failed = |e: &dyn std::fmt::Display| HashError::Backend(format!("dummy hash: {e}"));
    let mut salt_bytes = [0u8; SALT_LEN];
    random_bytes(&mut salt_bytes)?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| failed(&e))?;
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    random_bytes(&mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// One argon2id hash with a fresh random salt, as a PHC string. CPU-bound: call off the executor.
///
/// What `argon2::PasswordHasher::hash_password` does, but on memory from [`work_memory`].
fn hash_blocking(
    algorithm: Algorithm,
    params: &Params,
    password: &[u8],
    memory: &mut [Block],
) -> Result<String, HashError> {
    let failed = |e: &dyn std::fmt::Display| HashError::Backend(format!("argon2 failed: {e}"));
    let mut salt_bytes = [0u8; SALT_LEN];
    random_bytes(&mut salt_bytes)?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| HashError::Backend(format!("cannot encode salt: {e}")))?;
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    Argon2::new(algorithm, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, &salt_bytes, &mut out, memory)
        .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Checks `password` against a parsed PHC string with the hash's own algorithm, version and
/// parameters (what `argon2::PasswordVerifier::verify_password` does, on memory from
/// [`work_memory`]). The output comparison is constant time (`password_hash::Output`'s
/// `PartialEq`).
fn verify_blocking(
    password: &[u8],
    hash: &PasswordHash<'_>,
    spare: &SpareMemory,
) -> Result<bool, HashError> {
    let algorithm = Algorithm::try_from(hash.algorithm).map_err(|_| HashError::InvalidHash)?;
    let version = hash
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|_| HashError::InvalidHash)?
        .unwrap_or(Version::V0x13);
    let params = Params::try_from(hash).map_err(|_| HashError::InvalidHash)?;
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return Err(HashError::InvalidHash);
    };
    let mut salt_buf = [0u8; 64];
    let salt = salt
        .decode_b64(&mut salt_buf)
        .map_err(|_| HashError::InvalidHash)?;
    let mut out = vec![0u8; expected.len()];
    let mut memory = spare.take(params.block_count());
    let hashed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password,
        salt,
        &mut out,
        &mut memory,
    );
    spare.give_back(memory);
    if hashed.is_err() {
        // A salt or output length argon2 refuses: the hash cannot be ours.
        return Err(HashError::InvalidHash);
    }
    let computed = Output::new(&out).map_err(|_| HashError::InvalidHash)?;
    Ok(computed == *expected)
}

/// Blocks of work memory, reserved above glibc's largest dynamic mmap threshold (32 MiB on
/// 64-bit) so the allocation is always its own mapping, unmapped (returned to the system) when
/// the hash is done. With the argon2 crate's own `vec![Block::default(); n]` a 19 MiB buffer
/// is mapped only until the first free raises glibc's threshold past it; from then on every
/// blocking thread keeps its buffer in its malloc arena, and a burst of sign-ins left the
/// process at 1 to 1.7 GiB RSS (make bench, 64 concurrent logins). Only the `count` blocks
/// argon2 uses are touched, so the reservation beyond them never becomes resident.
fn work_memory(count: usize) -> Vec<Block> {
    const ALWAYS_MAPPED: usize = (33 << 20) / Block::SIZE;
    let mut blocks = Vec::with_capacity(count.max(ALWAYS_MAPPED));
    blocks.resize(count, Block::default());
    blocks
}

/// Random bytes from OpenSSL's CSPRNG; unlike the `RandomSource` port this one can report
/// failure, since every caller already returns a `HashError`.
fn random_bytes(buf: &mut [u8]) -> Result<(), HashError> {
    openssl::rand::rand_bytes(buf)
        .map_err(|e| HashError::Backend(format!("random generator failed: {e}")))
}

#[cfg(test)]
mod tests;
