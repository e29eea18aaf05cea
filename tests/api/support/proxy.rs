//! A TCP proxy in front of PostgreSQL that can cut connections, as a restart or a dropped
//! network path would: the next statement any connection sends after
//! [`Proxy::cut_next_statement`] closes that connection instead of reaching the server, and
//! [`Proxy::go_down`] cuts every connection and refuses new ones until [`Proxy::come_up`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct Proxy {
    pub address: SocketAddr,
    armed: Arc<AtomicBool>,
    /// `true` while the server is "down".
    down: watch::Sender<bool>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let armed = Arc::new(AtomicBool::new(false));
        let (down, _) = watch::channel(false);
        let (cut, outage) = (Arc::clone(&armed), down.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *outage.borrow() {
                    continue; // dropping the client refuses it
                }
                let Ok(server) = TcpStream::connect(target).await else {
                    continue;
                };
                tokio::spawn(pipe(client, server, Arc::clone(&cut), outage.subscribe()));
            }
        });
        Self {
            address,
            armed,
            down,
        }
    }

    /// Cuts the connection that sends the next statement, once.
    pub fn cut_next_statement(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Cuts every connection and refuses new ones.
    pub fn go_down(&self) {
        self.down.send_replace(true);
    }

    /// Accepts connections again.
    pub fn come_up(&self) {
        self.down.send_replace(false);
    }
}

async fn pipe(
    client: TcpStream,
    server: TcpStream,
    armed: Arc<AtomicBool>,
    mut down: watch::Receiver<bool>,
) {
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let upstream = async {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = match from_client.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if armed.swap(false, Ordering::SeqCst) {
                return; // dropping both halves closes both connections
            }
            if to_server.write_all(&buffer[..n]).await.is_err() {
                return;
            }
        }
    };
    let downstream = async {
        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
    };
    tokio::select! {
        () = upstream => {},
        () = downstream => {},
        _ = down.wait_for(|down| *down) => {},
    }
}
