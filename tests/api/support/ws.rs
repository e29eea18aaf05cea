//! graphql-transport-ws clients against the real router served on a loopback port.

use std::net::SocketAddr;

use futures_util::SinkExt as _;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use super::TestApp;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl TestApp {
    /// Serves the router on a free loopback port until `handle` is aborted or the test ends.
    pub async fn serve(&self) -> (SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let router = self.router.clone();
        let handle = tokio::spawn(async move { axum::serve(listener, router).await });
        (address, handle)
    }
}

/// Opens `/graphql/ws` with the graphql-transport-ws protocol and sends `connection_init`
/// (with `payload`, when given).
pub async fn connect(address: SocketAddr, payload: Option<Value>) -> Socket {
    connect_from(address, None, payload).await
}

/// The same, as a browser on a page of `origin` would.
pub async fn connect_from(
    address: SocketAddr,
    origin: Option<&str>,
    payload: Option<Value>,
) -> Socket {
    let mut request = format!("ws://{address}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    if let Some(origin) = origin {
        let origin = origin.parse().expect("header");
        request.headers_mut().insert("origin", origin);
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let init = match payload {
        Some(payload) => json!({ "type": "connection_init", "payload": payload }),
        None => json!({ "type": "connection_init" }),
    };
    socket
        .send(Message::text(init.to_string()))
        .await
        .expect("init");
    socket
}

/// Connects as [`connect`] does, waits for `connection_ack`, and subscribes with id `1`.
pub async fn subscribe(
    address: SocketAddr,
    payload: Option<Value>,
    query: &str,
    variables: Value,
) -> Socket {
    let mut socket = connect(address, payload).await;
    let ack = next(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let start = json!({ "id": "1", "type": "subscribe",
        "payload": { "query": query, "variables": variables } });
    socket
        .send(Message::text(start.to_string()))
        .await
        .expect("subscribe");
    socket
}

/// The next message on `socket` as JSON, within 5 seconds.
pub async fn next(socket: &mut Socket) -> Value {
    use futures_util::StreamExt as _;
    let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await
        .expect("a message within 5 s")
        .expect("the socket is open")
        .expect("a message");
    serde_json::from_str(message.to_text().unwrap_or_default()).expect("JSON")
}
