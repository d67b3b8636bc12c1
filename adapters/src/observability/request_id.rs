//! Request ids: a caller's `X-Request-Id` when it is sane, else one of ours.

use std::sync::atomic::{AtomicU64, Ordering};
use tessera_application::ports::RandomSource;

/// Longest request id taken from a caller.
pub const MAX_LEN: usize = 128;

/// The id of one request: 1..=128 characters of `[A-Za-z0-9._:-]`, kept inline (no
/// allocation) so it can sit in the request extensions and the logging task-local.
#[derive(Clone, Copy)]
pub struct RequestId {
    len: u8,
    buf: [u8; MAX_LEN],
}

impl RequestId {
    /// A caller-supplied id, if it follows the rules; anything else (empty, too long, spaces,
    /// quotes, control or non-ASCII characters) is `None` and gets replaced, so a log line or
    /// a JSON field can never be forged through it.
    pub fn parse(value: &[u8]) -> Option<Self> {
        if value.is_empty() || value.len() > MAX_LEN || !value.iter().copied().all(allowed) {
            return None;
        }
        let mut buf = [0; MAX_LEN];
        buf.get_mut(..value.len())?.copy_from_slice(value);
        Some(Self {
            len: value.len() as u8,
            buf,
        })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII ever gets in (parse and the hex generator).
        self.buf
            .get(..usize::from(self.len))
            .and_then(|id| std::str::from_utf8(id).ok())
            .unwrap_or("-")
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RequestId({})", self.as_str())
    }
}

fn allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-')
}

/// Makes ids for requests that brought none: 16 bytes as 32 hex digits, a random per-process
/// prefix then a counter. Unique (across restarts too, by the prefix) and costs one atomic
/// add, not a trip to the OS random source; ids are correlation handles, not secrets.
pub struct RequestIds {
    prefix: [u8; 8],
    counter: AtomicU64,
}

impl RequestIds {
    /// A generator whose prefix comes from `rng`.
    pub fn new(rng: &dyn RandomSource) -> Self {
        let mut prefix = [0; 8];
        rng.fill(&mut prefix);
        Self {
            prefix,
            counter: AtomicU64::new(0),
        }
    }

    /// A fresh id.
    pub fn generate(&self) -> RequestId {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut buf = [0; MAX_LEN];
        let counter = n.to_be_bytes();
        let bytes = self.prefix.iter().chain(counter.iter());
        for (pair, b) in buf.chunks_exact_mut(2).zip(bytes) {
            for (out, nibble) in pair.iter_mut().zip([b >> 4, b & 0xf]) {
                *out = HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
            }
        }
        RequestId { len: 32, buf }
    }

    /// The caller's id when it is acceptable, else a fresh one.
    pub fn take_or_generate(&self, header: Option<&[u8]>) -> RequestId {
        header
            .and_then(RequestId::parse)
            .unwrap_or_else(|| self.generate())
    }
}

tokio::task_local! {
    static CURRENT: RequestId;
}

/// Runs `fut` with `id` as the current request id, so every log line written while it runs
/// (handlers, services) can carry it.
pub(crate) fn scope<F: std::future::Future>(
    id: RequestId,
    fut: F,
) -> tokio::task::futures::TaskLocalFuture<RequestId, F> {
    CURRENT.scope(id, fut)
}

/// Calls `f` with the id of the request being handled on this task, if any: for the log
/// formatter, which runs synchronously inside the `log` call.
pub fn with_current<R>(f: impl FnOnce(Option<&str>) -> R) -> R {
    match CURRENT.try_with(|id| *id) {
        Ok(id) => f(Some(id.as_str())),
        Err(_) => f(None),
    }
}

#[cfg(test)]
mod tests;
