//! The HTTP surface: GraphQL over HTTP (POST and GET), the offline GraphiQL page, health checks.
//! Every error body is a GraphQL response whose errors carry `extensions.code`.

use std::time::Duration;

use async_graphql::http::MultipartOptions;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{ParseRequestError, ServerError};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::TryStreamExt as _;
use tokio_util::compat::TokioAsyncReadCompatExt as _;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::auth::Authenticator;
use crate::config::HttpSettings;
use crate::db::Db;
use crate::documents::{self, DocumentStorage, UrlSigner};
use crate::error::ErrorCode;
use crate::ids::{self, DocumentId, TypedId as _};
use crate::schema::{self, Api};
use crate::viewer::Viewer;

mod serve;
mod ws;

pub use serve::{Deadlines, serve};

/// Room for the multipart envelope around an upload of the maximum size.
const MULTIPART_OVERHEAD: usize = 64 * 1024;
/// Most files one multipart request may carry.
const MAX_FILES: usize = 10;
/// Headers that make a browser ask before sending a request cross-site (CSRF protection for
/// multipart requests, as GraphQL upload clients send them).
const PREFLIGHT_HEADERS: &[&str] = &["apollo-require-preflight", "x-apollo-operation-name"];

/// How requests are authenticated and document URLs signed.
#[derive(Clone, Default)]
pub struct Access {
    pub auth: Authenticator,
    pub signer: UrlSigner,
}

#[derive(Clone)]
pub struct AppState {
    pub schema: Api,
    pub db: Db,
    pub settings: HttpSettings,
    pub documents: DocumentStorage,
    pub access: Access,
    /// Cancelled when the server starts shutting down: WebSockets then close with 1001.
    pub shutdown: CancellationToken,
}

impl AppState {
    pub fn new(db: Db, settings: HttpSettings, documents: DocumentStorage, access: Access) -> Self {
        Self {
            schema: schema::schema(
                db.clone(),
                schema::ApiSettings {
                    default_phone_region: settings.default_phone_region.clone(),
                    documents: documents.clone(),
                    signer: access.signer.clone(),
                },
            ),
            db,
            settings,
            documents,
            access,
            shutdown: CancellationToken::new(),
        }
    }

    /// The viewer of a request with these headers; an error is the whole answer.
    async fn viewer(&self, headers: &HeaderMap) -> Result<Viewer, Response> {
        self.access
            .auth
            .authenticate(&self.db, header_str(headers, header::AUTHORIZATION))
            .await
            .map_err(|error| app_error_response(&error))
    }
}

pub fn router(state: AppState) -> Router {
    let cors = cors_layer(&state.settings.cors_origins);
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(ws::graphql_ws))
        .route("/graphql/assets/{file}", get(graphiql_asset))
        .route("/documents/{id}", get(download_document))
        .route("/exports/contacts", get(download_export))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(not_found)
        .with_state(state)
        // Bodies are limited per content type in `graphql_post`.
        .layer(DefaultBodyLimit::disable())
        .layer(CatchPanicLayer::custom(|_| {
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalServerError,
                "internal server error",
            )
        }))
        .layer(axum::middleware::from_fn(graphql_response_media))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
}

/// A client that accepts `application/graphql-response+json` gets it for every JSON answer of
/// `/graphql`, refusals included (a batch, invalid JSON, 405, 413), as GraphQL over HTTP asks.
async fn graphql_response_media(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let modern = request.uri().path() == "/graphql"
        && header_str(request.headers(), header::ACCEPT)
            .is_some_and(|accept| accept.contains("application/graphql-response+json"));
    let mut response = next.run(request).await;
    let is_json = header_str(response.headers(), header::CONTENT_TYPE)
        .is_some_and(|media| media.starts_with("application/json"));
    if modern && is_json {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/graphql-response+json; charset=utf-8"),
        );
    }
    response
}

/// Cross-site calls from the configured origins only (none by default).
fn cors_layer(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| match HeaderValue::from_str(origin.trim()) {
            Ok(value) => Some(value),
            Err(_) => {
                tracing::warn!(%origin, "ignoring an invalid CORS origin");
                None
            }
        })
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("apollo-require-preflight"),
            HeaderName::from_static("x-apollo-operation-name"),
        ])
        .max_age(Duration::from_secs(600))
}

