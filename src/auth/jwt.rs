//! Bearer JWTs from an identity provider (Keycloak, Auth0, Entra ID…): the signature checked
//! against a PEM key or the provider's JWKS, then `exp`/`nbf` (with a small leeway), `iss`,
//! `aud`, and the algorithm against an allow-list of asymmetric algorithms.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};
use sha2::Digest as _;
use tokio::sync::{Mutex, RwLock};

use crate::error::AppError;

/// Seconds of clock difference tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;
/// How long a fetched key set is trusted before it is fetched again.
const JWKS_MAX_AGE: Duration = Duration::from_secs(3600);
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// How many verified tokens are remembered, and for how long at most: a client sends the same
/// token with every request, and checking its signature again each time (an RSA verification
/// costs about as much as the rest of authentication together) would change nothing.
const VERIFIED_CAPACITY: u64 = 10_000;
const VERIFIED_MAX_AGE: Duration = Duration::from_secs(300);

/// Where the provider's public keys come from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A PEM file (RSA or EC public key).
    PemFile(PathBuf),
    /// A JWKS URL, fetched and cached; fetched again when a token names an unknown key.
    Jwks(url::Url),
}

#[derive(Debug, Clone)]
pub struct JwtSettings {
    pub issuer: String,
    pub audience: String,
    pub keys: KeySource,
    /// The claim naming the user (matched to `users.email`).
    pub user_claim: String,
    pub algorithms: Vec<Algorithm>,
    /// Least time between two fetches of the key set caused by unknown keys, so tokens with
    /// made-up key ids cannot make Rapport hammer the provider.
    pub min_refetch: Duration,
}

/// The algorithms accepted unless configured otherwise: asymmetric only, so a public key can
/// never be used as an HMAC secret.
pub const DEFAULT_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Parses an allow-list such as `RS256,ES256`; HMAC algorithms are refused.
pub fn parse_algorithms(raw: &str) -> anyhow::Result<Vec<Algorithm>> {
    let mut algorithms = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let algorithm: Algorithm = name
            .parse()
            .map_err(|_| anyhow::anyhow!("{name:?} is not a JWT algorithm"))?;
        if matches!(
            algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            bail!("{name} is symmetric; only public-key algorithms are accepted");
        }
        algorithms.push(algorithm);
    }
    if algorithms.is_empty() {
        bail!("name at least one JWT algorithm");
    }
    Ok(algorithms)
}

/// The verified claims of a token.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The value of the user claim.
    pub user: String,
    /// `exp`, in seconds since the epoch.
    pub expires_at: i64,
}

pub struct JwtVerifier {
    settings: JwtSettings,
    keys: Keys,
    /// Tokens whose signature, issuer, audience and algorithm have been checked, by the
    /// SHA-256 of the whole token; `exp` is still checked on every use.
    verified: moka::sync::Cache<[u8; 32], Verified>,
}

enum Keys {
    Static(DecodingKey),
    Jwks(Jwks),
}

struct Jwks {
    url: url::Url,
    client: reqwest::Client,
    cached: RwLock<Option<(Arc<JwkSet>, Instant)>>,
    /// When the set was last fetched; held while fetching, so one request fetches at a time.
    last_fetch: Mutex<Option<Instant>>,
}

