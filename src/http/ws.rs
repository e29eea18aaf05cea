//! Subscriptions over WebSocket: graphql-transport-ws, and the older graphql-ws protocol. The
//! token travels in the `connection_init` payload (`{"Authorization": "Bearer …"}` or
//! `{"token": "…"}`); bad credentials close the socket with 4403.
//!
//! async-graphql runs the subscriptions; in front of it, [`Conformance`] holds a
//! graphql-transport-ws client to the protocol with its close codes (4400 for a message that
//! is not one, 4401 for subscribing before `connection_init`, 4408 for no `connection_init` in
//! time, 4409 for a subscription id in use, 4429 for a second `connection_init`), a request
//! error becomes the protocol's `error` message, and a server that shuts down closes every
//! socket with 1001.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;

use super::{AppState, header_str};

/// Close codes (RFC 6455 and graphql-transport-ws).
pub mod code {
    pub const GOING_AWAY: u16 = 1001;
    pub const BAD_MESSAGE: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const SUBSCRIBER_EXISTS: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
}

/// A close code with its reason.
type Refusal = (u16, String);

/// A browser opens a WebSocket to any site with that site's cookies and without a CORS check, so
/// a socket from a page of another origin is closed with 4403 before anything is read.
pub(super) async fn graphql_ws(
    State(state): State<AppState>,
    headers: HeaderMap,
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> Response {
    let refusal = cross_site_refusal(&headers, &state.settings.cors_origins);
    let strict = speaks_transport_ws(&headers);
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            match refusal {
                Some(reason) => {
                    let mut socket = socket;
                    // The client may already be gone; nothing more to tell it then.
                    let _ = socket.send(close(code::FORBIDDEN, &reason)).await;
                }
                None => serve(state, protocol, strict, socket).await,
            }
        })
}

/// Whether the protocol the client asked for (the first one async-graphql knows, as its
/// `GraphQLProtocol` picks it) is graphql-transport-ws.
fn speaks_transport_ws(headers: &HeaderMap) -> bool {
    header_str(headers, header::SEC_WEBSOCKET_PROTOCOL)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .find(|p| {
            p.eq_ignore_ascii_case("graphql-ws") || p.eq_ignore_ascii_case("graphql-transport-ws")
        })
        .is_some_and(|p| p.eq_ignore_ascii_case("graphql-transport-ws"))
}

/// Why a WebSocket from the page at the request's `Origin` is refused, if it is: only the
/// server's own origin (the same host and port as `Host`, whatever the scheme, so a TLS proxy in
/// front changes nothing) and the CORS allow-list may open one. Requests without `Origin` come
/// from programs, not browsers, and pass.
fn cross_site_refusal(headers: &HeaderMap, allowed: &[String]) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?;
    let Ok(origin) = origin.to_str() else {
        return Some("Forbidden: the Origin header is not readable".into());
    };
    let listed = allowed
        .iter()
        .any(|a| a.trim().trim_end_matches('/').eq_ignore_ascii_case(origin));
    let same_host = match (origin.split_once("://"), header_str(headers, header::HOST)) {
        (Some((_, origin_host)), Some(host)) => origin_host.eq_ignore_ascii_case(host),
        _ => false,
    };
    (!listed && !same_host).then(|| {
        format!("Forbidden: pages from {origin} may not open this WebSocket (RAPPORT_CORS_ORIGINS)")
    })
}

/// A close message; its reason cut to the 123 bytes a close frame can carry (RFC 6455 §5.5), at
/// a character boundary.
fn close(code: u16, reason: &str) -> Message {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: reason[..end].into(),
    }))
}

