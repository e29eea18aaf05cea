//! Settings of `rapport serve`: every flag has an environment variable of the same meaning.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `postgres://…` for PostgreSQL, `sqlite://path` or a file path for SQLite.
    /// Default: an SQLite file `rapport.sqlite3` in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Directory for the embedded database and stored documents.
    #[arg(long, env = "RAPPORT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Maximum number of pooled database connections.
    #[arg(long, env = "RAPPORT_POOL_SIZE", default_value_t = 10)]
    pub pool_size: usize,

    /// Seconds a request waits for a pooled connection (or for a new one to open) before it
    /// is answered with SERVICE_UNAVAILABLE.
    #[arg(long, env = "RAPPORT_POOL_WAIT_SECS", default_value_t = 3)]
    pub pool_wait_secs: u64,
}

impl DatabaseArgs {
    /// The database URL in effect: the configured one, else the SQLite file in the data directory.
    pub fn effective_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => self.data_dir.join("rapport.sqlite3").display().to_string(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address to listen on. Beyond loopback only with authentication configured.
    #[arg(long, env = "RAPPORT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    #[command(flatten)]
    pub auth: AuthArgs,

    /// Browser origins allowed to call the API cross-site, comma-separated
    /// (e.g. `https://crm.example.com`). Default: none (same origin only).
    #[arg(long, env = "RAPPORT_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Largest accepted JSON request body, in bytes.
    #[arg(long, env = "RAPPORT_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Largest accepted document upload, in bytes.
    #[arg(long, env = "RAPPORT_MAX_UPLOAD_BYTES", default_value_t = 25 * 1024 * 1024)]
    pub max_upload_bytes: usize,

    /// Where document bytes are stored: an object-store URL (`s3://bucket/prefix`,
    /// `gs://…`, `az://…`, `file:///path`); credentials come from the backend's usual
    /// environment variables. Default: `documents` under the data directory.
    #[arg(long, env = "RAPPORT_DOCUMENTS_URL")]
    pub documents_url: Option<String>,

    /// Seconds a request may take before it is answered with SERVICE_UNAVAILABLE.
    #[arg(long, env = "RAPPORT_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Seconds a WebSocket client may take to send `connection_init` before it is closed
    /// with 4408.
    #[arg(long, env = "RAPPORT_WS_INIT_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_init_timeout_secs: u64,

    /// Seconds a client may take to send a request's headers before its connection is closed.
    #[arg(long, env = "RAPPORT_HEADER_READ_TIMEOUT_SECS", default_value_t = 30)]
    pub header_read_timeout_secs: u64,

    /// Seconds open requests get to finish after SIGTERM or Ctrl-C; then the process exits
    /// whatever is still open.
    #[arg(long, env = "RAPPORT_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,

    /// Seconds stored document bytes without a row are kept before the sweep (at start-up and
    /// hourly) deletes them; longer than any upload takes.
    #[arg(long, env = "RAPPORT_ORPHAN_GRACE_SECS", default_value_t = 3600)]
    pub orphan_grace_secs: u64,

    /// Days a deleted contact stays in the trash (restorable) before it is purged for good
    /// with its details, history and documents (checked at start-up and hourly).
    #[arg(long, env = "RAPPORT_TRASH_DAYS", default_value_t = 30)]
    pub trash_days: u64,

    /// Region (ISO 3166-1 alpha-2) for phone numbers typed without a country prefix, when the
    /// contact has no address country.
    #[arg(long, env = "RAPPORT_DEFAULT_PHONE_REGION", value_parser = parse_region)]
    pub default_phone_region: Option<String>,

    /// Load demo data when the database has no contacts yet.
    #[arg(long)]
    pub demo: bool,
}

/// How requests authenticate. With none of these set, requests without credentials run as
/// the built-in local administrator, and the server only listens on loopback.
#[derive(Debug, Clone, Default, Args)]
pub struct AuthArgs {
    /// Issuer (`iss`) of accepted JWTs; setting it turns on JWT authentication.
    #[arg(long, env = "RAPPORT_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// Audience (`aud`) accepted JWTs must name.
    #[arg(long, env = "RAPPORT_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// The identity provider's JWKS URL (fetched, cached, refetched on an unknown key id).
    #[arg(long, env = "RAPPORT_JWKS_URL")]
    pub jwks_url: Option<url::Url>,

