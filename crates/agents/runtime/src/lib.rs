//! Time, sleep, spawn and randomness for agents, behind one trait ([`Runtime`]).
//!
//! * [`tokio::TokioRuntime`]: production, on the current tokio runtime.
//! * [`deterministic::Executor`]: simulation; one thread, a simulated clock, every scheduling
//!   choice and every random number drawn from a seed, so a run is reproduced by its seed.
//!
//! Agents written against [`Runtime`] never touch the OS clock, OS randomness or a global executor
//! (the model is commonware's `runtime` and TigerBeetle's VOPR).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use strait_runtime::{deterministic::Executor, Clock, Runtime, Spawner};
//!
//! async fn agent<R: Runtime>(rt: R) -> u64 {
//!     let start = rt.now_ms();
//!     let child = rt.spawn("child", {
//!         let rt = rt.clone();
//!         async move { rt.sleep(Duration::from_millis(250)).await; 7 }
//!     });
//!     let seven = child.await.unwrap();
//!     rt.now_ms() - start + seven
//! }
//!
//! // No real time passes: the clock jumps to the timer.
//! assert_eq!(Executor::seeded(42).run(|rt| agent(rt)).unwrap(), 257);
//! ```

pub mod deterministic;
mod task;
pub mod tokio;

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

pub use task::{Aborted, JoinHandle};

/// Starts tasks.
pub trait Spawner: Clone + Send + Sync + 'static {
    /// Runs `future` as a task of its own; `name` labels it in logs and step traces. Dropping the
    /// handle detaches the task; [`JoinHandle::abort`] stops it at its next await point.
    fn spawn<F, T>(&self, name: &'static str, future: F) -> JoinHandle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static;
}

/// Time.
pub trait Clock: Clone + Send + Sync + 'static {
    /// Milliseconds on a monotonic clock whose origin is the runtime's start.
    fn now_ms(&self) -> u64;
    /// Milliseconds since the Unix epoch (what a light client compares header times with).
    fn unix_time_ms(&self) -> u64;
    /// Completes once `duration` has passed on this runtime's clock.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static;
}

/// Randomness: OS-seeded on tokio, drawn from the seed in simulation.
pub trait Entropy: Clone + Send + Sync + 'static {
    /// A uniformly random `u64`.
    fn next_u64(&self) -> u64;
}

/// Everything an agent gets from its host.
pub trait Runtime: Spawner + Clock + Entropy {}

impl<T: Spawner + Clock + Entropy> Runtime for T {}

/// `future` raced against a sleep of `duration`: `Err(Elapsed)` if the sleep ends first.
pub async fn timeout<C: Clock, F: Future>(
    clock: &C,
    duration: Duration,
    future: F,
) -> Result<F::Output, Elapsed> {
    Race {
        work: Box::pin(future),
        timer: Box::pin(clock.sleep(duration)),
    }
    .await
}

/// A [`timeout`] ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed;

impl core::fmt::Display for Elapsed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("deadline elapsed")
    }
}

impl std::error::Error for Elapsed {}

struct Race<W, T> {
    work: Pin<Box<W>>,
    timer: Pin<Box<T>>,
}

impl<W: Future, T: Future<Output = ()>> Future for Race<W, T> {
    type Output = Result<W::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The work first: a result ready at the deadline is a result, deterministically.
        if let Poll::Ready(out) = self.work.as_mut().poll(cx) {
            return Poll::Ready(Ok(out));
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// splitmix64 (Steele, Lea and Flood, 2014): advances `state` and returns its next output. The one
/// generator of seeded runs, the same sequence on every platform: the deterministic executor's
/// randomness and the devnet's `--seed` draw from it.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
