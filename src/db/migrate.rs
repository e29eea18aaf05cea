//! Embedded migrations for both backends, run at start-up and by `rapport migrate`.

use anyhow::Context as _;
use diesel::Connection as _;
use diesel_async::{AsyncConnection as _, AsyncMigrationHarness, SimpleAsyncConnection as _};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{BackendKind, PgConn, create_parent_dir, sqlite_path};

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// The PostgreSQL advisory lock held while migrating ("rapport" in ASCII, as a number).
const MIGRATION_LOCK: i64 = 0x0072_6170_706f_7274;

/// Applies every pending migration; returns the versions applied.
pub async fn run_pending(url: &str) -> anyhow::Result<Vec<String>> {
    match BackendKind::of_url(url) {
        BackendKind::Postgres => {
            let mut conn = PgConn::establish(url)
                .await
                .context("connecting to PostgreSQL")?;
            // Servers starting together take turns: the first applies what is pending, the
            // others then find nothing to do. The lock ends with this session.
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .await
                .context("waiting for other servers' migrations")?;
            // The harness drives diesel's sync migration code with `block_in_place`, which
            // needs the multi-thread runtime (the server and the tests use it).
            let mut harness = AsyncMigrationHarness::new(conn);
            applied(harness.run_pending_migrations(POSTGRES))
        }
        BackendKind::Sqlite => {
            let path = sqlite_path(url).to_owned();
            create_parent_dir(&path)?;
            tokio::task::spawn_blocking(move || {
                let mut conn = diesel::SqliteConnection::establish(&path)
                    .with_context(|| format!("opening SQLite database {path}"))?;
                applied(conn.run_pending_migrations(SQLITE))
            })
            .await
            .context("migration task panicked")?
        }
    }
}

/// [`run_pending`] for a task of its own.
pub async fn run_pending_owned(url: String) -> anyhow::Result<Vec<String>> {
    run_pending(&url).await
}

fn applied(
    result: diesel::migration::Result<Vec<diesel::migration::MigrationVersion<'_>>>,
) -> anyhow::Result<Vec<String>> {
    let versions = result.map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    Ok(versions.iter().map(ToString::to_string).collect())
}
