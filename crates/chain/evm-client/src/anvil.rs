//! Local anvil nodes, for the devnet and the tests: the `anvil` binary the EVM tool chain
//! installs (`contracts/node_modules/.bin/anvil`, pinned in `contracts/package.json`), started on a
//! free port and stopped when its handle drops.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The environment variable naming another `anvil` binary.
pub const ANVIL_ENV: &str = "STRAIT_ANVIL";

/// How long anvil may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The development keys anvil funds at genesis (its default mnemonic's first accounts). They are
/// PUBLIC: for local nodes only, never for a chain with value.
pub const DEV_KEYS: [&str; 10] = [
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

/// Starting anvil failed.
#[derive(Debug, thiserror::Error)]
pub enum AnvilError {
    /// No anvil binary where the tool chain installs it.
    #[error(
        "no anvil at {path}: install the EVM tool chain with `npm ci` in contracts/ (scripts/test does), or set {ANVIL_ENV}"
    )]
    NotInstalled {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The process could not be started or read.
    #[error("anvil: {0}")]
    Io(#[from] std::io::Error),
    /// It did not say where it listens in time.
    #[error("anvil did not start listening within {START_TIMEOUT:?}: {output}")]
    NotListening {
        /// What it printed.
        output: String,
    },
}

/// Options of one anvil node.
#[derive(Clone, Debug)]
pub struct AnvilConfig {
    /// The EVM chain id.
    pub chain_id: u64,
    /// Seconds between blocks; `None` mines a block per transaction.
    pub block_time: Option<u64>,
}

/// A running anvil node; dropping it kills the process.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    port: u16,
    chain_id: u64,
}

impl Anvil {
    /// Where the anvil binary is: `$STRAIT_ANVIL`, else the tool chain's install in this
    /// repository.
    pub fn binary() -> PathBuf {
        match std::env::var_os(ANVIL_ENV) {
            Some(path) => PathBuf::from(path),
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../contracts/node_modules/.bin/anvil"),
        }
    }

    /// Whether the anvil binary is installed.
    pub fn installed() -> bool {
        Self::binary().is_file()
    }

    /// Starts a node on a free local port and waits until it listens. Blocking (up to a few
    /// seconds): call it before the async runtime's work, or from `spawn_blocking`.
    pub fn spawn(config: &AnvilConfig) -> Result<Self, AnvilError> {
        let path = Self::binary();
        if !path.is_file() {
            return Err(AnvilError::NotInstalled { path });
        }
        let mut command = Command::new(&path);
        command
            .args(["--host", "127.0.0.1", "--port", "0", "--chain-id"])
            .arg(config.chain_id.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(seconds) = config.block_time {
            command.args(["--block-time", &seconds.to_string()]);
        }
        let mut child = command.spawn()?;
        let stdout = child.stdout.take().expect("piped stdout");
        // Read its output on a thread: the port line, then drain the rest so anvil never blocks
        // on a full pipe.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = String::new();
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    if let Some(port) = listening_port(&line) {
                        let _ = tx.send(Ok(port));
                        sent = true;
                    } else if seen.len() < 4096 {
                        seen.push_str(&line);
                        seen.push('\n');
                    }
                }
            }
            if !sent {
                let _ = tx.send(Err(seen));
            }
        });
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(port)) => Ok(Self {
                child,
                port,
                chain_id: config.chain_id,
            }),
            Ok(Err(output)) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(AnvilError::NotListening { output })
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(AnvilError::NotListening {
                    output: String::from("(timed out)"),
                })
            }
        }
    }

    /// Its JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port in anvil's "Listening on 127.0.0.1:PORT" line.
fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split("Listening on ").nth(1)?;
    rest.trim().rsplit(':').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_listening_line() {
        assert_eq!(listening_port("Listening on 127.0.0.1:38411"), Some(38411));
        assert_eq!(listening_port("Listening on 127.0.0.1:"), None);
        assert_eq!(listening_port("Available Accounts"), None);
    }
}

#[cfg(test)]
mod dev_key_tests {
    use super::DEV_KEYS;
    use crate::deploy::signer_address;

    /// Each dev key signs for the account anvil funds at genesis (a mistyped key signs for an
    /// empty account: "insufficient funds").
    #[test]
    fn dev_keys_are_anvils_funded_accounts() {
        let funded = [
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
            "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
            "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
            "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
            "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
            "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
            "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
            "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
        ];
        for (key, address) in DEV_KEYS.iter().zip(funded) {
            assert_eq!(
                signer_address(key).unwrap(),
                address.parse::<alloy::primitives::Address>().unwrap()
            );
        }
    }
}
