//! The test application: the real router over a private database, driven without a socket.
//!
//! Every `api_test!` runs twice: on a fresh SQLite file, and on PostgreSQL when
//! `TEST_DATABASE_URL` is set (each test in its own database cloned from a migrated template).
//! With `CI` set, a missing `TEST_DATABASE_URL` fails the PostgreSQL half instead of skipping it.

pub mod fixtures;
pub mod idp;
pub mod imports;
pub mod postgres;
pub mod proxy;
mod reference;
pub mod snapshots;
pub mod uploads;
pub mod ws;

pub use fixtures::{Address, ContactBuilder, Step, TemplateBuilder, id_number};
pub use snapshots::snapshot_settings;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use rapport::config::HttpSettings;
use rapport::db::{Db, DbOptions, StatementCounter, migrate};
use rapport::documents::DocumentStorage;
use rapport::http::{Access, AppState, router};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// Declares a test that runs on each backend: `api_test!(async fn name(app) { ... });`
#[macro_export]
macro_rules! api_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = $crate::support::TestApp::sqlite().await;
                $body
            }

            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some($app) = $crate::support::TestApp::postgres().await else {
                    return;
                };
                $body
            }
        }
    };
}

pub struct TestApp {
    pub router: Router,
    /// Cancelling it shuts down what [`TestApp::serve`] serves (as SIGTERM does a server).
    pub shutdown: tokio_util::sync::CancellationToken,
    pub db: Db,
    /// The database's URL, without the proxy when there is one.
    pub url: String,
    pub statements: StatementCounter,
    /// Document bytes: files under `documents_dir` unless a test swapped the store.
    pub documents: DocumentStorage,
    pub documents_dir: tempfile::TempDir,
    reference: tokio::sync::OnceCell<reference::Reference>,
    _storage: Storage,
}

enum Storage {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] postgres::TestDatabase),
    /// Another app's database, kept by that app.
    Borrowed,
}

/// The browser origin the test apps allow cross-site (`RAPPORT_CORS_ORIGINS`).
pub const ALLOWED_ORIGIN: &str = "https://app.rapport.test";

impl TestApp {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("rapport.sqlite3").display().to_string();
        migrate::run_pending(&url).await.expect("migrate SQLite");
        Self::start(&url, Storage::Sqlite(dir)).await
    }

    pub async fn postgres() -> Option<Self> {
        let database = postgres::TestDatabase::create().await?;
        let url = database.url.clone();
        Some(Self::start(&url, Storage::Postgres(database)).await)
    }

    /// An app on PostgreSQL whose connections go through a [`proxy::Proxy`] that can cut them.
    pub async fn postgres_behind_proxy() -> Option<(Self, proxy::Proxy)> {
        let database = postgres::TestDatabase::create().await?;
        let mut url = url::Url::parse(&database.url).expect("database URL");
        let host = url.host_str().unwrap_or("127.0.0.1").to_owned();
        let target = tokio::net::lookup_host((host.as_str(), url.port().unwrap_or(5432)))
            .await
            .expect("resolve")
            .next()
            .expect("an address");
        let proxy = proxy::Proxy::start(target).await;
        url.set_host(Some("127.0.0.1")).expect("host");
        url.set_port(Some(proxy.address.port())).expect("port");
        let direct = database.url.clone();
        let mut app = Self::start(url.as_str(), Storage::Postgres(database)).await;
        app.url = direct;
        Some((app, proxy))
    }

    async fn start(url: &str, storage: Storage) -> Self {
        let statements = StatementCounter::default();
        let options = DbOptions {
            pool_size: 4,
            statement_counter: Some(statements.clone()),
            ..DbOptions::default()
        };
        let db = Db::connect(url, options).await.expect("connect");
        let documents_dir = tempfile::tempdir().expect("temp dir");
        let documents = DocumentStorage::open(
            None,
            documents_dir.path(),
            Self::settings().max_upload_bytes,
        )
        .expect("document store");
        let state = AppState::new(
            db.clone(),
            Self::settings(),
            documents.clone(),
            test_access(),
        );
        let shutdown = state.shutdown.clone();
        Self {
            router: router(state),
            shutdown,
            db,
            url: url.to_owned(),
            statements,
            documents,
            documents_dir,
            reference: tokio::sync::OnceCell::new(),
            _storage: storage,
        }
    }

    /// A second server on this app's database, as another process behind the same load
    /// balancer would be (its own pool, channel and router); `self` must outlive it.
    pub async fn beside(&self) -> Self {
        Self::start(&self.url, Storage::Borrowed).await
    }

    /// The same app with its document bytes in `store` (e.g. one that fails on purpose).
    pub fn with_document_store(
        mut self,
        store: std::sync::Arc<dyn object_store::ObjectStore>,
    ) -> Self {
        self.documents = DocumentStorage::new(store, Self::settings().max_upload_bytes);
        self.rebuilt_with(test_access())
    }

    /// Every file in the default document directory (bytes nobody may have left behind).
    pub fn stored_files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.documents_dir.path().join("documents"), &mut found);
        found
    }

    /// The server's defaults, with a 1 MiB document limit so oversize uploads stay cheap, one
    /// allowed cross-site origin and a 1 s wait for a WebSocket's `connection_init`.
    pub fn settings() -> HttpSettings {
        HttpSettings {
            max_upload_bytes: 1024 * 1024,
            cors_origins: vec![ALLOWED_ORIGIN.to_owned()],
            ws_init_timeout: std::time::Duration::from_secs(1),
            ..HttpSettings::default()
        }
    }

    /// Sends any request through the router.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            bytes,
        }
    }

    /// POSTs a GraphQL request as JSON.
    pub async fn graphql(&self, query: &str, variables: Value) -> Gql {
        let body = json!({ "query": query, "variables": variables });
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        Gql::from(self.send(request).await)
    }

    /// POSTs a GraphQL request and returns its `data`, failing on any error.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        self.graphql(query, variables).await.data()
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// A GraphQL response body with helpers for the error model.
#[derive(Debug)]
pub struct Gql {
    pub status: StatusCode,
    pub body: Value,
}

