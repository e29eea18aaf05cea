//! A test identity provider: RSA keys generated here, a JWKS served on loopback, and JWTs
//! signed with them (including the malformed and mis-addressed ones a server must refuse).

use std::sync::{Arc, OnceLock, RwLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rapport::auth::Authenticator;
use rapport::auth::jwt::{DEFAULT_ALGORITHMS, JwtSettings, JwtVerifier, KeySource};
use serde_json::{Value, json};

pub const ISSUER: &str = "https://idp.test/realms/crm";
pub const AUDIENCE: &str = "rapport";

/// Two RSA keys, generated once per test run (generation is the slow part).
fn keys() -> &'static [KeyPair; 2] {
    static KEYS: OnceLock<[KeyPair; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            KeyPair::generate(KeySize::Rsa2048).expect("RSA key"),
            KeyPair::generate(KeySize::Rsa2048).expect("RSA key"),
        ]
    })
}

pub struct Idp {
    /// The kids the JWKS currently publishes (index into `keys()`).
    published: Arc<RwLock<Vec<usize>>>,
    pub jwks_url: String,
}

impl Idp {
    /// Serves the JWKS (publishing the first key) on a loopback port.
    pub async fn start() -> Self {
        let published = Arc::new(RwLock::new(vec![0]));
        let served = Arc::clone(&published);
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let served = Arc::clone(&served);
                async move {
                    let published = served.read().expect("lock").clone();
                    axum::Json(
                        json!({ "keys": published.iter().map(|&i| jwk(i)).collect::<Vec<_>>() }),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            published,
            jwks_url: format!("http://{address}/jwks"),
        }
    }

    /// An authenticator trusting this provider (refetching its keys without delay).
    pub fn authenticator(&self) -> Authenticator {
        let verifier = JwtVerifier::new(JwtSettings {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            keys: KeySource::Jwks(self.jwks_url.parse().expect("url")),
            user_claim: "email".into(),
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            min_refetch: std::time::Duration::ZERO,
        })
        .expect("verifier");
        Authenticator::required(Some(verifier))
    }

    /// Publishes the second key too (a key rotation).
    pub fn rotate(&self) {
        self.published.write().expect("lock").push(1);
    }
}

fn kid(index: usize) -> String {
    format!("key-{index}")
}

fn jwk(index: usize) -> Value {
    let public = keys()[index].public_key();
    let components = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(public);
    json!({
        "kty": "RSA",
        "kid": kid(index),
        "alg": "RS256",
        "use": "sig",
        "n": URL_SAFE_NO_PAD.encode(&components.n),
        "e": URL_SAFE_NO_PAD.encode(&components.e),
    })
}

/// Standard claims for `email`, valid for five minutes.
pub fn claims(email: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "iss": ISSUER, "aud": AUDIENCE, "email": email, "iat": now, "nbf": now - 5, "exp": now + 300 })
}

/// A JWT of `claims` signed RS256 with key `index` (named by its kid).
pub fn signed(claims: &Value, index: usize) -> String {
    signed_as(claims, index, &kid(index))
}

/// A JWT signed with key `index` but naming `kid`.
pub fn signed_as(claims: &Value, index: usize, kid: &str) -> String {
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": kid });
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = &keys()[index];
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .expect("sign");
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// A JWT claiming `alg: none`, without a signature.
pub fn unsigned(claims: &Value) -> String {
    let header = json!({ "alg": "none", "typ": "JWT", "kid": kid(0) });
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}
