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
use std::task::{Context, Wake, Waker};

use futures_util::future::BoxFuture;

#[derive(Default)]
struct Waves {
    queued: Vec<BoxFuture<'static, ()>>,
    running: usize,
    request: Option<Waker>,
}

#[derive(Clone, Default)]
pub struct BatchGate {
    waves: Arc<Mutex<Waves>>,
}

fn lock(waves: &Mutex<Waves>) -> MutexGuard<'_, Waves> {
    // The lock guards plain bookkeeping; a panic while holding it leaves it consistent.
    waves
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl BatchGate {
    /// The spawner to give `DataLoader::new`: it queues the batch for the next wave.
    pub fn spawner(&self) -> impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static {
        let waves = Arc::clone(&self.waves);
        move |task| lock(&waves).queued.push(task)
    }

    /// Drives `work`, starting a wave of queued batches whenever it waits and none is running.
    pub async fn run<T>(&self, work: impl Future<Output = T>) -> T {
        let mut work = pin!(work);
        let flag = Arc::new(WakeFlag {
            woken: AtomicBool::new(false),
            outer: Mutex::new(None),
        });
        let inner_waker = Waker::from(Arc::clone(&flag));
        std::future::poll_fn(|cx| {
            *flag
                .outer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(cx.waker().clone());
            flag.woken.store(false, Ordering::SeqCst);
            let poll = work.as_mut().poll(&mut Context::from_waker(&inner_waker));
            let yielded = flag.woken.load(Ordering::SeqCst);
            if poll.is_pending() && !yielded {
                let mut waves = lock(&self.waves);
                waves.request = Some(cx.waker().clone());
                if waves.running == 0 && !waves.queued.is_empty() {
                    let wave = std::mem::take(&mut waves.queued);
                    waves.running = wave.len();
                    drop(waves);
                    for batch in wave {
                        // Poll once in place so the batch takes its keys now: keys the request
                        // registers from here on belong to the next wave.
                        let mut batch = Box::pin(tokio::task::unconstrained(batch));
                        let mut quiet = Context::from_waker(Waker::noop());
                        if batch.as_mut().poll(&mut quiet).is_ready() {
                            finish_one(&self.waves);
                            continue;
                        }
                        let waves = Arc::clone(&self.waves);
                        tokio::spawn(async move {
                            batch.await;
                            finish_one(&waves);
                        });
                    }
                }
            }
            poll
        })
        .await
    }
}

/// Counts a finished batch; the last one of a wave wakes the request so the next wave starts.
fn finish_one(waves: &Mutex<Waves>) {
    let mut waves = lock(waves);
    waves.running -= 1;
    if waves.running == 0
        && let Some(request) = waves.request.take()
    {
        request.wake();
    }
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
        let outer = self
            .outer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(waker) = outer.as_ref() {
            waker.wake_by_ref();
        }
    }
}
