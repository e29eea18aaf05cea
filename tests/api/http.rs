//! The HTTP surface: GraphQL-over-HTTP status codes and media types, limits, GraphiQL, health.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::api_test;
use crate::support::{ContactBuilder, Gql, TestApp};

fn post(body: impl Into<Body>, content_type: &str, accept: Option<&str>) -> Request<Body> {
    let mut builder = Request::post("/graphql").header(header::CONTENT_TYPE, content_type);
    if let Some(accept) = accept {
        builder = builder.header(header::ACCEPT, accept);
    }
    builder.body(body.into()).expect("request")
}

const MODERN: &str = "application/graphql-response+json, application/json;q=0.9";

api_test!(
    async fn request_errors_have_codes_and_statuses(app) {
        // Parse error: 200 for plain JSON clients, 400 for graphql-response+json clients.
        let body = json!({ "query": "{ companies { id " }).to_string();
        let legacy = app.send(post(body.clone(), "application/json", None)).await;
        assert_eq!(legacy.status, StatusCode::OK);
        assert!(legacy.header("content-type").starts_with("application/json"));
        assert_eq!(Gql::from(legacy).code(), "GRAPHQL_PARSE_FAILED");
        let modern = app.send(post(body, "application/json", Some(MODERN))).await;
        assert_eq!(modern.status, StatusCode::BAD_REQUEST);
        assert!(modern.header("content-type").starts_with("application/graphql-response+json"));

        let invalid = app.graphql("{ companies { nope } }", json!({})).await;
        assert_eq!(invalid.code(), "GRAPHQL_VALIDATION_FAILED");
        assert_eq!(invalid.status, StatusCode::OK);

        let not_json = app.send(post("{oops", "application/json", None)).await;
        assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
        assert_eq!(Gql::from(not_json).code(), "GRAPHQL_PARSE_FAILED");

        let wrong_type = app.send(post("query { x }", "text/plain", None)).await;
        assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

        let nowhere = app
            .send(Request::get("/nowhere").body(Body::empty()).expect("request"))
            .await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
        assert_eq!(Gql::from(nowhere).code(), "NOT_FOUND");
    }
);

api_test!(
    async fn deep_or_alias_heavy_queries_are_refused_before_resolvers_run(app) {
        let mut deep = String::from("id");
        for _ in 0..20 {
            deep = format!("template {{ categories {{ {deep} }} }}");
        }
        let response = app
            .graphql(&format!("{{ lifecycleTemplates {{ categories {{ {deep} }} }} }}"), json!({}))
            .await;
        assert_eq!(response.code(), "QUERY_TOO_COMPLEX");

        let aliases: String = (0..31)
            .map(|i| format!("a{i}: createAccount(input: {{ name: \"A{i}\" }}) {{ id }} "))
            .collect();
        let response = app.graphql(&format!("mutation {{ {aliases} }}"), json!({})).await;
        assert_eq!(response.code(), "QUERY_TOO_COMPLEX");
        let accounts = app.data("{ accounts { id } }", json!({})).await;
        assert_eq!(accounts["accounts"], json!([]), "no resolver ran");

        let wide: String = (0..2100).map(|i| format!("f{i}: __typename ")).collect();
        let response = app.graphql(&format!("{{ {wide} }}"), json!({})).await;
        assert_eq!(response.code(), "QUERY_TOO_COMPLEX");
    }
);

