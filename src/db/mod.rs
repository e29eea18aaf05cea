//! The data layer: one pool of either backend, the `with_conn!` dispatch that compiles a query
//! once per backend, transactions (serialised on SQLite), migrations and the shared schema.

pub mod audit;
pub mod loader;
pub mod migrate;
pub mod raw;
pub mod schema;
pub mod scope;
mod text_enum;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sqlite::SqliteConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};
use futures_util::FutureExt as _;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::AppResult;

pub type PgConn = AsyncPgConnection;
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

/// Runs `$body` with `$c` bound to the concrete connection of whichever backend `$conn` holds.
/// The body is compiled once per backend, so every query is type-checked against both.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn.backend() {
            $crate::db::Backend::Postgres($c) => $body,
            $crate::db::Backend::Sqlite($c) => $body,
        }
    };
}

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Postgres,
    Sqlite,
}

impl BackendKind {
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// Counts the SQL statements sent by every connection of a pool (used by tests and benches).
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    fn instrumentation(&self) -> impl Instrumentation {
        let count = Arc::clone(&self.0);
        move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                if std::env::var_os("TRACE_SQL").is_some() {
                    eprintln!(
                        "SQL {}",
                        query.to_string().chars().take(110).collect::<String>()
                    );
                }
                count.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    pub pool_size: usize,
    /// How long a request waits for a pooled connection, or for a new one to open.
    pub pool_wait: std::time::Duration,
    pub statement_counter: Option<StatementCounter>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            pool_size: 10,
            pool_wait: std::time::Duration::from_secs(3),
            statement_counter: None,
        }
    }
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pools: Arc<Pools>,
    /// Who the audit trail names for what this handle's transactions change.
    audit: audit::Actor,
}

enum Pools {
    Postgres {
        pool: Pool<PgConn>,
        /// For connections of their own (a listener's).
        url: String,
    },
    Sqlite {
        pool: Pool<SqliteConn>,
        // SQLite allows one writer at a time; queueing writers here means a client never sees
        // "database is locked", whatever the busy timeout.
        writer: Arc<Mutex<()>>,
    },
}

/// A pooled connection of either backend. On SQLite a connection opened for a transaction also
/// holds the writer lock until it is dropped.
// A request holds one or two of these for its duration; boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Conn {
    Postgres(Object<PgConn>),
    Sqlite(Object<SqliteConn>, Option<OwnedMutexGuard<()>>),
}