impl JwtVerifier {
    pub fn new(settings: JwtSettings) -> anyhow::Result<Self> {
        if settings.algorithms.is_empty() {
            bail!("no JWT algorithm is allowed");
        }
        let keys = match &settings.keys {
            KeySource::PemFile(path) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("reading the JWT public key {}", path.display()))?;
                let key = DecodingKey::from_rsa_pem(&pem)
                    .or_else(|_| DecodingKey::from_ec_pem(&pem))
                    .or_else(|_| DecodingKey::from_ed_pem(&pem))
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "{} is no RSA, EC or Ed25519 public key in PEM: {e}",
                            path.display()
                        )
                    })?;
                Keys::Static(key)
            }
            KeySource::Jwks(url) => Keys::Jwks(Jwks {
                url: url.clone(),
                client: reqwest::Client::builder()
                    .timeout(JWKS_FETCH_TIMEOUT)
                    .build()
                    .context("building the JWKS client")?,
                cached: RwLock::new(None),
                last_fetch: Mutex::new(None),
            }),
        };
        let verified = moka::sync::Cache::builder()
            .max_capacity(VERIFIED_CAPACITY)
            .time_to_live(VERIFIED_MAX_AGE)
            .build();
        Ok(Self {
            settings,
            keys,
            verified,
        })
    }

    pub fn user_claim(&self) -> &str {
        &self.settings.user_claim
    }

    /// Fetches the key set now (at startup), so a wrong URL shows in the log at once.
    pub async fn warm_up(&self) -> anyhow::Result<()> {
        if let Keys::Jwks(jwks) = &self.keys {
            jwks.fetch().await?;
        }
        Ok(())
    }

    /// Checks a token and returns its user claim; any failure is UNAUTHENTICATED.
    pub async fn verify(&self, token: &str) -> Result<Verified, AppError> {
        let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        if let Some(verified) = self.verified.get(&digest) {
            if has_expired(verified.expires_at, chrono::Utc::now().timestamp()) {
                self.verified.invalidate(&digest);
                return Err(unauthenticated("the JWT has expired"));
            }
            return Ok(verified);
        }
        let verified = self.verify_signed(token).await?;
        self.verified.insert(digest, verified.clone());
        Ok(verified)
    }

    async fn verify_signed(&self, token: &str) -> Result<Verified, AppError> {
        let header = decode_header(token)
            .map_err(|_| unauthenticated("the bearer token is not a valid JWT"))?;
        if !self.settings.algorithms.contains(&header.alg) {
            return Err(unauthenticated(format!(
                "JWTs signed with {:?} are not accepted",
                header.alg
            )));
        }
        let key = match &self.keys {
            Keys::Static(key) => key.clone(),
            Keys::Jwks(jwks) => {
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| unauthenticated("the JWT names no signing key (kid)"))?;
                jwks.key(kid, header.alg, self.settings.min_refetch).await?
            }
        };
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data = decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            unauthenticated(match e.kind() {
                ErrorKind::ExpiredSignature => "the JWT has expired",
                ErrorKind::ImmatureSignature => "the JWT is not valid yet",
                ErrorKind::InvalidIssuer => "the JWT is from another issuer",
                ErrorKind::InvalidAudience => "the JWT is for another audience",
                ErrorKind::InvalidSignature => "the JWT signature does not verify",
                ErrorKind::MissingRequiredClaim(_) => "the JWT lacks exp, iss or aud",
                _ => "the JWT is not valid",
            })
        })?;
        let user = data
            .claims
            .get(&self.settings.user_claim)
            .and_then(Value::as_str)
            .filter(|value| !value.trim().is_empty())
            .ok_or_else(|| {
                unauthenticated(format!("the JWT has no {} claim", self.settings.user_claim))
            })?;
        let expires_at = data
            .claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(|| unauthenticated("the JWT lacks exp"))?;
        Ok(Verified {
            user: user.to_owned(),
            expires_at,
        })
    }
}

impl Jwks {
    async fn key(
        &self,
        kid: &str,
        alg: Algorithm,
        min_refetch: Duration,
    ) -> Result<DecodingKey, AppError> {
        let fresh = {
            let cached = self.cached.read().await;
            cached
                .as_ref()
                .filter(|(_, at)| at.elapsed() < JWKS_MAX_AGE)
                .map(|(set, _)| Arc::clone(set))
        };
        if let Some(set) = &fresh
            && let Some(key) = key_in(set, kid, alg)?
        {
            return Ok(key);
        }
        // Unknown key (the provider may have rotated) or stale set: fetch again, unless that
        // was done a moment ago.
        let set = {
            let mut last = self.last_fetch.lock().await;
            let recent = last.is_some_and(|at| at.elapsed() < min_refetch);
            if recent && fresh.is_some() {
                None
            } else {
                *last = Some(Instant::now());
                match self.fetch().await {
                    Ok(set) => Some(set),
                    Err(error) => {
                        tracing::warn!(error = %format!("{error:#}"), url = %self.url, "fetching the JWKS");
                        None
                    }
                }
            }
        };
        let set = set.or(fresh).ok_or_else(|| {
            AppError::ServiceUnavailable("the identity provider's keys cannot be fetched".into())
        })?;
        key_in(&set, kid, alg)?
            .ok_or_else(|| unauthenticated("the JWT is signed with an unknown key"))
    }

    async fn fetch(&self) -> anyhow::Result<Arc<JwkSet>> {
        let set: JwkSet = self
            .client
            .get(self.url.clone())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("fetching {}", self.url))?
            .json()
            .await
            .with_context(|| format!("reading the key set at {}", self.url))?;
        let set = Arc::new(set);
        *self.cached.write().await = Some((Arc::clone(&set), Instant::now()));
        Ok(set)
    }
}