async fn graphql_post(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let content_type = header_str(&headers, header::CONTENT_TYPE).map(str::to_owned);
    let multipart = content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let limit = if multipart {
        state.settings.max_upload_bytes + MULTIPART_OVERHEAD
    } else {
        state.settings.max_body_bytes
    };
    // Browsers send a missing type (as text/plain) and multipart forms cross-site without a
    // preflight, so neither may change anything unasked: JSON must say so, and multipart must
    // carry a header only a script allowed by CORS can add.
    if !multipart
        && !content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("application/json"))
    {
        let refusal = error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::GraphqlParseFailed,
            "send application/json or multipart/form-data",
        );
        return after_draining(body, limit, refusal).await;
    }
    if multipart
        && !PREFLIGHT_HEADERS
            .iter()
            .any(|name| headers.contains_key(*name))
    {
        let refusal = error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "multipart requests must carry an Apollo-Require-Preflight (or X-Apollo-Operation-Name) header",
        );
        return after_draining(body, limit, refusal).await;
    }
    if content_length(&headers).is_some_and(|len| len > limit) {
        return after_draining(body, limit, too_large(limit)).await;
    }
    // Before the body is read: nobody unauthenticated makes the server spool an upload.
    let viewer = match state.viewer(&headers).await {
        Ok(viewer) => viewer,
        Err(refusal) => return after_draining(body, limit, refusal).await,
    };

    let limited = http_body_util::Limited::new(body, limit);
    let stream = Body::new(limited)
        .into_data_stream()
        .map_err(std::io::Error::other);
    let reader = tokio_util::io::StreamReader::new(stream).compat();
    let options = MultipartOptions::default()
        .max_file_size(state.settings.max_upload_bytes)
        .max_num_files(MAX_FILES);
    let request = match async_graphql::http::receive_body(content_type, reader, options).await {
        Err(ParseRequestError::PayloadTooLarge) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                &format!(
                    "a file may have at most {} bytes",
                    state.settings.max_upload_bytes
                ),
            );
        }
        Err(ParseRequestError::Io(error)) if is_length_limit(&error) => return too_large(limit),
        parsed => match a_request(parsed) {
            Ok(request) => request,
            Err(why) => return bad_request(&why),
        },
    };
    if request.uploads.len() > MAX_FILES {
        return error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            &format!("a request may carry at most {MAX_FILES} files"),
        );
    }
    execute(&state, request, &headers, viewer, false).await
}

/// A plain sentence for a body that is not a GraphQL request (rather than the parser's words).
fn not_a_request(error: &ParseRequestError) -> String {
    let json = match error {
        ParseRequestError::InvalidRequest(inner) => inner.downcast_ref::<serde_json::Error>(),
        _ => None,
    };
    match json {
        Some(json) if json.is_syntax() || json.is_eof() => {
            format!("the body is not valid JSON ({json})")
        }
        Some(_) => "the request must be a JSON object with `query` (a string) and optionally \
                    `operationName` (a string), `variables` (an object) and `extensions` (an \
                    object)"
            .to_owned(),
        None => format!("the request is not a GraphQL request: {error}"),
    }
}

/// A parsed request with a query (or a persisted query's hash), else what is wrong with it:
/// not a request, or no query (a misspelt `query` key, say).
fn a_request(
    parsed: Result<async_graphql::Request, ParseRequestError>,
) -> Result<async_graphql::Request, String> {
    let request = parsed.map_err(|error| not_a_request(&error))?;
    let has_query =
        !request.query.trim().is_empty() || request.extensions.contains_key("persistedQuery");
    if has_query {
        Ok(request)
    } else {
        Err("the request has no `query`".to_owned())
    }
}

/// A 400 for a request that is not one.
fn bad_request(why: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, ErrorCode::GraphqlParseFailed, why)
}

/// How long a refused request's body is read before its answer goes out regardless.
const DRAIN_WAIT: Duration = Duration::from_secs(5);

/// Answers a request refused before its body was read, after reading and discarding up to
/// `limit` bytes of that body (for at most [`DRAIN_WAIT`]), and closes the connection. A client
/// still sending the body would otherwise fail to write it and never read the answer (Node's
/// fetch reports only a broken connection).
async fn after_draining(body: Body, limit: usize, mut refusal: Response) -> Response {
    use futures_util::StreamExt as _;
    let mut chunks = body.into_data_stream();
    let drain = async {
        let mut read = 0;
        while let Some(Ok(chunk)) = chunks.next().await {
            read += chunk.len();
            if read > limit {
                break;
            }
        }
    };
    // Past the wait, the answer goes out and the rest of the body is the client's problem.
    let _ = tokio::time::timeout(DRAIN_WAIT, drain).await;
    refusal
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    refusal
}

