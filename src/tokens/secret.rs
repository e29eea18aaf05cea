//! Token secrets: a recognisable prefix and 32 random bytes. They are stored as SHA-256: a
//! secret with 256 bits of entropy cannot be guessed, so a slow password hash adds nothing.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// How every Rapport API token starts, so it is recognisable in logs and secret scanners.
pub const PREFIX: &str = "rpt_";
/// Characters of a secret shown in listings, prefix included.
const SHOWN: usize = 12;
const RANDOM_BYTES: usize = 32;

pub struct Secret {
    /// The whole token, given to its holder once.
    pub token: String,
    /// Its first characters, to tell tokens apart.
    pub prefix: String,
    pub hash: String,
}

/// A new random secret.
pub fn generate() -> Result<Secret, getrandom::Error> {
    let mut bytes = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut bytes)?;
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    Ok(Secret {
        prefix: token[..SHOWN].to_owned(),
        hash: hash(&token),
        token,
    })
}

/// The stored form of a secret.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_prefixed_random_and_stored_only_as_its_hash() {
        let one = generate().expect("random");
        let two = generate().expect("random");
        assert!(one.token.starts_with(PREFIX));
        assert_eq!(
            one.token.len(),
            PREFIX.len() + 43,
            "32 bytes in unpadded base64url"
        );
        assert_ne!(one.token, two.token);
        assert!(one.token.starts_with(&one.prefix));
        assert_eq!(one.hash, hash(&one.token));
        assert_eq!(one.hash.len(), 64);
        assert!(!one.hash.contains(&one.token[PREFIX.len()..]));
        assert_ne!(one.hash, two.hash);
    }
}
