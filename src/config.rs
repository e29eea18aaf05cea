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

    /// Address to listen on. Until authentication exists, keep it on loopback.
    #[arg(long, env = "RAPPORT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

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

    /// Region (ISO 3166-1 alpha-2) for phone numbers typed without a country prefix, when the
    /// contact has no address country.
    #[arg(long, env = "RAPPORT_DEFAULT_PHONE_REGION", value_parser = parse_region)]
    pub default_phone_region: Option<String>,

    /// Load demo data when the database has no contacts yet.
    #[arg(long)]
    pub demo: bool,
}

/// What the HTTP layer needs to know, independent of the command line.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    pub request_timeout: std::time::Duration,
    /// Region for national phone numbers (see `ServeArgs::default_phone_region`).
    pub default_phone_region: Option<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 25 * 1024 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            default_phone_region: None,
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
        }
    }
}

fn parse_region(raw: &str) -> Result<String, String> {
    crate::validation::parse_country(raw).map_err(|message| format!("{raw:?} {message}"))
}
