//! Short-lived signed download URLs, so `<img src>` and plain links work without an
//! Authorization header: an HMAC-SHA256 of the document id and an expiry, keyed by
//! `RAPPORT_SIGNING_KEY` or a key generated once into the data directory. Servers behind one
//! load balancer must share the key.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ids::DocumentId;

/// How long a signed URL works.
pub const URL_LIFETIME_SECS: i64 = 15 * 60;
const KEY_FILE: &str = "signing.key";
const MIN_KEY_BYTES: usize = 32;

#[derive(Clone)]
pub struct UrlSigner {
    key: Arc<[u8]>,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(..)")
    }
}

impl Default for UrlSigner {
    /// A signer with a random key (URLs do not survive a restart).
    fn default() -> Self {
        let mut key = [0u8; MIN_KEY_BYTES];
        // Without an OS random source nothing else would work either.
        getrandom::fill(&mut key).expect("the OS random source is available");
        Self { key: key.into() }
    }
}

impl UrlSigner {
    /// A signer keyed by `key` (at least 32 bytes).
    pub fn new(key: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(
            key.len() >= MIN_KEY_BYTES,
            "the signing key must have at least {MIN_KEY_BYTES} bytes"
        );
        Ok(Self { key: key.into() })
    }

    /// The configured key, else the one in the data directory (created on first use, readable
    /// only by its owner).
    pub fn configured(key: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            return Self::new(key.as_bytes()).context("RAPPORT_SIGNING_KEY");
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::new(text.trim().as_bytes())
                .with_context(|| format!("the signing key in {}", path.display())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)
                    .with_context(|| format!("creating {}", data_dir.display()))?;
                let mut bytes = [0u8; MIN_KEY_BYTES];
                getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random key: {e}"))?;
                let text = URL_SAFE_NO_PAD.encode(bytes);
                write_private(&path, &text)?;
                Self::new(text.as_bytes())
            }
            Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// The query string that lets anyone holding it fetch `document` until `expires`
    /// (seconds since the epoch).
    pub fn query(&self, document: DocumentId, expires: i64) -> String {
        self.signed_query(&format!("document:{}", document.0), expires)
    }

    /// Whether `signature` was made by this key for `document` and `expires` has not passed.
    pub fn verify(&self, document: DocumentId, expires: i64, signature: &str, now: i64) -> bool {
        self.verify_subject(&format!("document:{}", document.0), expires, signature, now)
    }

    /// `expires=…&signature=…` for anything a URL names (`subject` says what, e.g. `export:…`).
    pub fn signed_query(&self, subject: &str, expires: i64) -> String {
        format!(
            "expires={expires}&signature={}",
            URL_SAFE_NO_PAD.encode(self.mac(subject, expires).finalize().into_bytes())
        )
    }

    /// Whether `signature` was made by this key for `subject` and `expires` has not passed.
    pub fn verify_subject(&self, subject: &str, expires: i64, signature: &str, now: i64) -> bool {
        if expires < now {
            return false;
        }
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        // Constant-time comparison.
        self.mac(subject, expires).verify_slice(&bytes).is_ok()
    }

    fn mac(&self, subject: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes keys of any length");
        mac.update(format!("{subject}:{expires}").as_bytes());
        mac
    }
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> UrlSigner {
        UrlSigner::new(&[7u8; 32]).expect("key")
    }

    fn parts(query: &str) -> (i64, String) {
        let mut expires = 0;
        let mut signature = String::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("expires", v)) => expires = v.parse().expect("number"),
                Some(("signature", v)) => signature = v.to_owned(),
                _ => {}
            }
        }
        (expires, signature)
    }

    #[test]
    fn a_signed_url_works_until_it_expires_and_only_for_its_document() {
        let (expires, signature) = parts(&signer().query(DocumentId(5), 1_000));
        assert!(signer().verify(DocumentId(5), expires, &signature, 999));
        assert!(signer().verify(DocumentId(5), expires, &signature, 1_000));
        assert!(!signer().verify(DocumentId(5), expires, &signature, 1_001));
        assert!(!signer().verify(DocumentId(6), expires, &signature, 999));
        assert!(!signer().verify(DocumentId(5), expires + 60, &signature, 999));
        let other = UrlSigner::new(&[8u8; 32]).expect("key");
        assert!(!other.verify(DocumentId(5), expires, &signature, 999));
        assert!(!signer().verify(DocumentId(5), expires, "not-base64!", 999));
    }

    #[test]
    fn short_keys_are_refused_and_a_generated_key_is_kept() {
        assert!(UrlSigner::new(b"short").is_err());
        let dir = tempfile::tempdir().expect("dir");
        let first = UrlSigner::configured(None, dir.path()).expect("generated");
        let again = UrlSigner::configured(None, dir.path()).expect("read back");
        let (expires, signature) = parts(&first.query(DocumentId(1), 10));
        assert!(again.verify(DocumentId(1), expires, &signature, 0));
    }
}
