use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, watch};

use super::*;
use crate::{timeout, Aborted, Elapsed};

/// Tasks that sleep random amounts and log what they do: the log is the run's fingerprint.
async fn workload(rt: Runtime) -> Vec<(u64, u64, u64)> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for task in 0..8u64 {
        let rt2 = rt.clone();
        let tx = tx.clone();
        rt.spawn("worker", async move {
            for step in 0..20u64 {
                let ms = rt2.next_u64() % 50;
                rt2.sleep(Duration::from_millis(ms)).await;
                let _ = tx.send((rt2.now_ms(), task, step));
            }
        });
    }
    drop(tx);
    let mut log = Vec::new();
    while let Some(entry) = rx.recv().await {
        log.push(entry);
    }
    log
}

#[test]
fn the_same_seed_gives_the_same_run_and_another_seed_another() {
    let a = Executor::seeded(7).run(workload).unwrap();
    let b = Executor::seeded(7).run(workload).unwrap();
    let c = Executor::seeded(8).run(workload).unwrap();
    assert_eq!(a.len(), 160);
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Simulated time only moves forward.
    assert!(a.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[test]
fn time_jumps_to_the_next_timer_and_not_to_dropped_ones() {
    let (now, unix) = Executor::seeded(1)
        .starting_at(5_000)
        .run(|rt| async move {
            // A timeout whose work finishes first leaves a dropped timer at 1 h.
            let quick = timeout(&rt, Duration::from_secs(3600), async { 1 }).await;
            assert_eq!(quick, Ok(1));
            rt.sleep(Duration::from_millis(30)).await;
            (rt.now_ms(), rt.unix_time_ms())
        })
        .unwrap();
    assert_eq!((now, unix), (30, 5_030));
}

#[test]
fn timeouts_fire_and_aborted_tasks_stop_at_their_next_await() {
    let counted = Arc::new(AtomicU64::new(0));
    let seen = counted.clone();
    let out = Executor::seeded(3)
        .run(move |rt| async move {
            let late = timeout(&rt, Duration::from_millis(10), std::future::pending::<()>()).await;
            assert_eq!(late, Err(Elapsed));
            let ticker = rt.spawn("ticker", {
                let rt = rt.clone();
                async move {
                    loop {
                        rt.sleep(Duration::from_millis(1)).await;
                        seen.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            rt.sleep(Duration::from_millis(5)).await;
            ticker.abort();
            let joined = ticker.await;
            rt.sleep(Duration::from_millis(100)).await;
            (joined, rt.now_ms())
        })
        .unwrap();
    assert_eq!(out, (Err(Aborted), 115));
    // Ticks at 11..=14 ran (the one due at 15 races the abort); none after the abort.
    let ticks = counted.load(Ordering::Relaxed);
    assert!((4..=5).contains(&ticks), "{ticks}");
}

#[test]
fn a_run_where_everything_waits_is_a_deadlock_and_a_livelock_hits_the_step_limit() {
    let dead = Executor::seeded(0).run(|rt| async move {
        let (_tx, mut rx) = watch::channel(0u8);
        let _ = rx.changed().await;
        rt.now_ms()
    });
    // The sender is alive inside the root, so `changed` never completes.
    assert!(
        matches!(dead, Err(RunError::Deadlock { tasks: 1, .. })),
        "{dead:?}"
    );
    let busy = Executor::seeded(0)
        .with_step_limit(1_000)
        .run(|rt| async move {
            loop {
                rt.sleep(Duration::from_millis(1)).await;
            }
        });
    assert_eq!(busy, Err::<(), _>(RunError::StepLimit { steps: 1_000 }));
}
