//! Join handles shared by both runtimes: a one-shot slot for the task's output.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::sync::{Arc, Mutex};

/// The task was aborted (or, on tokio, panicked) before it produced its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aborted;

impl core::fmt::Display for Aborted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("task aborted")
    }
}

impl std::error::Error for Aborted {}

/// Where a task leaves its output and its joiner waits for it.
pub(crate) struct Slot<T> {
    output: Option<Result<T, Aborted>>,
    joiner: Option<Waker>,
    abort: Option<Box<dyn FnOnce() + Send>>,
}

pub(crate) type SharedSlot<T> = Arc<Mutex<Slot<T>>>;

pub(crate) fn slot<T>() -> SharedSlot<T> {
    Arc::new(Mutex::new(Slot {
        output: None,
        joiner: None,
        abort: None,
    }))
}

/// Fills the slot (first writer wins) and wakes the joiner.
pub(crate) fn complete<T>(slot: &SharedSlot<T>, output: Result<T, Aborted>) {
    let joiner = {
        let mut s = slot.lock().expect("slot lock");
        if s.output.is_some() {
            return;
        }
        s.output = Some(output);
        s.abort = None;
        s.joiner.take()
    };
    if let Some(waker) = joiner {
        waker.wake();
    }
}

/// Awaits a spawned task's output.
pub struct JoinHandle<T> {
    slot: SharedSlot<T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(slot: SharedSlot<T>, abort: Box<dyn FnOnce() + Send>) -> Self {
        slot.lock().expect("slot lock").abort = Some(abort);
        Self { slot }
    }

    /// Stops the task at its next await point (its future is dropped); joining then gives
    /// [`Aborted`]. A finished task is not affected.
    pub fn abort(&self) {
        let abort = self.slot.lock().expect("slot lock").abort.take();
        if let Some(abort) = abort {
            abort();
            complete(&self.slot, Err(Aborted));
        }
    }

    /// The task's output if it has finished (or was aborted), taking it out of the handle.
    pub(crate) fn take_output(&self) -> Option<Result<T, Aborted>> {
        self.slot.lock().expect("slot lock").output.take()
    }

    /// Whether the task has finished (or was aborted).
    pub fn is_finished(&self) -> bool {
        self.slot.lock().expect("slot lock").output.is_some()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, Aborted>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.slot.lock().expect("slot lock");
        match s.output.take() {
            Some(out) => Poll::Ready(out),
            None => {
                s.joiner = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
