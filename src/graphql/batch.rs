//! Deterministic DataLoader batching.
//!
//! async-graphql's DataLoader starts a batch on a timer after the first key arrives. Under load
//! a slow resolution pass then splits one batch into several, and batches of one level finish at
//! different times, so the statements of a page would vary with timing and page size. Instead,
//! the loaders of a request hand their batch tasks to a gate, which runs them in waves: a wave
//! starts when the request is waiting and the previous wave has finished, so it holds every key
//! the resolvers could register meanwhile. "Waiting" means pending without having woken itself:
//! a resolution pass that merely yields (tokio's cooperative budget, `FuturesUnordered`'s fairness)
//! is not over yet. The statements of a request then depend only on the shape of its query.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;

#[derive(Clone, Default)]
pub struct BatchGate {
    queued: Arc<Mutex<Vec<BoxFuture<'static, ()>>>>,
}

impl BatchGate {
    /// The spawner to give `DataLoader::new`: it queues the batch for the next wave.
    pub fn spawner(&self) -> impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static {
        let queued = Arc::clone(&self.queued);
        move |task| lock(&queued).push(task)
    }

    /// Drives `work`, starting a wave of queued batches whenever it waits and none is running.
    /// The batches run inside this future (the request's own task): a request then wakes only
    /// itself, never another worker thread.
    pub async fn run<T>(&self, work: impl Future<Output = T>) -> T {
        let mut work = pin!(work);
        let mut running = FuturesUnordered::new();
        let flag = Arc::new(WakeFlag {
            woken: AtomicBool::new(false),
            outer: Mutex::new(None),
        });
        let inner_waker = Waker::from(Arc::clone(&flag));
        std::future::poll_fn(|cx| {
            *lock(&flag.outer) = Some(cx.waker().clone());
            loop {
                // Batches first: what they deliver is there when the request is polled.
                while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
                flag.woken.store(false, Ordering::SeqCst);
                let poll = work.as_mut().poll(&mut Context::from_waker(&inner_waker));
                let yielded = flag.woken.load(Ordering::SeqCst);
                if poll.is_ready() || yielded || !running.is_empty() {
                    return poll;
                }
                let wave = std::mem::take(&mut *lock(&self.queued));
                if wave.is_empty() {
                    return poll;
                }
                // The batches take their keys at their first poll, at the top of the loop:
                // keys the request registers from then on belong to the next wave.
                running.extend(wave.into_iter().map(tokio::task::unconstrained));
            }
        })
        .await
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The locks guard plain bookkeeping; a panic while holding one leaves it consistent.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The waker the request runs under: it records that the request was woken (by itself during a
/// poll, or by anything else) and passes the wake on.
struct WakeFlag {
    woken: AtomicBool,
    outer: Mutex<Option<Waker>>,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        if let Some(waker) = lock(&self.outer).as_ref() {
            waker.wake_by_ref();
        }
    }
}