api_test!(
    async fn bodies_over_the_limit_are_refused(app) {
        let padding = "x".repeat(2 * 1024 * 1024);
        let body = json!({ "query": "{ companies { id } }", "variables": { "pad": padding } }).to_string();
        let response = app.send(post(body.clone(), "application/json", None)).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(Gql::from(response).code(), "PAYLOAD_TOO_LARGE");

        // Without a Content-Length the limit still holds while streaming.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
            .into_bytes()
            .chunks(64 * 1024)
            .map(|c| Ok(c.to_vec()))
            .collect();
        let stream = Body::from_stream(futures_util::stream::iter(chunks));
        let response = app.send(post(stream, "application/json", None)).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
);

api_test!(
    async fn get_runs_queries_but_not_mutations(app) {
        let response = app
            .send(
                Request::get("/graphql?query=%7B%20companies%20%7B%20id%20%7D%20%7D")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.json(), json!({ "data": { "companies": [] } }));

        let response = app
            .send(
                Request::get("/graphql?query=mutation%20%7B%20deleteCompany(id%3A%20%22Company%3A1%22)%20%7D")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.header("allow"), "POST");
    }
);

api_test!(
    async fn health_and_readiness(app) {
        let health = app.send(Request::get("/healthz").body(Body::empty()).expect("request")).await;
        assert_eq!(health.status, StatusCode::OK);
        let ready = app.send(Request::get("/readyz").body(Body::empty()).expect("request")).await;
        assert_eq!(ready.status, StatusCode::OK);
        assert_eq!(ready.json()["status"], "ready");
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_is_served_from_embedded_assets() {
    let app = TestApp::sqlite().await;
    let page = app
        .send(
            Request::get("/graphql")
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(
        page.header("content-security-policy")
            .contains("script-src 'self'")
    );
    let html = String::from_utf8_lossy(&page.bytes);
    assert!(!html.contains("https://"), "no CDN references");
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "init.js",
    ] {
        assert!(html.contains(asset), "page loads {asset}");
        let response = app
            .send(
                Request::get(format!("/graphql/assets/{asset}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{asset}");
        assert!(response.bytes.len() > 100, "{asset} is not empty");
        assert_eq!(response.header("x-content-type-options"), "nosniff");
    }
}

/// SIGTERM while a request is in flight: the request completes, then the server exits cleanly.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_in_flight_requests_finish() {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};

    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("RAPPORT_DATA_DIR", dir.path())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "rapport=info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start rapport");
    let stdout = server.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines.next().expect("server output").expect("line");
        if line.contains("listening") {
            break;
        }
    }

    let body = json!({ "query": "{ companies { id } }" }).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .expect("send head");
    stream.flush().expect("flush");
    std::thread::sleep(std::time::Duration::from_millis(300));

    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    std::thread::sleep(std::time::Duration::from_millis(300));

    stream.write_all(tail.as_bytes()).expect("send tail");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"companies\":[]"), "{response}");

    let exit = server.wait().expect("server exits");
    assert!(exit.success(), "clean exit after SIGTERM: {exit:?}");
}

/// Browsers send `Origin`; only the allow-list gets CORS headers.
#[tokio::test]
async fn cross_site_calls_are_allowed_only_from_listed_origins() {
    use crate::support::ALLOWED_ORIGIN;
    let app = TestApp::sqlite().await;
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/graphql")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .body(Body::empty())
            .expect("request")
    };
    let listed = app.send(preflight(ALLOWED_ORIGIN)).await;
    assert_eq!(listed.header("access-control-allow-origin"), ALLOWED_ORIGIN);
    assert!(
        listed
            .header("access-control-allow-headers")
            .contains("authorization")
    );
    let other = app.send(preflight("https://evil.example")).await;
    assert!(other.headers.get("access-control-allow-origin").is_none());

    let mut request = post(
        r#"{"query":"{ companies { id } }"}"#,
        "application/json",
        None,
    );
    request.headers_mut().insert(
        header::ORIGIN,
        "https://evil.example".parse().expect("origin"),
    );
    let answered = app.send(request).await;
    assert!(
        answered
            .headers
            .get("access-control-allow-origin")
            .is_none()
    );
}

/// A page on another site must not reach the API through a user's browser over WebSocket
/// (browsers apply no CORS check to WebSockets); the server's own pages, listed origins and
/// programs without `Origin` may.
#[tokio::test]
async fn websockets_from_pages_of_other_sites_are_closed() {
    use futures_util::StreamExt as _;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    use crate::support::{ALLOWED_ORIGIN, ws};
    let app = TestApp::sqlite().await;
    let (address, _server) = app.serve().await;

    let mut foreign = ws::connect_from(address, Some("https://evil.example"), None).await;
    let message = tokio::time::timeout(std::time::Duration::from_secs(5), foreign.next())
        .await
        .expect("an answer within 5 s")
        .expect("a message")
        .expect("a frame");
    let Message::Close(Some(frame)) = message else {
        panic!("expected a close frame, got {message:?}");
    };
    assert_eq!(frame.code, CloseCode::from(4403));
    assert!(
        frame.reason.contains("https://evil.example"),
        "{}",
        frame.reason
    );

    let own = format!("http://{address}");
    for origin in [Some(own.as_str()), Some(ALLOWED_ORIGIN), None] {
        let mut socket = ws::connect_from(address, origin, None).await;
        let ack = ws::next(&mut socket).await;
        assert_eq!(ack["type"], "connection_ack", "{origin:?}: {ack}");
    }
}

