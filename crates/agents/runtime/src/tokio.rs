//! The production runtime: tasks on the current tokio runtime, the OS clock, OS-seeded randomness.

use core::future::Future;
use core::time::Duration;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::task::{complete, slot};
use crate::{Clock, Entropy, JoinHandle, Spawner};

/// Agents on tokio. Must be created and used inside a tokio runtime.
#[derive(Clone, Debug)]
pub struct TokioRuntime {
    start: Instant,
    random: Arc<(RandomState, AtomicU64)>,
}

impl Default for TokioRuntime {
    fn default() -> Self {
        Self::new()
    }
}

impl TokioRuntime {
    /// A runtime whose monotonic clock starts now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            random: Arc::new((RandomState::new(), AtomicU64::new(0))),
        }
    }
}

impl Spawner for TokioRuntime {
    fn spawn<F, T>(&self, name: &'static str, future: F) -> JoinHandle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let out = slot();
        let task_out = out.clone();
        let task = ::tokio::spawn(async move {
            let value = future.await;
            complete(&task_out, Ok(value));
        });
        let watcher_out = out.clone();
        let abort = task.abort_handle();
        // A panicked or aborted task never fills its slot: report it to the joiner. (The panic
        // itself is printed by the panic hook; `name` is for the simulator's traces.)
        let _ = name;
        ::tokio::spawn(async move {
            if task.await.is_err() {
                complete(&watcher_out, Err(crate::Aborted));
            }
        });
        JoinHandle::new(out, Box::new(move || abort.abort()))
    }
}

impl Clock for TokioRuntime {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn unix_time_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        ::tokio::time::sleep(duration)
    }
}

impl Entropy for TokioRuntime {
    fn next_u64(&self) -> u64 {
        let (state, counter) = &*self.random;
        state.hash_one(counter.fetch_add(1, Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[::tokio::test]
    async fn spawn_join_sleep_and_abort_on_tokio() {
        let rt = TokioRuntime::new();
        let child = rt.spawn("child", async { 5 });
        assert_eq!(child.await, Ok(5));
        let before = rt.now_ms();
        rt.sleep(Duration::from_millis(20)).await;
        assert!(rt.now_ms() >= before + 20);
        let stuck = rt.spawn("stuck", std::future::pending::<()>());
        stuck.abort();
        assert_eq!(stuck.await, Err(crate::Aborted));
        assert_ne!(rt.next_u64(), rt.next_u64());
        assert!(rt.unix_time_ms() > 1_600_000_000_000);
        let late = crate::timeout(&rt, Duration::from_millis(5), std::future::pending::<()>());
        assert_eq!(late.await, Err(crate::Elapsed));
    }
}
