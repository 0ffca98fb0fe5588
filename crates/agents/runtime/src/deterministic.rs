//! A seeded, single-threaded, deterministic executor with a simulated clock.
//!
//! Every choice that could differ between two runs comes from the seed: which ready task runs next
//! (one picked at random among the ready ones, so a seed sweep explores interleavings), and every
//! number [`Entropy::next_u64`] returns. Time is simulated: it stands still while tasks run, and
//! when no task is ready it jumps to the earliest timer. A run with the same seed and the same
//! inputs takes the same steps and ends in the same state.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context as TaskContext, Poll, Waker};
use core::time::Duration;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::Wake;

use crate::task::{complete, slot};
use crate::{Clock, Entropy, JoinHandle, Spawner};

/// Unix time at which a simulation's clock starts, unless [`Executor::starting_at`] says otherwise.
pub const DEFAULT_START_UNIX_MS: u64 = 1_700_000_000_000;
/// Most task polls in one run, unless [`Executor::with_step_limit`] says otherwise.
pub const DEFAULT_STEP_LIMIT: u64 = 100_000_000;

/// Why a simulation stopped without the root task's output.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// Every task waits and no timer is set: nothing can ever happen again.
    #[error("deadlock at {now_ms} ms: {tasks} tasks wait and no timer is set")]
    Deadlock {
        /// Simulated time at which it stalled.
        now_ms: u64,
        /// Tasks still alive.
        tasks: usize,
    },
    /// The step budget ran out (a livelock, or a run longer than budgeted).
    #[error("step limit reached after {steps} polls")]
    StepLimit {
        /// Polls made.
        steps: u64,
    },
}

/// Configures and runs one simulation.
#[derive(Clone, Debug)]
pub struct Executor {
    seed: u64,
    start_unix_ms: u64,
    step_limit: u64,
}

impl Executor {
    /// An executor whose every choice comes from `seed`.
    pub fn seeded(seed: u64) -> Self {
        Self {
            seed,
            start_unix_ms: DEFAULT_START_UNIX_MS,
            step_limit: DEFAULT_STEP_LIMIT,
        }
    }

    /// Starts the simulated Unix clock at `unix_ms`.
    pub fn starting_at(mut self, unix_ms: u64) -> Self {
        self.start_unix_ms = unix_ms;
        self
    }

    /// Stops the run with [`RunError::StepLimit`] after `steps` task polls.
    pub fn with_step_limit(mut self, steps: u64) -> Self {
        self.step_limit = steps;
        self
    }

    /// Runs the future made by `root` (given the runtime) and every task it spawns, until the root
    /// completes. Tasks still running then are dropped.
    pub fn run<F, Fut, T>(self, root: F) -> Result<T, RunError>
    where
        F: FnOnce(Runtime) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let rt = Runtime {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    now_ms: 0,
                    start_unix_ms: self.start_unix_ms,
                    rng: self.seed,
                    next_id: 0,
                    tasks: BTreeMap::new(),
                    ready: BTreeSet::new(),
                    aborted_while_polled: BTreeSet::new(),
                    timers: BinaryHeap::new(),
                    timer_wakers: BTreeMap::new(),
                    steps: 0,
                }),
            }),
        };
        let handle = rt.spawn("root", root(rt.clone()));
        let result = rt.drive(&handle, self.step_limit);
        // Drop every remaining task outside the lock (their destructors may touch the runtime).
        let leftovers = std::mem::take(&mut rt.inner.lock().tasks);
        drop(leftovers);
        result
    }
}

type BoxedTask = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Task {
    name: &'static str,
    /// `None` while the task is being polled.
    future: Option<BoxedTask>,
}

struct State {
    now_ms: u64,
    start_unix_ms: u64,
    rng: u64,
    next_id: u64,
    tasks: BTreeMap<u64, Task>,
    ready: BTreeSet<u64>,
    aborted_while_polled: BTreeSet<u64>,
    timers: BinaryHeap<Reverse<(u64, u64)>>,
    timer_wakers: BTreeMap<u64, Waker>,
    steps: u64,
}

impl State {
    /// splitmix64 over the seed.
    fn next_random(&mut self) -> u64 {
        crate::splitmix64(&mut self.rng)
    }

    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

struct Inner {
    state: Mutex<State>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("simulation state lock")
    }
}

/// The runtime handle agents get inside a simulation.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl core::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = self.inner.lock();
        f.debug_struct("deterministic::Runtime")
            .field("now_ms", &s.now_ms)
            .field("tasks", &s.tasks.len())
            .field("steps", &s.steps)
            .finish()
    }
}

struct TaskWaker {
    id: u64,
    inner: Weak<Inner>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(inner) = self.inner.upgrade() {
            let mut s = inner.lock();
            if s.tasks.contains_key(&self.id) {
                s.ready.insert(self.id);
            }
        }
    }
}

impl Runtime {
    /// Task polls so far.
    pub fn steps(&self) -> u64 {
        self.inner.lock().steps
    }

    /// Tasks alive.
    pub fn tasks(&self) -> usize {
        self.inner.lock().tasks.len()
    }