/// A database connection lost under a request (a restart, a proxy dropping it) is
/// `SERVICE_UNAVAILABLE` with HTTP 503 and `Retry-After`, never an internal error; the pool then
/// replaces the connection and requests work again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_database_connection_is_service_unavailable_until_it_is_replaced() {
    let Some((app, proxy)) = TestApp::postgres_behind_proxy().await else {
        return;
    };
    let query = || {
        let body = json!({ "query": "{ contacts(first: 1) { totalCount } }" });
        Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request")
    };
    assert_eq!(app.send(query()).await.status, StatusCode::OK);

    proxy.cut_next_statement();
    let lost = app.send(query()).await;
    assert_eq!(
        lost.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        lost.json()
    );
    assert_eq!(
        lost.headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    let body = lost.json();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{body}"
    );

    let again = app.send(query()).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the pool replaces the lost connection: {}",
        again.json()
    );
}

/// A multipart request without the preflight header is refused before the server reads its
/// upload, and the refusal still reaches a client that goes on sending the body (it used to
/// see only a reset connection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_upload_still_gets_its_answer() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let app = TestApp::sqlite().await;
    let (address, _server) = app.serve().await;
    let boundary = "rapport-boundary";
    // Within the upload limit of the test server (1 MiB): the server reads it all.
    let part = "x".repeat(300 * 1024);
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{{\"query\":\"{{ __typename }}\"}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.txt\"\r\n\r\n{part}{part}{part}\r\n--{boundary}--\r\n"
    );
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut client = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    client.write_all(head.as_bytes()).await.expect("head");
    // The body follows in pieces after the server has had time to answer; a client such as
    // Node's fetch gives up at the first failed write and never reads the answer.
    for (n, piece) in body.as_bytes().chunks(128 * 1024).enumerate() {
        if n == 1 {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        client
            .write_all(piece)
            .await
            .expect("the server reads the whole body");
    }
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        client.read_to_end(&mut answer),
    )
    .await
    .expect("an answer within 5 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        read.is_ok(),
        "the connection was reset: {read:?}, after {answer:?}"
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("Apollo-Require-Preflight"), "{answer}");
}

/// A text's SHA-256 in lower-case hex, as persisted queries name it.
fn sha256(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Automatic persisted queries as Apollo's client sends them: the hash alone first, then (on
/// PERSISTED_QUERY_NOT_FOUND) the text with its hash, then the hash alone again, by POST or GET.
#[tokio::test]
async fn persisted_queries_run_by_their_hash_once_registered() {
    let app = TestApp::sqlite().await;
    let query = "{ contacts(first: 1) { totalCount } }";
    let hash = sha256(query);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let post = |body: serde_json::Value| {
        Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request")
    };
    let code = |body: &serde_json::Value| body["errors"][0]["extensions"]["code"].clone();
    let by_get = |extensions: &serde_json::Value| {
        let encoded: String =
            url::form_urlencoded::byte_serialize(extensions.to_string().as_bytes()).collect();
        Request::get(format!("/graphql?extensions={encoded}"))
            .body(Body::empty())
            .expect("request")
    };

    let unknown = app
        .send(post(json!({ "extensions": extensions })))
        .await
        .json();
    assert_eq!(code(&unknown), "PERSISTED_QUERY_NOT_FOUND", "{unknown}");

    let registered = app
        .send(post(json!({ "query": query, "extensions": extensions })))
        .await
        .json();
    assert_eq!(
        registered["data"]["contacts"]["totalCount"], 0,
        "{registered}"
    );

    let by_hash = app
        .send(post(json!({ "extensions": extensions })))
        .await
        .json();
    assert_eq!(by_hash["data"]["contacts"]["totalCount"], 0, "{by_hash}");
    let fetched = app.send(by_get(&extensions)).await.json();
    assert_eq!(fetched["data"]["contacts"]["totalCount"], 0, "{fetched}");

    // A text that is not the hash's is refused.
    let wrong = app
        .send(post(
            json!({ "query": "{ __typename }", "extensions": extensions }),
        ))
        .await
        .json();
    assert_eq!(code(&wrong), "GRAPHQL_PARSE_FAILED", "{wrong}");

    // A registered mutation does not run by GET.
    let mutation =
        "mutation { createCompany(input: { name: \"Archway\", code: \"ARCH\" }) { id } }";
    let hash = sha256(mutation);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let created = app
        .send(post(json!({ "query": mutation, "extensions": extensions })))
        .await
        .json();
    assert!(created["errors"].is_null(), "{created}");
    let refused = app.send(by_get(&extensions)).await.json();
    assert_eq!(code(&refused), "GRAPHQL_VALIDATION_FAILED", "{refused}");
    assert_eq!(
        app.count("companies").await,
        1,
        "the mutation ran once, by POST"
    );
}

// Response keys come in the order the query selected them, on every request (async-graphql
// alone keeps the order in which fields finish resolving).
api_test!(
    async fn response_keys_follow_the_selection_order(app) {
        for name in ["Ada", "Bob", "Cyd"] {
            ContactBuilder::new(name).email(&format!("{}@archway.test", name.to_lowercase())).create_id(&app).await;
        }
        let query = "{ contacts(first: 3) { totalCount nodes { name id status primaryEmail { email } createdAt } pageInfo { hasNextPage } } __typename }";
        let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(query) } });
        // The text, then (registered by the first of these) a persisted query's hash alone.
        let bodies = [json!({ "query": query }), json!({ "query": query, "extensions": persisted })]
            .into_iter()
            .cycle()
            .take(5)
            .chain(std::iter::repeat_n(json!({ "extensions": persisted }), 5));
        for body in bodies {
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request");
            let body = String::from_utf8(app.send(request).await.bytes).expect("UTF-8");
            let at = |key: &str| body.find(key).unwrap_or_else(|| panic!("{key} in {body}"));
            assert!(at("\"contacts\"") < at("\"__typename\""), "{body}");
            assert!(at("\"totalCount\"") < at("\"nodes\"") && at("\"nodes\"") < at("\"pageInfo\""), "{body}");
            assert!(at("\"name\"") < at("\"id\"") && at("\"id\"") < at("\"status\""), "{body}");
            assert!(at("\"primaryEmail\"") < at("\"createdAt\""), "{body}");
        }
    }
);

