//! `rapport`: serve the API, run migrations, print the schema, or load demo data.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use rapport::config::{DatabaseArgs, HttpSettings, ServeArgs};
use rapport::db::{Db, DbOptions, migrate};
use rapport::{demo, http, schema};

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
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate(DatabaseArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Migrate the database and add realistic demo contacts (every run adds more).
    SeedDemo(SeedDemoArgs),
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
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => migrate_only(&args).await,
        Command::Schema => {
            print!("{}", schema::sdl());
            Ok(())
        }
        Command::SeedDemo(args) => seed_demo(&args).await,
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

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {}: until authentication exists Rapport serves loopback only",
            args.listen
        );
    }
    let url = args.database.effective_url();
    migrate::run_pending(&url).await?;
    let options = DbOptions {
        pool_size: args.database.pool_size,
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
    let app = http::router(http::AppState::new(
        db,
        HttpSettings::from(&args),
        documents,
    ));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(
        "Rapport listening on http://{}/graphql ({:?} database)",
        args.listen,
        rapport::db::BackendKind::of_url(&url)
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
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
    tracing::info!("shutting down; finishing in-flight requests");
}