/// The concrete connection behind a [`Conn`], for [`with_conn!`].
pub enum Backend<'a> {
    Postgres(&'a mut PgConn),
    Sqlite(&'a mut SqliteConn),
}

impl Conn {
    pub fn backend(&mut self) -> Backend<'_> {
        match self {
            Conn::Postgres(c) => Backend::Postgres(c),
            Conn::Sqlite(c, _) => Backend::Sqlite(c),
        }
    }

    pub fn kind(&self) -> BackendKind {
        match self {
            Conn::Postgres(_) => BackendKind::Postgres,
            Conn::Sqlite(..) => BackendKind::Sqlite,
        }
    }

    /// Runs `work` in a transaction, or inside the open one as a savepoint: undone when it
    /// fails (or always, without `keep`), so one part of a batch can fail without the rest. A
    /// failed rollback is logged and `work`'s own result returned (a connection left in a
    /// broken transaction fails its next statement, and the pool discards it).
    pub fn savepoint<'a, R, F>(
        &'a mut self,
        keep: bool,
        work: F,
    ) -> impl Future<Output = AppResult<R>> + Send + 'a
    where
        for<'c> F: AsyncFnOnce(&'c mut Conn) -> AppResult<R>
            + TxFn<&'c mut Conn, AppResult<R>, Fut: Send>
            + Send
            + 'a,
        R: Send + 'a,
    {
        self.run(keep, None, work)
    }

    /// [`Conn::savepoint`], naming `actor` to the audit trail first when it opens a transaction.
    #[allow(clippy::manual_async_fn)]
    fn run<'a, R, F>(
        &'a mut self,
        keep: bool,
        actor: Option<audit::Actor>,
        work: F,
    ) -> impl Future<Output = AppResult<R>> + Send + 'a
    where
        for<'c> F: AsyncFnOnce(&'c mut Conn) -> AppResult<R>
            + TxFn<&'c mut Conn, AppResult<R>, Fut: Send>
            + Send
            + 'a,
        R: Send + 'a,
    {
        async move {
            // Inside a transaction diesel's transaction manager makes these SAVEPOINT, RELEASE
            // SAVEPOINT and ROLLBACK TO SAVEPOINT.
            self.begin().await?;
            let named = match actor {
                Some(actor) => audit::name(self, actor).await,
                None => Ok(()),
            };
            let result = match named {
                Ok(()) => work(self).await,
                Err(error) => Err(error),
            };
            if keep && result.is_ok() {
                self.commit().await?;
            } else if let Err(rollback_error) = self.rollback().await {
                tracing::warn!(%rollback_error, "rollback failed");
            }
            result
        }
    }

    async fn begin(&mut self) -> diesel::QueryResult<()> {
        match self.backend() {
            Backend::Postgres(c) => begin(c).await,
            Backend::Sqlite(c) => begin(c).await,
        }
    }

    async fn commit(&mut self) -> diesel::QueryResult<()> {
        match self.backend() {
            Backend::Postgres(c) => commit(c).await,
            Backend::Sqlite(c) => commit(c).await,
        }
    }

    async fn rollback(&mut self) -> diesel::QueryResult<()> {
        match self.backend() {
            Backend::Postgres(c) => rollback(c).await,
            Backend::Sqlite(c) => rollback(c).await,
        }
    }
}

async fn begin<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::begin_transaction(c).await
}

async fn commit<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::commit_transaction(c).await
}

async fn rollback<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::rollback_transaction(c).await
}

/// An async closure whose future is `Send`; lets `Db::transaction` promise a `Send` future
/// (the same device diesel-async uses for its own `transaction`).
pub trait TxFn<T, R>: AsyncFnOnce(T) -> R + FnOnce(T) -> <Self as TxFn<T, R>>::Fut {
    type Fut: Future<Output = R>;
}

impl<F, T, Fut, R> TxFn<T, R> for F
where
    F: AsyncFnOnce(T) -> R + FnOnce(T) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}

impl Db {
    /// Opens a pool for `url` (`postgres://…`, or an SQLite file path, optionally `sqlite://`).
    pub async fn connect(url: &str, options: DbOptions) -> anyhow::Result<Self> {
        let pools = match BackendKind::of_url(url) {
            BackendKind::Postgres => Pools::Postgres {
                pool: postgres_pool(url, &options)?,
                url: url.to_owned(),
            },
            BackendKind::Sqlite => Pools::Sqlite {
                pool: sqlite_pool(url, &options)?,
                writer: Arc::new(Mutex::new(())),
            },
        };
        let db = Self {
            pools: Arc::new(pools),
            audit: audit::Actor::System,
        };
        db.ping()
            .await
            .map_err(|e| anyhow::anyhow!("cannot reach the database: {}", e.message()))?;
        Ok(db)
    }

    /// The same database, with `user` (none: the server itself) named as the actor of what
    /// this handle's transactions change.
    pub fn acting_as(&self, user: Option<crate::ids::UserId>) -> Self {
        Self {
            pools: Arc::clone(&self.pools),
            audit: user.map_or(audit::Actor::System, audit::Actor::User),
        }
    }

    /// The same database, writing no audit entries (the demo seed's generated history).
    pub fn unaudited(&self) -> Self {
        Self {
            pools: Arc::clone(&self.pools),
            audit: audit::Actor::Unaudited,
        }
    }

    pub fn kind(&self) -> BackendKind {
        match &*self.pools {
            Pools::Postgres { .. } => BackendKind::Postgres,
            Pools::Sqlite { .. } => BackendKind::Sqlite,
        }
    }