async fn serve(
    state: AppState,
    protocol: async_graphql_axum::GraphQLProtocol,
    strict: bool,
    socket: WebSocket,
) {
    let (mut sink, mut stream) = socket.split();
    let shutdown = state.shutdown.clone();
    let conformance = Arc::new(Mutex::new(Conformance::new(strict)));
    let waited = tokio::select! {
        () = shutdown.cancelled() => Err((code::GOING_AWAY, "the server is shutting down".to_owned())),
        first = tokio::time::timeout(state.settings.ws_init_timeout, stream.next()) => match first {
            Ok(Some(Ok(message))) => Ok(message),
            // The client left.
            Ok(_) => return,
            Err(_) => Err((code::INIT_TIMEOUT, "Connection initialisation timeout".to_owned())),
        },
    };
    let first = waited.and_then(|first| {
        lock(&conformance).incoming(&first)?;
        Ok(first)
    });
    let first = match first {
        Ok(first) => first,
        Err((code, reason)) => {
            // The client may already be gone; nothing more to tell it then.
            let _ = sink.send(close(code, &reason)).await;
            return;
        }
    };
    let token = match &first {
        Message::Text(text) => init_token(text.as_str()),
        _ => None,
    };
    let authenticated = match token {
        Some(token) => {
            let token = token.strip_prefix("Bearer ").unwrap_or(&token).trim();
            state.access.auth.authenticate_token(&state.db, token).await
        }
        None => state.access.auth.authenticate(&state.db, None).await,
    };
    let viewer = match authenticated {
        Ok(viewer) => viewer,
        Err(error) => {
            let reason = format!("Forbidden: {}", error.message());
            let _ = sink.send(close(code::FORBIDDEN, &reason)).await;
            return;
        }
    };
    let mut data = async_graphql::Data::default();
    data.insert(crate::db::loader::Reader::loaders(
        state.db.clone(),
        viewer.clone(),
        |batch| {
            tokio::spawn(batch);
        },
    ));
    data.insert(state.db.acting_as(viewer.user_id));
    data.insert(viewer);

    // async-graphql writes into a channel; `forward` passes its messages on to the socket, and
    // the checks of incoming messages can put a close at the end of it.
    let (out, mut queued) = tokio::sync::mpsc::unbounded_channel::<Message>();
    let to_graphql = futures_util::sink::unfold(out.clone(), |out, message: Message| async move {
        out.send(message)
            .map_err(|_| axum::Error::new("the socket is closed"))?;
        Ok::<_, axum::Error>(out)
    });
    let checks = Arc::clone(&conformance);
    let incoming = stream
        .take_while(move |message| {
            let verdict = match message {
                Ok(message) => lock(&checks).incoming(message),
                Err(_) => Ok(()),
            };
            let go_on = match verdict {
                Ok(()) => true,
                Err((code, reason)) => {
                    // Ends the socket after whatever async-graphql has queued.
                    let _ = out.send(close(code, &reason));
                    false
                }
            };
            std::future::ready(go_on)
        })
        .take_until(shutdown.clone().cancelled_owned());
    // The init message goes on to the protocol handler, which acknowledges it.
    let incoming = futures_util::stream::once(async move { Ok(first) }).chain(incoming);
    let graphql = async_graphql_axum::GraphQLWebSocket::new_with_pair(
        to_graphql,
        incoming,
        state.schema.sockets,
        protocol,
    )
    .with_data(data)
    .serve();
    let forward = async move {
        loop {
            let message = tokio::select! {
                message = queued.recv() => message,
                () = shutdown.cancelled() => Some(close(code::GOING_AWAY, "the server is shutting down")),
            };
            let Some(message) = message else { break };
            let Some(message) = lock(&conformance).outgoing(message) else {
                continue;
            };
            let last = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || last {
                break;
            }
        }
    };
    tokio::join!(graphql, forward);
}

fn lock(conformance: &Mutex<Conformance>) -> std::sync::MutexGuard<'_, Conformance> {
    conformance.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The token in a `connection_init` message's payload, if it carries one.
fn init_token(text: &str) -> Option<String> {
    let message: Value = serde_json::from_str(text).ok()?;
    if message.get("type")?.as_str()? != "connection_init" {
        return None;
    }
    let payload = message.get("payload")?;
    ["Authorization", "authorization", "token"]
        .iter()
        .find_map(|key| payload.get(*key)?.as_str())
        .map(str::to_owned)
}

/// The state of one graphql-transport-ws conversation: whether it was initialised, and the
/// subscriptions running. Clients of the older protocol (`strict` false) are not checked.
#[derive(Debug)]
struct Conformance {
    strict: bool,
    initialised: bool,
    running: HashSet<String>,
    /// Subscriptions whose request failed: their `complete` is not sent (an `error` ends them).
    failed: HashSet<String>,
}

