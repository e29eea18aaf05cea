//! `rapport`: serve the API, run migrations, print the schema, or load demo data.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use rapport::config::{DatabaseArgs, HttpSettings, ServeArgs};
use rapport::db::{Db, DbOptions, migrate};
use rapport::{demo, http, schema};

// glibc's allocator took a quarter of a busy server's CPU (many small, short-lived allocations
// per GraphQL field); mimalloc keeps per-thread free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "rapport",
    version,
    about = "GraphQL API server for CRM contacts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (GraphiQL at /graphql).
    Serve(Box<ServeArgs>),
    /// Apply pending migrations and exit.
    Migrate(DatabaseArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Migrate the database and add realistic demo contacts (every run adds more).
    SeedDemo(SeedDemoArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token and print its secret. A user unknown by this email is created as a
    /// tenant-wide ADMIN: this is how the first administrator gets in.
    Create(TokenCreateArgs),
}

#[derive(Args)]
struct TokenCreateArgs {
    #[command(flatten)]
    database: DatabaseArgs,

    /// Email of the user the token acts as.
    #[arg(long)]
    user: String,

    /// What the token is for.
    #[arg(long)]
    name: String,

    /// The token may only read.
    #[arg(long)]
    read_only: bool,

    /// When the token stops working (RFC 3339, e.g. 2027-01-31T00:00:00Z). Default: never.
    #[arg(long)]
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Args)]
struct SeedDemoArgs {
    #[command(flatten)]
    database: DatabaseArgs,

    /// How many contacts to add, with their details and stage histories.
    #[arg(long, default_value_t = 1_000)]
    contacts: usize,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("rapport=info,tower_http=info")),
        )
        .init();
    let result = match Cli::parse().command {
        Command::Serve(args) => serve(*args).await,
        Command::Migrate(args) => migrate_only(&args).await,
        Command::Schema => {
            print!("{}", schema::sdl());
            Ok(())
        }
        Command::SeedDemo(args) => seed_demo(&args).await,
        Command::Token(TokenCommand::Create(args)) => create_token(&args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rapport: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate_only(args: &DatabaseArgs) -> anyhow::Result<()> {
    let applied = migrate::run_pending(&args.effective_url()).await?;
    if applied.is_empty() {
        println!("the database is up to date");
    } else {
        println!(
            "applied {} migrations: {}",
            applied.len(),
            applied.join(", ")
        );
    }
    Ok(())
}

async fn seed_demo(args: &SeedDemoArgs) -> anyhow::Result<()> {
    let url = args.database.effective_url();
    migrate::run_pending(&url).await?;
    let options = DbOptions {
        pool_size: args.database.pool_size,
        pool_wait: Duration::from_secs(args.database.pool_wait_secs),
        ..DbOptions::default()
    };
    let db = Db::connect(&url, options).await?;
    let started = std::time::Instant::now();
    let summary = demo::seed(&db, args.contacts).await?;
    println!(
        "added {summary} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn create_token(args: &TokenCreateArgs) -> anyhow::Result<()> {
    let url = args.database.effective_url();
    migrate::run_pending(&url).await?;
    let db = Db::connect(&url, DbOptions::default()).await?;
    let made = rapport::auth::bootstrap::create_token(
        &db,
        &args.user,
        &args.name,
        args.read_only,
        args.expires_at.map(rapport::time::Timestamp::from_utc),
    )
    .await
    .map_err(|error| anyhow::anyhow!("{}", error.message()))?;
    if made.created_user {
        eprintln!(
            "created the tenant-wide ADMIN user {} ({})",
            made.user.email,
            rapport::ids::TypedId::to_id(made.user.id).as_str()
        );
    }
    eprintln!(
        "API token {:?} for {} ({}); the secret is shown only now:",
        made.token.name,
        made.user.email,
        if made.token.read_only {
            "read-only"
        } else {
            "read-write"
        }
    );
    println!("{}", made.secret);
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let auth = args.auth.authenticator()?;
    if !auth.is_required() && !args.listen.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {}: without authentication every request runs as the local \
             administrator, so Rapport serves loopback only. Configure JWTs \
             (RAPPORT_JWT_ISSUER, RAPPORT_JWT_AUDIENCE and RAPPORT_JWKS_URL or \
             RAPPORT_JWT_PUBLIC_KEY_FILE) or set RAPPORT_REQUIRE_AUTH=true for API tokens only",
            args.listen
        );
    }
    if let Some(jwt) = auth.jwt()
        && let Err(error) = jwt.warm_up().await
    {
        tracing::warn!(error = %format!("{error:#}"), "the identity provider's keys are not reachable yet");
    }
    let required = auth.is_required();
    let signer = rapport::documents::UrlSigner::configured(
        args.auth.signing_key.as_deref(),
        &args.database.data_dir,
    )?;
    let url = args.database.effective_url();
    migrate::run_pending(&url).await?;
    let options = DbOptions {
        pool_size: args.database.pool_size,
        pool_wait: Duration::from_secs(args.database.pool_wait_secs),
        ..DbOptions::default()
    };
    let db = Db::connect(&url, options).await?;
    if args.demo {
        demo::load_if_empty(&db).await?;
    }
    let documents = rapport::documents::DocumentStorage::open(
        args.documents_url.as_deref(),
        &args.database.data_dir,
        args.max_upload_bytes,
    )?;
    let (db_for_sweep, documents_for_sweep) = (db.clone(), documents.clone());
    let state = http::AppState::new(
        db,
        HttpSettings::from(&args),
        documents,
        http::Access { auth, signer },
    );
    let shutdown = state.shutdown.clone();
    let app = http::router(state);
    tokio::spawn(rapport::imports::keep_marking_interrupted(
        db_for_sweep.clone(),
    ));
    tokio::spawn(rapport::contacts::trash::keep_purging(
        db_for_sweep.clone(),
        documents_for_sweep.clone(),
        Duration::from_secs(args.trash_days.saturating_mul(24 * 60 * 60)),
    ));
    tokio::spawn(rapport::documents::sweep::keep_sweeping(
        db_for_sweep,
        documents_for_sweep,
        Duration::from_secs(args.orphan_grace_secs),
    ));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(
        "Rapport listening on http://{}/graphql ({:?} database, {})",
        args.listen,
        rapport::db::BackendKind::of_url(&url),
        if required {
            "credentials required"
        } else {
            "no authentication: requests without credentials run as the local administrator"
        }
    );
    let deadlines = http::Deadlines {
        header_read: Duration::from_secs(args.header_read_timeout_secs),
        grace: Duration::from_secs(args.shutdown_grace_secs),
    };
    http::serve(listener, app, shutdown, shutdown_signal(), deadlines).await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down; finishing open requests");
}