/// GET: a query in the URL (queries only), else the GraphiQL page.
async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    // A persisted query comes by its hash alone (`extensions=`).
    let Some(query) = query.filter(|q| q.contains("query=") || q.contains("extensions=")) else {
        // A browser asks for the page; a program asking for JSON gets an answer it can read.
        let wants_page = header_str(&headers, header::ACCEPT)
            .is_none_or(|accept| accept.contains("text/html") || !accept.contains("json"));
        if wants_page {
            return graphiql_page();
        }
        return error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::GraphqlParseFailed,
            "a GET request needs a `query` parameter (or a persisted query's hash in `extensions`)",
        );
    };
    let viewer = match state.viewer(&headers).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let request = match a_request(async_graphql::http::parse_query_string(&query)) {
        Ok(request) => request,
        Err(why) => return bad_request(&why),
    };
    if is_mutation(&request) {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::GraphqlValidationFailed,
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&state, request, &headers, viewer, true).await
}

/// A document's bytes; `?inline=1` previews PDFs and raster images in the browser. A signed URL
/// (`expires` and `signature`, as `downloadUrl` gives them) needs no Authorization header; a
/// tampered or expired one is 404.
async fn download_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
    };
    let asked = documents::download::Asked {
        inline: matches!(param("inline"), Some("1" | "true")),
        if_none_match: header_str(&headers, header::IF_NONE_MATCH),
        range: header_str(&headers, header::RANGE),
        if_range: header_str(&headers, header::IF_RANGE),
    };
    let no_such_document = || {
        document_error(&crate::error::AppError::not_found(
            DocumentId::TYPE_NAME,
            &id,
        ))
    };
    let viewer = match (param("expires"), param("signature")) {
        (None, None) => match state.viewer(&headers).await {
            Ok(viewer) => viewer,
            Err(response) => return response,
        },
        (Some(expires), Some(signature)) => {
            let now = chrono::Utc::now().timestamp();
            let valid = ids::parse::<DocumentId>(&async_graphql::ID::from(id.as_str()))
                .ok()
                .zip(expires.parse::<i64>().ok())
                .is_some_and(|(document, expires)| {
                    state
                        .access
                        .signer
                        .verify(document, expires, signature, now)
                });
            if !valid {
                return no_such_document();
            }
            // The signature stands for the scope of whoever was given the URL.
            Viewer::local_admin()
        }
        _ => return no_such_document(),
    };
    match documents::download::respond(&state.db, &state.documents, &viewer, &id, asked).await {
        Ok(response) => response,
        Err(error) => document_error(&error),
    }
}

/// An export's file, streamed; the signed URL `exportContacts` gives is all it needs.
async fn download_export(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    crate::exports::download::respond(
        &state.db,
        &state.access.auth,
        &state.access.signer,
        &query.unwrap_or_default(),
    )
    .await
}

/// An error answer for a download: sniffing and scripts are off, as for the bytes themselves.
fn document_error(error: &crate::error::AppError) -> Response {
    let mut response = app_error_response(error);
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(documents::download::CONTENT_SECURITY_POLICY),
    );
    response
}

/// An error raised outside GraphQL (authentication, downloads) as a response with its status.
fn app_error_response(error: &crate::error::AppError) -> Response {
    let status = match error.code() {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = ?error, "answering a request");
    }
    let mut response = error_response(status, error.code(), &error.message());
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false; // reported as a parse error when executed
    };
    match &document.operations {
        DocumentOperations::Single(op) => op.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops
                .get(name.as_str())
                .is_some_and(|op| op.node.ty == OperationType::Mutation),
            None => ops.values().any(|op| op.node.ty == OperationType::Mutation),
        },
    }
}

async fn execute(
    state: &AppState,
    request: async_graphql::Request,
    headers: &HeaderMap,
    viewer: Viewer,
    via_get: bool,
) -> Response {
    let timeout: Duration = state.settings.request_timeout;
    let run = schema::execute_as(&state.schema, request, &state.db, viewer, via_get);
    match tokio::time::timeout(timeout, run).await {
        Ok(response) => graphql_response(response, headers),
        Err(_) => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServiceUnavailable,
            "the request took too long and was cancelled",
        ),
    }
}