impl Conformance {
    fn new(strict: bool) -> Self {
        Self {
            strict,
            initialised: false,
            running: HashSet::new(),
            failed: HashSet::new(),
        }
    }

    /// Judges a message from the client: `Err` closes the socket with that code.
    fn incoming(&mut self, message: &Message) -> Result<(), Refusal> {
        if !self.strict {
            return Ok(());
        }
        let text = match message {
            Message::Text(text) => text.as_str(),
            Message::Binary(_) => return Err(bad("binary messages are not part of the protocol")),
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => return Ok(()),
        };
        let message: Value = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
        let id = message.get("id").and_then(Value::as_str);
        match message.get("type").and_then(Value::as_str) {
            Some("connection_init") if self.initialised => Err((
                code::TOO_MANY_INITS,
                "Too many initialisation requests".to_owned(),
            )),
            Some("connection_init") => {
                self.initialised = true;
                Ok(())
            }
            Some("ping" | "pong") => Ok(()),
            Some("subscribe") if !self.initialised => {
                Err((code::UNAUTHORIZED, "Unauthorized".to_owned()))
            }
            Some("subscribe") => {
                let id = id.ok_or_else(|| bad("subscribe needs an id"))?;
                let query = message.pointer("/payload/query").and_then(Value::as_str);
                if query.is_none() {
                    return Err(bad("subscribe needs a payload with a query"));
                }
                if !self.running.insert(id.to_owned()) {
                    return Err((
                        code::SUBSCRIBER_EXISTS,
                        format!("Subscriber for {id} already exists"),
                    ));
                }
                Ok(())
            }
            Some("complete") => {
                let id = id.ok_or_else(|| bad("complete needs an id"))?;
                self.running.remove(id);
                Ok(())
            }
            Some(other) => Err(bad(&format!("unknown message type {other:?}"))),
            None => Err(bad("no message type")),
        }
    }

