//! Private PostgreSQL databases for tests, cloned from one migrated template per schema version.

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use tokio::sync::OnceCell;

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The server URL from `TEST_DATABASE_URL`, or `None` to skip (outside CI only).
fn server_url() -> Option<url::Url> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(raw) if !raw.trim().is_empty() => {
            Some(url::Url::parse(&raw).expect("TEST_DATABASE_URL is a URL"))
        }
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set but TEST_DATABASE_URL is not: the PostgreSQL tests cannot be skipped")
        }
        _ => None,
    }
}

fn with_database(server: &url::Url, name: &str) -> String {
    let mut url = server.clone();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

async fn admin(server: &url::Url) -> AsyncPgConnection {
    AsyncPgConnection::establish(server.as_str())
        .await
        .expect("connect to TEST_DATABASE_URL")
}

/// A fingerprint of the migrations, so a template is rebuilt exactly when they change.
fn schema_version() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(&file)
            .expect("read migration")
            .hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn template(server: &url::Url) -> String {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("rapport_tpl_{}", schema_version());
            let mut conn = admin(server).await;
            let exists = diesel_async::RunQueryDsl::get_result::<i64>(
                diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
                    "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
                )),
                &mut conn,
            )
            .await
            .expect("query pg_database");
            if exists == 0 {
                // Build under a temporary name and rename: a half-built template never counts.
                let building = format!("{name}_{}", std::process::id());
                conn.batch_execute(&format!("DROP DATABASE IF EXISTS {building}"))
                    .await
                    .expect("drop stale");
                conn.batch_execute(&format!("CREATE DATABASE {building}"))
                    .await
                    .expect("create template");
                rapport::db::migrate::run_pending(&with_database(server, &building))
                    .await
                    .expect("migrate template");
                conn.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .await
                    .expect("rename template");
            }
            name
        })
        .await
        .clone()
}

pub struct TestDatabase {
    pub url: String,
    name: String,
    server: url::Url,
}

impl TestDatabase {
    /// A database cloned from the migrated template.
    pub async fn create() -> Option<Self> {
        let server = server_url()?;
        let template = template(&server).await;
        Self::create_from(server, &template).await
    }

    /// A database without any table.
    pub async fn create_empty() -> Option<Self> {
        Self::create_from(server_url()?, "template0").await
    }

    async fn create_from(server: url::Url, template: &str) -> Option<Self> {
        let name = format!(
            "rapport_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let mut conn = admin(&server).await;
        // Cloning needs the template to have no other sessions; retry briefly if one lingers.
        let mut attempts = 0;
        loop {
            match conn
                .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .await
            {
                Ok(()) => break,
                Err(_) if attempts < 20 => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(error) => panic!("create test database: {error}"),
            }
        }
        Some(Self {
            url: with_database(&server, &name),
            name,
            server,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let server = self.server.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; a separate thread with its own runtime can block.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut conn) = AsyncPgConnection::establish(server.as_str()).await {
                    let _ = conn
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}
