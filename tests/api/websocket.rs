//! graphql-transport-ws as specified: misuse closes the socket with the protocol's codes, a
//! failed request answers `error`, and shutting down closes subscribers with 1001; and the
//! server's deadlines: a request's headers, and the drain after shutdown begins.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::support::TestApp;
use crate::support::ws::{self, closed, open, send};

const INIT: &str = r#"{"type":"connection_init"}"#;
const STAGES: &str = r#"{"id":"1","type":"subscribe","payload":{"query":"subscription { contactStageChanged { toStep { name } } }"}}"#;

async fn acknowledged(socket: &mut ws::Socket) {
    send(socket, INIT).await;
    let ack = ws::next(socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misuse_of_the_protocol_closes_the_socket_with_its_code() {
    let app = TestApp::sqlite().await;
    let (address, _server) = app.serve().await;

    let mut socket = open(address).await;
    send(&mut socket, STAGES).await;
    assert_eq!(
        closed(&mut socket, 5).await,
        (4401, "Unauthorized".to_owned()),
        "subscribe before connection_init"
    );

    let mut socket = open(address).await;
    acknowledged(&mut socket).await;
    send(&mut socket, STAGES).await;
    send(&mut socket, STAGES).await;
    assert_eq!(
        closed(&mut socket, 5).await,
        (4409, "Subscriber for 1 already exists".to_owned())
    );

    let mut socket = open(address).await;
    acknowledged(&mut socket).await;
    send(&mut socket, INIT).await;
    assert_eq!(
        closed(&mut socket, 5).await.0,
        4429,
        "a second connection_init"
    );

    for message in [
        "{not json",
        r#"{"type":"shout"}"#,
        r#"{"type":"subscribe","id":"2"}"#,
    ] {
        let mut socket = open(address).await;
        acknowledged(&mut socket).await;
        send(&mut socket, message).await;
        let (code, reason) = closed(&mut socket, 5).await;
        assert_eq!(code, 4400, "{message}: {reason}");
        assert!(reason.starts_with("Invalid message received"), "{reason}");
    }

    // The test server waits 1 s for connection_init (RAPPORT_WS_INIT_TIMEOUT_SECS).
    let mut socket = open(address).await;
    assert_eq!(
        closed(&mut socket, 5).await,
        (4408, "Connection initialisation timeout".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_subscription_answers_an_error_message_and_the_socket_stays_open() {
    let app = TestApp::sqlite().await;
    let (address, _server) = app.serve().await;
    let mut socket = open(address).await;
    acknowledged(&mut socket).await;
    send(
        &mut socket,
        r#"{"id":"1","type":"subscribe","payload":{"query":"subscription { noSuchField }"}}"#,
    )
    .await;
    let error = ws::next(&mut socket).await;
    assert_eq!(
        (&error["type"], &error["id"]),
        (&json!("error"), &json!("1")),
        "{error}"
    );
    let errors = error["payload"].as_array().expect("a list of errors");
    assert!(
        errors[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("noSuchField")),
        "{error}"
    );

    // The id is free again, and the socket still answers.
    send(&mut socket, STAGES).await;
    send(&mut socket, r#"{"type":"ping"}"#).await;
    let pong: Value = ws::next(&mut socket).await;
    assert_eq!(pong["type"], "pong", "{pong}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_closes_subscribers_with_going_away() {
    let app = TestApp::sqlite().await;
    let (address, server) = app.serve().await;
    let mut socket = open(address).await;
    acknowledged(&mut socket).await;
    send(&mut socket, STAGES).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.shutdown.cancel();
    assert_eq!(closed(&mut socket, 5).await.0, 1001);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops once its sockets are closed")
        .expect("the server task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stalls_cannot_keep_the_server_alive() {
    let app = TestApp::sqlite().await;
    let deadlines = rapport::http::Deadlines {
        header_read: Duration::from_secs(1),
        grace: Duration::from_secs(1),
    };
    let (address, server) = app.serve_within(deadlines).await;

    // Headers that never end: the connection is closed after the header deadline.
    let mut slow = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: rapport\r\n")
        .await
        .expect("write");
    let mut buffer = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buffer))
        .await
        .expect("the server gives up on the headers");
    assert!(
        read.is_err() || read.is_ok_and(|n| n == 0 || buffer[..n].starts_with(b"HTTP/1.1 408"))
    );

    // A body that never comes: shutdown waits for it only as long as the grace period.
    let mut stalled = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let head = "POST /graphql HTTP/1.1\r\nHost: rapport\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"query\":";
    stalled.write_all(head.as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops after its grace period")
        .expect("the server task");
}