    /// A message to the client, as the protocol wants it: a subscription whose request failed
    /// (its first result has errors without a path and no data) ends with one `error` message
    /// carrying the errors and no `complete`. `None` drops the message.
    fn outgoing(&mut self, message: Message) -> Option<Message> {
        if !self.strict {
            return Some(message);
        }
        let Message::Text(text) = &message else {
            return Some(message);
        };
        // async-graphql writes the type first, so most messages are told by their start.
        let text = text.as_str();
        if !(text.starts_with(r#"{"type":"next""#) || text.starts_with(r#"{"type":"complete""#)) {
            return Some(message);
        }
        let Ok(mut parsed) = serde_json::from_str::<Value>(text) else {
            return Some(message);
        };
        let id = parsed.get("id").and_then(Value::as_str)?.to_owned();
        if parsed["type"] == "complete" {
            self.running.remove(&id);
            return (!self.failed.remove(&id)).then_some(message);
        }
        let payload = &mut parsed["payload"];
        let request_error = payload.get("data").is_none_or(Value::is_null)
            && payload["errors"].as_array().is_some_and(|errors| {
                !errors.is_empty() && errors.iter().all(|e| e.get("path").is_none())
            });
        if !request_error {
            return Some(message);
        }
        self.failed.insert(id.clone());
        let errors = payload["errors"].take();
        let error = serde_json::json!({ "type": "error", "id": id, "payload": errors });
        Some(Message::Text(error.to_string().into()))
    }
}

fn bad(what: &str) -> Refusal {
    (
        code::BAD_MESSAGE,
        format!("Invalid message received: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), HeaderValue::from_str(value).expect("value")))
            .collect()
    }

    #[test]
    fn only_the_servers_own_pages_and_listed_origins_open_websockets() {
        let allowed = ["https://app.example.com/".to_owned()];
        let host = (header::HOST, "rapport.example.com:8443");
        let ok = |origin: &str| {
            cross_site_refusal(
                &headers(&[host.clone(), (header::ORIGIN, origin)]),
                &allowed,
            )
            .is_none()
        };
        assert!(ok("https://rapport.example.com:8443"));
        assert!(ok("http://RAPPORT.example.com:8443"));
        assert!(ok("https://app.example.com"));
        assert!(!ok("https://rapport.example.com"));
        assert!(!ok("https://evil.example"));
        assert!(!ok("null"));
        assert!(cross_site_refusal(&headers(&[host]), &allowed).is_none());
    }

    #[test]
    fn close_reasons_fit_a_close_frame() {
        let reason = |message: Message| match message {
            Message::Close(Some(frame)) => frame.reason.to_string(),
            other => panic!("not a close: {other:?}"),
        };
        let long = "é".repeat(100);
        assert_eq!(reason(close(4403, &long)).len(), 122);
        assert_eq!(reason(close(4403, "short")), "short");
    }

    #[test]
    fn the_protocol_is_told_by_the_first_known_name() {
        let asked =
            |value: &str| speaks_transport_ws(&headers(&[(header::SEC_WEBSOCKET_PROTOCOL, value)]));
        assert!(asked("graphql-transport-ws"));
        assert!(asked("chat, graphql-transport-ws, graphql-ws"));
        assert!(!asked("graphql-ws, graphql-transport-ws"));
        assert!(!speaks_transport_ws(&HeaderMap::new()));
    }

    fn text(json: &str) -> Message {
        Message::Text(json.into())
    }

    #[test]
    fn misuse_of_the_protocol_gets_its_close_code() {
        let code_of = |messages: &[&str]| {
            let mut conformance = Conformance::new(true);
            messages
                .iter()
                .find_map(|m| conformance.incoming(&text(m)).err())
                .map(|(code, _)| code)
        };
        let init = r#"{"type":"connection_init"}"#;
        let subscribe = r#"{"type":"subscribe","id":"1","payload":{"query":"subscription { a }"}}"#;
        assert_eq!(code_of(&[init, subscribe]), None);
        assert_eq!(code_of(&[subscribe]), Some(code::UNAUTHORIZED));
        assert_eq!(
            code_of(&[init, subscribe, subscribe]),
            Some(code::SUBSCRIBER_EXISTS)
        );
        let complete = r#"{"type":"complete","id":"1"}"#;
        assert_eq!(
            code_of(&[init, subscribe, complete, subscribe]),
            None,
            "an id is free again once completed"
        );
        assert_eq!(code_of(&[init, init]), Some(code::TOO_MANY_INITS));
        assert_eq!(code_of(&["{not json"]), Some(code::BAD_MESSAGE));
        assert_eq!(
            code_of(&[init, r#"{"type":"shout"}"#]),
            Some(code::BAD_MESSAGE)
        );
        assert_eq!(
            code_of(&[init, r#"{"type":"subscribe","id":"1"}"#]),
            Some(code::BAD_MESSAGE)
        );
        assert_eq!(
            Conformance::new(false).incoming(&text("{not json")),
            Ok(()),
            "the older protocol is not checked"
        );
    }

    #[test]
    fn a_failed_request_ends_with_an_error_message_and_no_complete() {
        let mut conformance = Conformance::new(true);
        let failed = text(
            r#"{"type":"next","id":"7","payload":{"data":null,"errors":[{"message":"Unknown field"}]}}"#,
        );
        let Some(Message::Text(error)) = conformance.outgoing(failed) else {
            panic!("a message")
        };
        let error: Value = serde_json::from_str(error.as_str()).expect("JSON");
        assert_eq!(
            error,
            serde_json::json!({ "type": "error", "id": "7", "payload": [{ "message": "Unknown field" }] })
        );
        assert!(
            conformance
                .outgoing(text(r#"{"type":"complete","id":"7"}"#))
                .is_none()
        );

        // A field error of a running subscription stays a `next`.
        let field_error = r#"{"type":"next","id":"8","payload":{"data":null,"errors":[{"message":"gone","path":["a"]}]}}"#;
        assert!(
            matches!(conformance.outgoing(text(field_error)), Some(Message::Text(t)) if t.as_str() == field_error)
        );
        assert!(
            conformance
                .outgoing(text(r#"{"type":"complete","id":"8"}"#))
                .is_some()
        );
    }
}