/// The key `kid` of the set, if it may verify `alg`.
fn key_in(set: &JwkSet, kid: &str, alg: Algorithm) -> Result<Option<DecodingKey>, AppError> {
    let Some(jwk) = set.find(kid) else {
        return Ok(None);
    };
    if let Some(declared) = jwk.common.key_algorithm
        && declared.to_string() != format!("{alg:?}")
    {
        return Err(unauthenticated(
            "the JWT's algorithm does not match its key",
        ));
    }
    DecodingKey::from_jwk(jwk)
        .map(Some)
        .map_err(|_| unauthenticated("the JWT's key cannot be used"))
}

fn unauthenticated(message: impl Into<String>) -> AppError {
    AppError::Unauthenticated(message.into())
}

/// Whether a token with this `exp` is past it, leeway included (as `Validation` judges it).
fn has_expired(expires_at: i64, now: i64) -> bool {
    expires_at.saturating_add(LEEWAY_SECS as i64) < now
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A public key for a verifier that never sees a token signed for it.
    const TEST_PUBLIC_KEY: &[u8] = b"-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqjbEqpQR8ehgcwC7F3iN
uuasYt7p45gBwd6s7MF7/qUDkkZCnGHai7xt766EkgaoveOHUyfeeS37Hmm0NTj9
j2QcOAf2c/DitG0LWCVOjzVGjJgx3fAIP9Uf+SHXlGung+wFVn9i/iJjGDm6PJ1z
dnzOR6qta0XiTJ8itFsarxgWNkL3X7ra1t32mTdliY0yycMBEpPA7o7kXWNyvDIC
mShtLV+tUB8wkkEfSVGsWlqlBRGulf4ilOiljCx7zLsKURaj0LgXrgj5wp7hpDIx
c1pTlv8CkEopaXBNpZSnac5P8X/krF01l+EjcY1sr0jr5cgLug01Z1+WACsAoyNu
hQIDAQAB
-----END PUBLIC KEY-----
";

    fn verifier_of(pem: &[u8]) -> JwtVerifier {
        let file =
            std::env::temp_dir().join(format!("rapport-jwt-test-{}.pem", std::process::id()));
        std::fs::write(&file, pem).expect("written");
        let verifier = JwtVerifier::new(JwtSettings {
            issuer: "https://idp.test".into(),
            audience: "rapport".into(),
            keys: KeySource::PemFile(file.clone()),
            user_claim: "email".into(),
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            min_refetch: Duration::from_secs(1),
        })
        .expect("verifier");
        let _ = std::fs::remove_file(file);
        verifier
    }

    #[tokio::test]
    async fn a_remembered_token_is_refused_once_it_expires() {
        let verifier = verifier_of(TEST_PUBLIC_KEY);
        let token = "any.token.text";
        let now = chrono::Utc::now().timestamp();
        let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        verifier.verified.insert(
            digest,
            Verified {
                user: "ada@archway.test".into(),
                expires_at: now + 60,
            },
        );
        let seen = verifier.verify(token).await.expect("remembered and valid");
        assert_eq!(seen.user, "ada@archway.test");

        verifier.verified.insert(
            digest,
            Verified {
                user: "ada@archway.test".into(),
                expires_at: now - LEEWAY_SECS as i64 - 1,
            },
        );
        let error = verifier.verify(token).await.expect_err("expired");
        assert_eq!(error.message(), "the JWT has expired");
        // Forgotten, so the next use goes through the full check (and fails: it is not a JWT).
        let error = verifier.verify(token).await.expect_err("not a JWT");
        assert_eq!(error.message(), "the bearer token is not a valid JWT");
    }

    #[test]
    fn expiry_allows_the_leeway_and_no_more() {
        assert!(!has_expired(1_000, 1_000 + LEEWAY_SECS as i64));
        assert!(has_expired(1_000, 1_000 + LEEWAY_SECS as i64 + 1));
        assert!(!has_expired(i64::MAX, 0));
    }

    #[test]
    fn the_allow_list_refuses_symmetric_and_unknown_algorithms() {
        assert_eq!(
            parse_algorithms("RS256, ES256").expect("valid"),
            vec![Algorithm::RS256, Algorithm::ES256]
        );
        assert!(parse_algorithms("HS256").is_err());
        assert!(parse_algorithms("none").is_err());
        assert!(parse_algorithms(" , ").is_err());
    }
}