/// Renders per the GraphQL-over-HTTP spec: `application/graphql-response+json` when the client
/// accepts it (request errors are then 4xx), else `application/json` with 200.
fn graphql_response(response: async_graphql::Response, headers: &HeaderMap) -> Response {
    let modern = header_str(headers, header::ACCEPT)
        .is_some_and(|accept| accept.contains("application/graphql-response+json"));
    let request_error = response.data == async_graphql::Value::Null
        && response.errors.iter().any(|e| {
            matches!(
                error_code(e),
                Some("GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED" | "QUERY_TOO_COMPLEX")
            )
        });
    let unavailable = response
        .errors
        .iter()
        .any(|e| error_code(e) == Some(ErrorCode::ServiceUnavailable.as_str()));
    let status = if unavailable {
        StatusCode::SERVICE_UNAVAILABLE
    } else if modern && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let media = if modern {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    // A request error (nothing ran) has no `data` at all.
    let nothing_ran = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    if nothing_ran {
        return json_response(
            status,
            media,
            &Errors {
                errors: &response.errors,
            },
        );
    }
    json_response(status, media, &response)
}

/// The body of a request error: `errors` alone.
#[derive(serde::Serialize)]
struct Errors<'a> {
    errors: &'a [ServerError],
}

fn error_code(error: &ServerError) -> Option<&str> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code.as_str()),
        _ => None,
    }
}

/// Seconds a client is asked to wait before retrying a `SERVICE_UNAVAILABLE` answer.
const RETRY_AFTER_SECS: &str = "5";

/// A JSON body; a 503 also says when to retry (`Retry-After`).
fn json_response(
    status: StatusCode,
    media: &'static str,
    body: &impl serde::Serialize,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) if status == StatusCode::SERVICE_UNAVAILABLE => (
            status,
            [
                (header::CONTENT_TYPE, media),
                (header::RETRY_AFTER, RETRY_AFTER_SECS),
            ],
            bytes,
        )
            .into_response(),
        Ok(bytes) => (status, [(header::CONTENT_TYPE, media)], bytes).into_response(),
        Err(error) => {
            tracing::error!(%error, "serialising a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A GraphQL response carrying one request-level error.
pub fn error_response(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    json_response(
        status,
        "application/json; charset=utf-8",
        &Errors { errors: &[error] },
    )
}

fn too_large(limit: usize) -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        &format!("the request body is larger than {limit} bytes"),
    )
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn content_length(headers: &HeaderMap) -> Option<usize> {
    header_str(headers, header::CONTENT_LENGTH).and_then(|len| len.parse().ok())
}

/// Whether a body read failed because it went over the size limit.
fn is_length_limit(error: &std::io::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = error.get_ref().map(|e| e as _);
    while let Some(current) = cause {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = current.source();
    }
    false
}

async fn healthz() -> Response {
    json_response(
        StatusCode::OK,
        "application/json",
        &serde_json::json!({ "status": "ok" }),
    )
}

/// How long `/readyz` waits for the database: a partitioned one must not hang the probe.
const READY_WAIT: Duration = Duration::from_secs(2);

async fn readyz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(READY_WAIT, state.db.ping()).await {
        Ok(Ok(())) => json_response(
            StatusCode::OK,
            "application/json",
            &serde_json::json!({ "status": "ready" }),
        ),
        Ok(Err(_)) | Err(_) => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "application/json",
            &serde_json::json!({ "status": "unavailable", "reason": "database unreachable" }),
        ),
    }
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such route")
}

// ---- GraphiQL, served from assets embedded in the binary --------------------------------------

const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn graphiql_page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, GRAPHIQL_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../assets/graphiql/index.html"),
    )
        .into_response()
}

async fn graphiql_asset(Path(file): Path<String>) -> Response {
    let (media, bytes): (&str, &'static [u8]) = match file.as_str() {
        "graphiql.min.css" => (
            "text/css; charset=utf-8",
            include_bytes!("../../assets/graphiql/graphiql.min.css"),
        ),
        "graphiql.min.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../../assets/graphiql/graphiql.min.js"),
        ),
        "react.production.min.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../../assets/graphiql/react.production.min.js"),
        ),
        "react-dom.production.min.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
        ),
        "init.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../../assets/graphiql/init.js"),
        ),
        _ => return not_found().await,
    };
    (
        [
            (header::CONTENT_TYPE, media),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}