impl From<TestResponse> for Gql {
    fn from(response: TestResponse) -> Self {
        Self {
            status: response.status,
            body: response.json(),
        }
    }
}

impl Gql {
    pub fn data(self) -> Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {:#}",
            self.body
        );
        self.body["data"].clone()
    }

    /// The only error of the response.
    pub fn error(&self) -> &Value {
        let errors = self.body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("expected errors: {:#}", self.body));
        assert_eq!(errors.len(), 1, "expected one error: {:#}", self.body);
        &errors[0]
    }

    pub fn code(&self) -> &str {
        self.error()["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("error without a code: {:#}", self.body))
    }

    /// The field a CONFLICT error names, e.g. the `email` another user already has.
    pub fn conflict_field(&self) -> &str {
        assert_eq!(self.code(), "CONFLICT", "{:#}", self.body);
        self.error()["extensions"]["field"]
            .as_str()
            .unwrap_or_else(|| panic!("a CONFLICT without a field: {:#}", self.body))
    }

    /// `(path, code)` of every invalid field of a BAD_USER_INPUT error, sorted by path.
    pub fn fields(&self) -> Vec<(String, String)> {
        assert_eq!(self.code(), "BAD_USER_INPUT", "{:#}", self.body);
        let mut fields: Vec<(String, String)> = self.error()["extensions"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap_or_default().to_owned(),
                    f["code"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        fields.sort();
        fields
    }
}

/// Builds `[("path", "CODE"), ...]` for comparing with [`Gql::fields`].
pub fn fields(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = expected
        .iter()
        .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
        .collect();
    fields.sort();
    fields
}

impl TestApp {
    /// Runs raw SQL, for arranging rows no mutation can create yet.
    pub async fn exec_sql(&self, sql: &str) {
        use diesel_async::SimpleAsyncConnection as _;
        let mut conn = self.db.conn().await.expect("connection");
        rapport::with_conn!(conn, |c| c.batch_execute(sql).await).expect("execute SQL");
    }

    /// Runs a GraphQL request directly on the schema as `viewer` (HTTP always runs as the
    /// local administrator until authentication exists).
    pub async fn graphql_as(
        &self,
        viewer: rapport::viewer::Viewer,
        query: &str,
        variables: Value,
    ) -> Value {
        let settings = rapport::schema::ApiSettings {
            documents: self.documents.clone(),
            ..Default::default()
        };
        let schema = rapport::schema::schema(self.db.clone(), settings);
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        let response = rapport::schema::execute(&schema, request, &self.db, viewer).await;
        serde_json::to_value(response).expect("response serialises")
    }
}

impl TestApp {
    /// `SELECT count(*) FROM <from_where>`, for checking rows no query exposes.
    pub async fn count(&self, from_where: &str) -> i64 {
        use diesel_async::RunQueryDsl as _;
        let mut conn = self.db.conn().await.expect("connection");
        let sql = format!("SELECT count(*) FROM {from_where}");
        rapport::with_conn!(conn, |c| diesel::dsl::sql::<diesel::sql_types::BigInt>(
            &sql
        )
        .get_result::<i64>(c)
        .await)
        .expect("count")
    }
}

impl TestApp {
    /// The same app with requests authenticated by `access`.
    pub fn with_access(self, access: Access) -> Self {
        self.rebuilt_with(access)
    }

    /// Rebuilds the router over the same database and document store.
    fn rebuilt_with(mut self, access: Access) -> Self {
        let state = AppState::new(
            self.db.clone(),
            Self::settings(),
            self.documents.clone(),
            access,
        );
        self.shutdown = state.shutdown.clone();
        self.router = router(state);
        self
    }

    /// POSTs a GraphQL request as JSON with `Authorization: Bearer <token>`.
    pub async fn graphql_with(&self, token: &str, query: &str, variables: Value) -> TestResponse {
        let body = json!({ "query": query, "variables": variables });
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

    /// A token made the way `rapport token create` makes it (creating a tenant-wide ADMIN when
    /// no user has the email).
    pub async fn cli_token(&self, email: &str) -> String {
        rapport::auth::bootstrap::create_token(&self.db, email, "test", false, None)
            .await
            .expect("token created")
            .secret
    }
}

/// Local access (no credentials required) with a fixed signing key, so URLs signed before an
/// app switches to required credentials still verify after.
pub fn test_access() -> Access {
    Access {
        signer: rapport::documents::UrlSigner::new(&[1u8; 32]).expect("key"),
        ..Access::default()
    }
}