/// GraphQL over HTTP's finer points: request errors carry no `data`, a request without a query
/// or with string variables is a 400 in plain words, an error answer has the media type the
/// client accepts, and a program asking `GET /graphql` for JSON gets JSON.
#[tokio::test]
async fn malformed_requests_get_plain_answers_in_the_accepted_media_type() {
    let app = TestApp::sqlite().await;
    let modern = "application/graphql-response+json";
    let post = |body: &str, accept: &str| {
        Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, accept)
            .body(Body::from(body.to_owned()))
            .expect("request")
    };
    let media = |response: &crate::support::TestResponse| {
        response
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };

    let misspelt = app
        .send(post(r#"{"qeury": "{ __typename }"}"#, modern))
        .await;
    assert_eq!(misspelt.status, StatusCode::BAD_REQUEST);
    let body = misspelt.json();
    assert_eq!(
        body["errors"][0]["message"], "the request has no `query`",
        "{body}"
    );
    assert!(
        body.get("data").is_none(),
        "a request error has no data: {body}"
    );
    assert!(media(&misspelt).starts_with(modern), "{}", media(&misspelt));

    let string_variables = app
        .send(post(
            r#"{"query": "{ __typename }", "variables": "{}"}"#,
            "application/json",
        ))
        .await;
    assert_eq!(string_variables.status, StatusCode::BAD_REQUEST);
    let message = string_variables.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("`variables` (an object)") && !message.contains("untagged"),
        "{message}"
    );

    let invalid = app.send(post("{bad json", modern)).await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert!(media(&invalid).starts_with(modern), "{}", media(&invalid));
    assert!(
        invalid.json()["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("the body is not valid JSON"))
    );

    let parse_error = app.send(post(r#"{"query": "{ contacts("}"#, modern)).await;
    assert_eq!(parse_error.status, StatusCode::BAD_REQUEST);
    assert!(
        parse_error.json().get("data").is_none(),
        "{}",
        parse_error.json()
    );

    let get = Request::get("/graphql")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .expect("request");
    let get = app.send(get).await;
    assert_eq!(get.status, StatusCode::BAD_REQUEST);
    assert!(
        media(&get).starts_with("application/json"),
        "{}",
        media(&get)
    );
    let page = Request::get("/graphql")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .expect("request");
    let page = app.send(page).await;
    assert!(
        media(&page).starts_with("text/html"),
        "browsers still get GraphiQL"
    );
}

// A nullable field whose resolver fails is in `data` as `null`, beside its error (async-graphql
// alone leaves it out).
api_test!(
    async fn a_failed_nullable_field_is_null_beside_its_error(app) {
        let body = app.graphql("{ first: node(id: \"not-an-id\") { id } __typename }", json!({})).await.body;
        assert_eq!(body["errors"][0]["path"], json!(["first"]), "{body}");
        let data = body["data"].as_object().expect("data");
        assert!(data.contains_key("first"), "{body}");
        assert_eq!(data["first"], serde_json::Value::Null);
        assert_eq!(data["__typename"], "Query");
    }
);
