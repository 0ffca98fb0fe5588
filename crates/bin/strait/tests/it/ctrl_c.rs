//! `strait devnet` under Ctrl-C (SIGINT, sent with the system's `kill`): the chains flush and
//! stop, the relayer stops, the process exits with 0, and the next `strait devnet` on the same data
//! directory continues the same chains. Waits are bounded (liveness), never timed assertions.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use strait_devnet_api::rpc::StraitApiClient;
use strait_primitives::{Hash32, Height};

use crate::support::temp_dir;

/// Longest any single wait here may take before the test fails.
const LIVENESS: Duration = Duration::from_secs(60);

/// A `strait devnet` process (2 chains, 50 ms blocks, free ports) and its stderr, line by line.
struct Devnet {
    child: Child,
    lines: mpsc::Receiver<String>,
    log: Vec<String>,
}

impl Devnet {
    fn spawn(dir: &Path, fresh: bool) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_strait"));
        command
            .args(["devnet", "--fast", "--rpc-port-base", "0", "--data-dir"])
            .arg(dir)
            .args(fresh.then_some("--fresh"))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn strait devnet");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            log: Vec::new(),
        }
    }

    /// The next stderr line that `wanted` accepts (every line read is kept in the log).
    fn wait_line(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + LIVENESS;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|e| {
                panic!(
                    "no such line ({e}); stderr so far:\n{}",
                    self.log.join("\n")
                )
            });
            self.log.push(line.clone());
            if wanted(&line) {
                return line;
            }
        }
    }

    /// The chains' RPC URLs, from the guide the devnet prints once they are up.
    fn rpc_urls(&mut self, chains: usize) -> Vec<String> {
        (0..chains)
            .map(|_| {
                let line =
                    self.wait_line(|l| l.trim_start().starts_with("chain ") && l.contains(" rpc "));
                let url = line.split_whitespace().skip_while(|w| *w != "rpc").nth(1);
                url.expect("an rpc URL").to_owned()
            })
            .collect()
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
    }

    /// Waits for the process to exit; returns its status and whole stderr.
    fn wait_exit(&mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + LIVENESS;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "strait devnet did not exit after SIGINT; stderr so far:\n{}",
                self.log.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader thread ends at EOF, which the exit brings.
        self.log.extend(self.lines.iter());
        (status, self.log.join("\n"))
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn client(url: &str) -> HttpClient {
    HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(10))
        .build(url)
        .expect("http client")
}

/// Waits until the chain at `url` has committed `height`; returns its latest height.
async fn wait_height(url: &str, height: u64) -> Height {
    let client = client(url);
    let deadline = tokio::time::Instant::now() + LIVENESS;
    loop {
        let latest = client.chain_info().await.expect("chainInfo").latest_height;
        if latest.get() >= height {
            return latest;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{url} stays at height {latest}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn block_hash(url: &str, height: Height) -> Hash32 {
    let block = client(url).block(height).await.expect("block");
    block
        .unwrap_or_else(|| panic!("{url} has no block {height}"))
        .hash
}

/// What a clean stop printed: the devnet stopped its relayer and both chains.
fn assert_clean_stop(status: ExitStatus, log: &str) {
    assert!(status.success(), "exit {status:?} after SIGINT:\n{log}");
    assert!(log.contains("stopping the devnet"), "{log}");
    assert_eq!(log.matches("node stopped").count(), 2, "{log}");
    for trouble in [
        "relayer did not stop",
        "relayer ended with an error",
        "relayer task failed",
    ] {
        assert!(!log.contains(trouble), "{trouble}:\n{log}");
    }
}

#[test]
fn ctrl_c_stops_the_devnet_cleanly_and_a_restart_continues_its_chains() {
    let dir = temp_dir("ctrl-c");
    let rt = tokio::runtime::Runtime::new().expect("runtime");

    let mut devnet = Devnet::spawn(&dir, true);
    let urls = devnet.rpc_urls(2);
    let mut before = Vec::new();
    for url in &urls {
        let height = rt.block_on(wait_height(url, 5));
        before.push((height, rt.block_on(block_hash(url, height))));
    }
    devnet.interrupt();
    let (status, log) = devnet.wait_exit();
    assert_clean_stop(status, &log);

    // Same data dir, no --fresh: each chain starts at or past the last block seen before the stop,
    // which is still the block it was, and goes on making blocks.
    let mut devnet = Devnet::spawn(&dir, false);
    let urls = devnet.rpc_urls(2);
    for (url, (height, hash)) in urls.iter().zip(before) {
        let latest = rt.block_on(wait_height(url, 0));
        assert!(
            latest >= height,
            "{url} restarted at {latest}, below {height}"
        );
        assert_eq!(
            rt.block_on(block_hash(url, height)),
            hash,
            "{url} at {height}"
        );
        rt.block_on(wait_height(url, latest.get() + 2));
    }
    devnet.interrupt();
    let (status, log) = devnet.wait_exit();
    assert_clean_stop(status, &log);
}

/// Ctrl-C while the chains are still starting is not lost and does not kill the process before
/// they flush: the devnet finishes starting, then stops cleanly.
#[test]
fn ctrl_c_while_the_devnet_starts_stops_it_cleanly() {
    let dir = temp_dir("ctrl-c-start");
    let mut devnet = Devnet::spawn(&dir, true);
    // The first chain is up; the second is not yet, nor the relayer.
    devnet.wait_line(|l| l.contains("node restored"));
    devnet.interrupt();
    let (status, log) = devnet.wait_exit();
    assert_clean_stop(status, &log);
}