    /// A PEM public key (RSA, EC or Ed25519) instead of a JWKS URL.
    #[arg(long, env = "RAPPORT_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,

    /// The JWT claim naming the user, matched to a user's email.
    #[arg(long, env = "RAPPORT_JWT_USER_CLAIM", default_value = "email")]
    pub jwt_user_claim: String,

    /// Accepted JWT algorithms, comma-separated (public-key algorithms only).
    #[arg(
        long,
        env = "RAPPORT_JWT_ALGORITHMS",
        default_value = "RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,EdDSA"
    )]
    pub jwt_algorithms: String,

    /// Require credentials on every request even without JWTs configured (API tokens only).
    #[arg(long, env = "RAPPORT_REQUIRE_AUTH")]
    pub require_auth: bool,

    /// Key (at least 32 bytes) for signed document URLs; servers behind one load balancer must
    /// share it. Default: a key generated once into the data directory.
    #[arg(long, env = "RAPPORT_SIGNING_KEY", hide_env_values = true)]
    pub signing_key: Option<String>,
}

impl AuthArgs {
    /// The authenticator these settings describe.
    pub fn authenticator(&self) -> anyhow::Result<crate::auth::Authenticator> {
        use crate::auth::{Authenticator, jwt};
        let jwt_named = self.jwt_issuer.is_some()
            || self.jwt_audience.is_some()
            || self.jwks_url.is_some()
            || self.jwt_public_key_file.is_some();
        if !jwt_named {
            return Ok(if self.require_auth {
                Authenticator::required(None)
            } else {
                Authenticator::local()
            });
        }
        let (Some(issuer), Some(audience)) = (&self.jwt_issuer, &self.jwt_audience) else {
            anyhow::bail!(
                "JWT authentication needs both RAPPORT_JWT_ISSUER and RAPPORT_JWT_AUDIENCE"
            );
        };
        let keys = match (&self.jwks_url, &self.jwt_public_key_file) {
            (Some(url), None) => jwt::KeySource::Jwks(url.clone()),
            (None, Some(path)) => jwt::KeySource::PemFile(path.clone()),
            _ => anyhow::bail!(
                "JWT authentication needs exactly one of RAPPORT_JWKS_URL and RAPPORT_JWT_PUBLIC_KEY_FILE"
            ),
        };
        let verifier = jwt::JwtVerifier::new(jwt::JwtSettings {
            issuer: issuer.clone(),
            audience: audience.clone(),
            keys,
            user_claim: self.jwt_user_claim.clone(),
            algorithms: jwt::parse_algorithms(&self.jwt_algorithms)?,
            min_refetch: std::time::Duration::from_secs(10),
        })?;
        Ok(Authenticator::required(Some(verifier)))
    }
}

/// What the HTTP layer needs to know, independent of the command line.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    pub request_timeout: std::time::Duration,
    /// Region for national phone numbers (see `ServeArgs::default_phone_region`).
    pub default_phone_region: Option<String>,
    /// Browser origins allowed cross-site (see `ServeArgs::cors_origins`).
    pub cors_origins: Vec<String>,
    /// How long a WebSocket may wait before `connection_init`.
    pub ws_init_timeout: std::time::Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 25 * 1024 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            default_phone_region: None,
            cors_origins: Vec::new(),
            ws_init_timeout: std::time::Duration::from_secs(10),
        }
    }
}

impl From<&ServeArgs> for HttpSettings {
    fn from(args: &ServeArgs) -> Self {
        Self {
            max_body_bytes: args.max_body_bytes,
            max_upload_bytes: args.max_upload_bytes,
            request_timeout: std::time::Duration::from_secs(args.request_timeout_secs),
            default_phone_region: args.default_phone_region.clone(),
            cors_origins: args.cors_origins.clone(),
            ws_init_timeout: std::time::Duration::from_secs(args.ws_init_timeout_secs),
        }
    }
}

fn parse_region(raw: &str) -> Result<String, String> {
    crate::validation::parse_country(raw).map_err(|message| format!("{raw:?} {message}"))
}