    /// The URL of a PostgreSQL database, for a connection outside the pool.
    pub fn postgres_url(&self) -> Option<&str> {
        match &*self.pools {
            Pools::Postgres { url, .. } => Some(url),
            Pools::Sqlite { .. } => None,
        }
    }

    /// A connection for reading. Reads never wait for the SQLite writer (WAL).
    pub async fn conn(&self) -> AppResult<Conn> {
        Ok(match &*self.pools {
            Pools::Postgres { pool, .. } => Conn::Postgres(pool.get().await?),
            Pools::Sqlite { pool, .. } => Conn::Sqlite(pool.get().await?, None),
        })
    }

    async fn write_conn(&self) -> AppResult<Conn> {
        Ok(match &*self.pools {
            Pools::Postgres { pool, .. } => Conn::Postgres(pool.get().await?),
            Pools::Sqlite { pool, writer } => {
                let guard = Arc::clone(writer).lock_owned().await;
                Conn::Sqlite(pool.get().await?, Some(guard))
            }
        })
    }

    /// Runs `work` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    /// A connection dropped mid-transaction (cancelled request) is discarded by the pool.
    // Written out (not `async fn`) to promise a `Send` future to every resolver.
    #[allow(clippy::manual_async_fn)]
    pub fn transaction<'a, R, F>(
        &'a self,
        work: F,
    ) -> impl Future<Output = AppResult<R>> + Send + 'a
    where
        for<'c> F: AsyncFnOnce(&'c mut Conn) -> AppResult<R>
            + TxFn<&'c mut Conn, AppResult<R>, Fut: Send>
            + Send
            + 'a,
        R: Send + 'a,
    {
        async move {
            let mut conn = self.write_conn().await?;
            conn.run(true, Some(self.audit), work).await
        }
    }

    /// `SELECT 1` on a pooled connection: the readiness check.
    pub async fn ping(&self) -> AppResult<()> {
        let mut conn = self.conn().await?;
        with_conn!(conn, |c| c.batch_execute("SELECT 1").await)?;
        Ok(())
    }
}

fn postgres_pool(url: &str, options: &DbOptions) -> anyhow::Result<Pool<PgConn>> {
    let counter = options.statement_counter.clone();
    let mut config = ManagerConfig::<PgConn>::default();
    // No `SELECT 1` on every checkout (it would double the statements of a request): a closed
    // connection is still detected and replaced by the pool's broken-connection check.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |url| {
        let counter = counter.clone();
        async move {
            let mut conn = PgConn::establish(url).await?;
            if let Some(counter) = counter {
                conn.set_instrumentation(counter.instrumentation());
            }
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(options.pool_size.max(1))
        .wait_timeout(Some(options.pool_wait))
        .create_timeout(Some(options.pool_wait))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the PostgreSQL pool")
}

/// The file path of an SQLite URL (`sqlite://data/x.db`, `sqlite:x.db` or a plain path).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Creates the directory an SQLite file lives in.
pub fn create_parent_dir(path: &str) -> anyhow::Result<()> {
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the data directory {}", dir.display())),
        _ => Ok(()),
    }
}

/// `busy_timeout` comes first: a connection opened while another one recovers the WAL index
/// must wait for it rather than fail the request.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";

fn sqlite_pool(url: &str, options: &DbOptions) -> anyhow::Result<Pool<SqliteConn>> {
    let path = sqlite_path(url).to_owned();
    create_parent_dir(&path)?;
    let counter = options.statement_counter.clone();
    let mut config = ManagerConfig::<SqliteConn>::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |path| {
        let counter = counter.clone();
        let path = path.to_owned();
        async move {
            let mut conn = SqliteConn::establish(&path).await?;
            conn.batch_execute(SQLITE_PRAGMAS)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            if let Some(counter) = counter {
                conn.set_instrumentation(counter.instrumentation());
            }
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(path, config);
    Pool::builder(manager)
        .max_size(options.pool_size.max(1))
        .wait_timeout(Some(options.pool_wait))
        .create_timeout(Some(options.pool_wait))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the SQLite pool")
}
