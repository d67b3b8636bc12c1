//! A folder of `.eml` files: the development transport (every message can be opened in a mail
//! client, none is silently dropped) and the dead-letter store of the queue.
//!
//! Files are named `<unix-millis>-<random hex>.eml` (millis zero-padded, so names sort by time
//! and never collide) and written to a hidden temporary name first, then renamed: whoever
//! watches the folder never sees half a message. Folders are 0700 and files 0600 on unix,
//! because the messages hold single-use links.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine;
use lettre::Message;

use super::MailTransport;

/// Writes each message as one `.eml` file into a folder.
#[derive(Debug, Clone)]
pub struct FileOutbox {
    dir: Arc<PathBuf>,
}

impl FileOutbox {
    /// Opens the outbox, creating the folder (0700 on unix) if it is missing.
    pub fn new(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        create_private_dir(&dir)?;
        Ok(Self { dir: Arc::new(dir) })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` (an RFC 5322 message) as a new `.eml` file and returns its path. Blocking.
    pub fn write(&self, bytes: &[u8]) -> io::Result<PathBuf> {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let name = format!("{millis:013}-{}.eml", super::random_hex(8));
        let path = self.dir.join(&name);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let written = write_private_file(&tmp, bytes).and_then(|()| fs::rename(&tmp, &path));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(path)
    }

    /// [`write`](Self::write) off the async threads.
    pub(crate) async fn write_async(&self, bytes: Vec<u8>) -> io::Result<PathBuf> {
        let outbox = self.clone();
        tokio::task::spawn_blocking(move || outbox.write(&bytes))
            .await
            .map_err(io::Error::other)?
    }
}

#[async_trait]
impl MailTransport for FileOutbox {
    async fn deliver(&self, message: &Message) -> Result<(), String> {
        self.write_async(message.formatted())
            .await
            .map(|_| ())
            .map_err(|e| format!("cannot write to the outbox {}: {e}", self.dir.display()))
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn write_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The `.eml` files in `dir`, oldest first (by name, which starts with the time). A missing
/// folder is an empty outbox.
pub fn list_eml(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.starts_with('.') && name.ends_with(".eml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads an `.eml` file written by the outbox: `(to, subject, body)`, the headers' encoded words
/// and the body's Content-Transfer-Encoding (7bit, 8bit, quoted-printable or base64, whichever
/// lettre chose) decoded, line ends as `\n`. For tests that follow the links that were mailed.
pub fn read_eml_text(path: impl AsRef<Path>) -> io::Result<(String, String, String)> {
    parse_eml_text(&fs::read(path)?)
}

/// [`read_eml_text`] on bytes already in memory (for instance the DATA an SMTP server got).
pub fn parse_eml_text(raw: &[u8]) -> io::Result<(String, String, String)> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let (head, body) = split_head_body(raw).ok_or_else(|| invalid("no header/body separator"))?;
    let head = std::str::from_utf8(head).map_err(|_| invalid("headers are not UTF-8"))?;
    let headers = unfold_headers(head);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let to = decode_encoded_words(header("To").unwrap_or(""));
    let subject = decode_encoded_words(header("Subject").unwrap_or(""));
    let encoding = header("Content-Transfer-Encoding")
        .unwrap_or("7bit")
        .trim()
        .to_ascii_lowercase();
    let decoded = match encoding.as_str() {
        "quoted-printable" => decode_quoted_printable(body),
        "base64" => {
            let compact: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map_err(|_| invalid("bad base64 body"))?
        }
        _ => body.to_vec(),
    };
    let body = String::from_utf8(decoded).map_err(|_| invalid("body is not UTF-8"))?;
    Ok((to, subject, body.replace("\r\n", "\n")))
}

fn split_head_body(raw: &[u8]) -> Option<(&[u8], &[u8])> {
    let split = |sep: &[u8]| {
        let i = raw.windows(sep.len()).position(|w| w == sep)?;
        let (head, rest) = raw.split_at(i);
        Some((head, rest.get(sep.len()..)?))
    };
    split(b"\r\n\r\n").or_else(|| split(b"\n\n"))
}

/// `(name, value)` pairs, continuation lines joined (RFC 5322 §2.2.3).
fn unfold_headers(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim_start().to_owned()));
        }
    }
    headers
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); white space between two
/// encoded words is dropped, as the RFC says. Charsets other than UTF-8 (lettre writes only
/// UTF-8) are decoded as UTF-8 all the same, lossily.
fn decode_encoded_words(value: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut rest = value.trim();
    let mut pending_space: Option<&str> = None;
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some((decoded, len)) = encoded_word(rest) {
            if !last_was_word {
                if let Some(space) = pending_space {
                    out.extend_from_slice(space.as_bytes());
                }
            }
            pending_space = None;
            out.extend_from_slice(&decoded);
            rest = &rest[len..];
            last_was_word = true;
            continue;
        }
        let ws_len = rest.len() - rest.trim_start().len();
        if ws_len > 0 {
            if let Some(space) = pending_space {
                out.extend_from_slice(space.as_bytes());
            }
            pending_space = Some(&rest[..ws_len]);
            rest = &rest[ws_len..];
            continue;
        }
        if let Some(space) = pending_space.take() {
            out.extend_from_slice(space.as_bytes());
        }
        let next = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| c.is_whitespace() || *c == '=')
            .map_or(rest.len(), |(i, _)| i);
        let (word, tail) = rest.split_at(next);
        out.extend_from_slice(word.as_bytes());
        rest = tail;
        last_was_word = false;
    }
    if let Some(space) = pending_space {
        out.extend_from_slice(space.as_bytes());
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One encoded word at the start of `s`: its decoded bytes and its length in `s`.
fn encoded_word(s: &str) -> Option<(Vec<u8>, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (_charset, after) = inner.split_once('?')?;
    let (kind, after) = after.split_once('?')?;
    let end = after.find("?=")?;
    let text = &after[..end];
    if text.contains(char::is_whitespace) {
        return None;
    }
    let len = 2 + (inner.len() - after.len()) + end + 2;
    let decoded = match kind {
        "b" | "B" => base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .ok()?,
        "q" | "Q" => {
            let underscores = text.replace('_', " ");
            decode_quoted_printable(underscores.as_bytes())
        }
        _ => return None,
    };
    Some((decoded, len))
}

/// Quoted-printable (RFC 2045 §6.7): `=XX` is a byte, `=` at a line end a soft break.
fn decode_quoted_printable(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        match (input.get(i + 1), input.get(i + 2)) {
            (Some(b'\r'), Some(b'\n')) => i += 3,
            (Some(b'\n'), _) => i += 2,
            (None, _) => i += 1,
            (Some(&h), Some(&l)) => match (hex(h), hex(l)) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                }
                _ => {
                    out.push(b);
                    i += 1;
                }
            },
            (Some(_), None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