    /// Names of the tasks alive, by id (for step logs of a failing run).
    pub fn task_names(&self) -> Vec<&'static str> {
        self.inner.lock().tasks.values().map(|t| t.name).collect()
    }

    fn drive<T>(&self, root: &JoinHandle<T>, step_limit: u64) -> Result<T, RunError> {
        loop {
            if let Some(out) = root.take_output() {
                // Only `run` holds the root's handle, and it never aborts it.
                return Ok(out.expect("the root task is never aborted"));
            }
            let (id, mut future) = {
                let mut s = self.inner.lock();
                if s.steps >= step_limit {
                    return Err(RunError::StepLimit { steps: s.steps });
                }
                if s.ready.is_empty() {
                    // Timers of dropped sleeps are skipped: they must not move the clock.
                    while let Some(Reverse((_, seq))) = s.timers.peek().copied() {
                        if s.timer_wakers.contains_key(&seq) {
                            break;
                        }
                        s.timers.pop();
                    }
                    let Some(Reverse((deadline, _))) = s.timers.peek().copied() else {
                        return Err(RunError::Deadlock {
                            now_ms: s.now_ms,
                            tasks: s.tasks.len(),
                        });
                    };
                    s.now_ms = s.now_ms.max(deadline);
                    let mut due = Vec::new();
                    while let Some(Reverse((at, seq))) = s.timers.peek().copied() {
                        if at > s.now_ms {
                            break;
                        }
                        s.timers.pop();
                        if let Some(w) = s.timer_wakers.remove(&seq) {
                            due.push(w);
                        }
                    }
                    drop(s);
                    for w in due {
                        w.wake();
                    }
                    continue;
                }
                let pick = (s.next_random() % s.ready.len() as u64) as usize;
                let id = *s.ready.iter().nth(pick).expect("pick is in range");
                s.ready.remove(&id);
                s.steps += 1;
                let Some(future) = s.tasks.get_mut(&id).and_then(|t| t.future.take()) else {
                    continue;
                };
                (id, future)
            };
            let waker = Waker::from(Arc::new(TaskWaker {
                id,
                inner: Arc::downgrade(&self.inner),
            }));
            let done = future
                .as_mut()
                .poll(&mut TaskContext::from_waker(&waker))
                .is_ready();
            let mut s = self.inner.lock();
            let aborted = s.aborted_while_polled.remove(&id);
            if done || aborted {
                s.tasks.remove(&id);
                drop(s);
                drop(future);
            } else if let Some(task) = s.tasks.get_mut(&id) {
                task.future = Some(future);
            }
        }
    }
}

impl Spawner for Runtime {
    fn spawn<F, T>(&self, name: &'static str, future: F) -> JoinHandle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let out = slot();
        let task_out = out.clone();
        let task: BoxedTask = Box::pin(async move {
            let value = future.await;
            complete(&task_out, Ok(value));
        });
        let id = {
            let mut s = self.inner.lock();
            let id = s.fresh_id();
            s.tasks.insert(
                id,
                Task {
                    name,
                    future: Some(task),
                },
            );
            s.ready.insert(id);
            id
        };
        let inner = Arc::downgrade(&self.inner);
        JoinHandle::new(
            out,
            Box::new(move || {
                let Some(inner) = inner.upgrade() else {
                    return;
                };
                let removed = {
                    let mut s = inner.lock();
                    s.ready.remove(&id);
                    match s.tasks.get(&id).map(|t| t.future.is_none()) {
                        // Being polled right now (it aborted itself or a sibling did from
                        // inside a poll): dropped when the poll returns.
                        Some(true) => {
                            s.aborted_while_polled.insert(id);
                            None
                        }
                        Some(false) => s.tasks.remove(&id),
                        None => None,
                    }
                };
                drop(removed);
            }),
        )
    }
}

impl Clock for Runtime {
    fn now_ms(&self) -> u64 {
        self.inner.lock().now_ms
    }

    fn unix_time_ms(&self) -> u64 {
        let s = self.inner.lock();
        s.start_unix_ms.saturating_add(s.now_ms)
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        let ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        let deadline = self.now_ms().saturating_add(ms);
        Sleep {
            inner: self.inner.clone(),
            deadline,
            timer: None,
        }
    }
}

impl Entropy for Runtime {
    fn next_u64(&self) -> u64 {
        self.inner.lock().next_random()
    }
}

/// A simulated sleep: ready once the simulated clock reaches its deadline.
struct Sleep {
    inner: Arc<Inner>,
    deadline: u64,
    timer: Option<u64>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let deadline = self.deadline;
        let inner = self.inner.clone();
        let mut s = inner.lock();
        if s.now_ms >= deadline {
            if let Some(seq) = self.timer.take() {
                s.timer_wakers.remove(&seq);
            }
            return Poll::Ready(());
        }
        let seq = match self.timer {
            Some(seq) => seq,
            None => {
                let seq = s.fresh_id();
                s.timers.push(Reverse((deadline, seq)));
                self.timer = Some(seq);
                seq
            }
        };
        s.timer_wakers.insert(seq, cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(seq) = self.timer.take() {
            if let Ok(mut s) = self.inner.state.lock() {
                s.timer_wakers.remove(&seq);
            }
        }
    }
}

#[cfg(test)]
mod tests;
