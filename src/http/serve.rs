//! Accepting connections: HTTP/1.1 and HTTP/2 with upgrades (WebSockets), `TCP_NODELAY` on
//! every socket (events of a burst leave at once), a deadline for a request's headers, and a
//! shutdown with a deadline: a client that holds a half-sent request or stops reading cannot
//! keep the process alive.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The deadlines of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// How long a client may take to send a request's headers.
    pub header_read: Duration,
    /// How long open connections get to finish once shutdown begins.
    pub grace: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(30),
            grace: Duration::from_secs(30),
        }
    }
}

/// Sends small writes (a subscription event, a short answer) at once instead of waiting to
/// fill a segment (Nagle's algorithm held events of a burst back by 29–43 ms).
fn without_delay(stream: &tokio::net::TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "cannot set TCP_NODELAY");
    }
}

/// Serves `app` on `listener` until `stop` resolves. Then it stops accepting, cancels
/// `shutdown` (WebSockets close with 1001), lets open requests finish and returns once every
/// connection has closed, or when [`Deadlines::grace`] has passed, whichever comes first.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
    stop: impl Future<Output = ()>,
    deadlines: Deadlines,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(deadlines.header_read);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        without_delay(&stream);
        let service = TowerToHyperService::new(app.clone());
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, error = %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    shutdown.cancel();
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("every connection has closed"),
        () = tokio::time::sleep(deadlines.grace) => tracing::warn!(
            grace_secs = deadlines.grace.as_secs(),
            "connections still open after the shutdown grace period; stopping anyway"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_sockets_send_without_delay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let _client = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        let (accepted, _) = listener.accept().await.expect("accept");
        assert!(!accepted.nodelay().expect("nodelay"), "the default delays");
        without_delay(&accepted);
        assert!(accepted.nodelay().expect("nodelay"));
    }
}
