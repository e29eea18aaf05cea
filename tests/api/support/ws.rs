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
    /// Serves the router on a free loopback port as the server does, until `handle` is aborted,
    /// [`TestApp::shutdown`] is cancelled or the test ends.
    pub async fn serve(&self) -> (SocketAddr, tokio::task::JoinHandle<()>) {
        self.serve_within(rapport::http::Deadlines::default()).await
    }

    /// The same, with other deadlines.
    pub async fn serve_within(
        &self,
        deadlines: rapport::http::Deadlines,
    ) -> (SocketAddr, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let (router, shutdown) = (self.router.clone(), self.shutdown.clone());
        let stop = shutdown.clone().cancelled_owned();
        let handle = tokio::spawn(rapport::http::serve(
            listener, router, shutdown, stop, deadlines,
        ));
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
    let mut socket = open_from(address, origin).await;
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

/// Opens `/graphql/ws` with the graphql-transport-ws protocol, from a page of `origin` when
/// given, and sends nothing.
async fn open_from(address: SocketAddr, origin: Option<&str>) -> Socket {
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
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
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

/// Opens `/graphql/ws` with the graphql-transport-ws protocol and sends nothing.
pub async fn open(address: SocketAddr) -> Socket {
    open_from(address, None).await
}

/// Sends a text message.
pub async fn send(socket: &mut Socket, text: &str) {
    socket.send(Message::text(text)).await.expect("send");
}

/// Reads until the server closes the socket, within `seconds`: the close code and reason.
pub async fn closed(socket: &mut Socket, seconds: u64) -> (u16, String) {
    use futures_util::StreamExt as _;
    let wait = std::time::Duration::from_secs(seconds);
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .expect("closed in time")
            .expect("a close frame before the end")
            .expect("a message");
        if let Message::Close(frame) = message {
            let frame = frame.expect("a close code");
            return (frame.code.into(), frame.reason.to_string());
        }
    }
}
