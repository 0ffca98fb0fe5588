//! `strait devnet`: N chains and a relayer in one process.
//!
//! Chain ids are `1..=N`; chain `i` serves JSON-RPC (HTTP and websocket) on `rpc_port_base + i - 1`
//! and keeps its data in `<data-dir>/chain-<i>`. The devnet's identity (chain ids, validators,
//! genesis time, block time) is written to `<data-dir>/devnet.json` on first start and reused on
//! every later start, so a restart continues the same chains; `--fresh` starts over.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use serde::{Deserialize, Serialize};
use strait_devnet_client::{ChainEndpoint, RelayerConfig};
use strait_node::{devnet_node_config, devnet_specs, ChainSpec, NodeHandle};
use strait_primitives::Timestamp;

use crate::load;

/// Fast mode's block time.
pub const FAST_BLOCK_TIME_MS: u64 = 50;
/// Version of `devnet.json`.
const DEVNET_FILE_VERSION: u32 = 1;

/// Arguments of `strait devnet`.
#[derive(Debug, Args)]
pub struct DevnetArgs {
    /// Number of chains (ids 1..=N).
    #[arg(long, default_value_t = 2)]
    pub chains: u64,
    /// Validators per chain.
    #[arg(long, default_value_t = 4)]
    pub validators: u32,
    /// Block time in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub block_time_ms: u64,
    /// 50 ms blocks (overrides --block-time-ms).
    #[arg(long)]
    pub fast: bool,
    /// Where chain data and devnet.json live; survives restarts.
    #[arg(long, default_value = ".strait-devnet")]
    pub data_dir: PathBuf,
    /// Chain i listens on 127.0.0.1:(base + i - 1). 0 picks free ports.
    #[arg(long, default_value_t = 9650)]
    pub rpc_port_base: u16,
    /// Delete the devnet in the data directory first: new chains. Refused unless the directory is
    /// empty or holds a devnet (its `devnet.json` and `chain-<id>` folders, nothing else).
    #[arg(long)]
    pub fresh: bool,
    /// Send this many messages (round robin over ordered pairs of chains, to the counter app) and
    /// report delivery. A share of them (--transfer-percent) are token transfers in every
    /// direction, some refunded, checked for conservation at the end.
    #[arg(long)]
    pub messages: Option<u64>,
    /// With --messages: the share of token transfers, in percent (whole rounds of transfers over
    /// every ordered pair of chains; 0 for none).
    #[arg(long, default_value_t = crate::transfers::DEFAULT_PERCENT, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub transfer_percent: u8,
    /// With --messages: stop once every message is executed (or the timeout passes).
    #[arg(long)]
    pub exit_when_done: bool,
    /// With --messages: print one JSON object with the results on stdout.
    #[arg(long)]
    pub json: bool,
    /// With --messages: offer the load at this many messages per second in total (open loop, for a
    /// latency measurement at a fixed rate) instead of as fast as the chains accept it.
    #[arg(long)]
    pub rate: Option<u32>,
    /// With --messages: give up after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
    /// Run no relayer (relay with `strait relayer` instead).
    #[arg(long)]
    pub no_relayer: bool,
    /// Run no attester committees (by default every source chain gets a 3-of-4 ECDSA, a 2-of-3
    /// ed25519 and a 2-of-3 BLS committee, attesters in process, a kind-5 and an optimistic
    /// client of every source chosen by `counter-bls` and `counter-optimistic`; `counter-ecdsa` and
    /// `counter-ed25519` each choose one committee's client, `counter-composite` requires the BFT
    /// light client and 2 of the 3 committees).
    #[arg(long)]
    pub no_committees: bool,
    /// Run no watcher (by default one watches every chain's clients and the attesters, and
    /// submits evidence against a lying one).
    #[arg(long)]
    pub no_watcher: bool,
    /// Run no EVM chains (by default two anvil chains join the devnet when the EVM tool chain is
    /// installed: contracts deployed, committees both ways, relayed in every direction).
    #[arg(long)]
    pub no_evm: bool,
    /// With --messages and EVM chains: this many more messages over the routes with an EVM end
    /// (native to EVM, EVM to native, EVM to EVM), reported under `evm` (default: --messages).
    #[arg(long)]
    pub evm_messages: Option<u64>,
    /// The seed everything random in the run is drawn from: the EVM routes' token transfers
    /// (amounts, which are refused or time out, order) and, with --faults, the fault schedule.
    /// Default: one from the clock. Printed at the start and in the report; the same seed
    /// replays the same workload and schedule.
    #[arg(long)]
    pub seed: Option<u64>,
    /// With --messages: crash and restart the relayer, and one EVM chain's attester, and
    /// reorganise EVM chains under their confirmation depth, at moments drawn from the seed while
    /// the load runs (the new relayer resumes from the chains' state alone, the attester from its
    /// signing record; what a reorganisation dropped is sent again); the schedule and what was
    /// done of it are in the report under `faults`.
    #[arg(long)]
    pub faults: bool,
}

impl DevnetArgs {
    /// The command that replays this run with `seed` (in a data directory of its own, so the
    /// failed run's stays for a look).
    pub(crate) fn replay_command(&self, seed: u64) -> String {
        let mut out = format!(
            "cargo run --release -p strait -- devnet --seed {seed} --chains {} --validators {}",
            self.chains, self.validators
        );
        if self.fast {
            out.push_str(" --fast");
        } else {
            out.push_str(&format!(" --block-time-ms {}", self.block_time_ms));
        }
        if let Some(n) = self.messages {
            out.push_str(&format!(
                " --messages {n} --transfer-percent {}",
                self.transfer_percent
            ));
        }
        if let Some(n) = self.evm_messages {
            out.push_str(&format!(" --evm-messages {n}"));
        }
        if let Some(rate) = self.rate {
            out.push_str(&format!(" --rate {rate}"));
        }
        for (on, flag) in [
            (self.faults, " --faults"),
            (self.no_relayer, " --no-relayer"),
            (self.no_committees, " --no-committees"),
            (self.no_watcher, " --no-watcher"),
            (self.no_evm, " --no-evm"),
            (self.exit_when_done, " --exit-when-done"),
        ] {
            if on {
                out.push_str(flag);
            }
        }
        let mut dir = self.data_dir.clone().into_os_string();
        dir.push("-replay");
        out.push_str(&format!(
            " --timeout-secs {} --rpc-port-base 0 --fresh --data-dir {}",
            self.timeout_secs,
            std::path::Path::new(&dir).display()
        ));
        out
    }
}

/// `<data-dir>/devnet.json`: what makes the devnet the same devnet after a restart.
#[derive(Debug, Serialize, Deserialize)]
struct DevnetFile {
    version: u32,
    chains: Vec<ChainSpec>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Reads the stored specs, or writes new ones from the arguments.
fn load_or_create_specs(args: &DevnetArgs, block_time_ms: u64) -> anyhow::Result<Vec<ChainSpec>> {
    let path = args.data_dir.join("devnet.json");
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let file: DevnetFile =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        if file.version != DEVNET_FILE_VERSION {
            bail!(
                "{} has version {}, expected {DEVNET_FILE_VERSION}; use --fresh",
                path.display(),
                file.version
            );
        }
        let first = file.chains.first().context("devnet.json lists no chain")?;
        if file.chains.len() as u64 != args.chains
            || first.validators != args.validators
            || first.block_time_ms != block_time_ms
        {
            tracing::warn!(
                chains = file.chains.len(), validators = first.validators, block_time_ms = first.block_time_ms,
                "reusing the stored devnet; its spec differs from the flags (use --fresh for a new one)"
            );
        }
        return Ok(file.chains);
    }
    if args.chains < 2 {
        bail!("a devnet needs at least 2 chains");
    }
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let specs = devnet_specs(
        args.chains,
        args.validators,
        Timestamp(now_ms()),
        block_time_ms,
    );
    let file = DevnetFile {
        version: DEVNET_FILE_VERSION,
        chains: specs.clone(),
    };
    write_atomically(&path, serde_json::to_string_pretty(&file)?.as_bytes())?;
    Ok(specs)
}

/// Whether `name` is an entry a devnet keeps in its data directory.
fn is_devnet_entry(name: &str) -> bool {
    name == "devnet.json"
        || name == "devnet.json.tmp"
        || name == crate::committees::FILE
        || name == "committees.json.tmp"
        || name == crate::committees::ATTESTERS_DIR
        || name == crate::evm_devnet::FILE
        || name == crate::evm_devnet::ATTESTERS_DIR
        || name == "evm.json.tmp"
        || name
            .strip_prefix("chain-")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Deletes the devnet kept in `dir` (for `--fresh`), refusing anything that is not one: `dir` must
/// be missing, empty, or a directory holding `devnet.json` and only devnet entries. The directory
/// itself stays; only the devnet's entries go.
fn remove_devnet(dir: &Path) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(e).with_context(|| {
                format!("--fresh: {} is not a devnet data directory", dir.display())
            })
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_devnet_entry(&name) {
            bail!(
                "--fresh refuses to delete {}: it holds {name:?}, which is not part of a devnet \
                 (a devnet data directory holds devnet.json and chain-<id> folders only)",
                dir.display()
            );
        }
        names.push(name);
    }
    if !names.is_empty() && !names.iter().any(|n| n == "devnet.json") {
        bail!(
            "--fresh refuses to delete {}: it has no devnet.json, so it is not a devnet's",
            dir.display()
        );
    }
    for name in names {
        let path = dir.join(name);
        let removed = if path.symlink_metadata()?.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Runs `strait devnet`.
pub async fn run(args: DevnetArgs) -> anyhow::Result<()> {
    // Listen before starting anything: Ctrl-C while the chains start stops them cleanly once up.
    let mut shutdown = crate::Shutdown::listen();
    if args.faults && (args.messages.is_none() || args.no_relayer) {
        bail!("--faults needs --messages and the in-process relayer (no --no-relayer)");
    }
    let seed = args.seed.unwrap_or_else(crate::devnet_seed::clock_seed);
    let replay = args.replay_command(seed);
    let block_time_ms = if args.fast {
        FAST_BLOCK_TIME_MS
    } else {
        args.block_time_ms
    };
    if args.fresh {
        remove_devnet(&args.data_dir)?;
    }
    let specs = load_or_create_specs(&args, block_time_ms)?;
    let evm_ids = evm_chain_ids(&args).await?;
    let mut nodes: Vec<NodeHandle> = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let port = if args.rpc_port_base == 0 {
            0
        } else {
            args.rpc_port_base.saturating_add(i as u16)
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut config = devnet_node_config(&specs, i, &args.data_dir, addr);
        config.foreign_remotes = evm_ids.clone();
        match strait_node::start_with(config, devnet_rpc_limits()).await {
            Ok(node) => nodes.push(node),
            Err(e) => {
                stop_all(nodes).await;
                return Err(e.context(format!("starting chain {} on {addr}", spec.chain_id)));
            }
        }
    }
    let endpoints: Vec<ChainEndpoint> = nodes
        .iter()
        .map(|n| ChainEndpoint::new(n.rpc_url(), n.ws_url()))
        .collect();
    print_guide(&args, &specs, &nodes);
    eprintln!(
        "  seed {seed}{} (--seed {seed} replays the workload{})",
        if args.faults {
            ", faults: relayer and EVM attester restarts, EVM reorganisations"
        } else {
            ""
        },
        if args.faults { " and the faults" } else { "" }
    );

    let committees = if args.no_committees {
        None
    } else {
        match crate::committees::start(
            &args.data_dir,
            &endpoints,
            args.rpc_port_base,
            block_time_ms,
        )
        .await
        {
            Ok(c) => Some(c),
            Err(e) => {
                stop_all(nodes).await;
                return Err(e.context("starting the attester committees"));
            }
        }
    };
    if let Some(c) = &committees {
        print_committees(c, &nodes);
    }
    let evm = if evm_ids.is_empty() {
        None
    } else {
        let native: Vec<_> = nodes.iter().map(NodeHandle::chain_id).collect();
        let clients = endpoints
            .iter()
            .map(|e| crate::rpc_client::http_client(&e.rpc_url))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let rpc_urls: Vec<String> = endpoints.iter().map(|e| e.rpc_url.clone()).collect();
        match crate::evm_devnet::start(&evm_ids, &native, &clients, &rpc_urls).await {
            Ok(evm) => {
                print_evm(&evm, &nodes);
                Some(evm)
            }
            Err(e) => {
                if let Some(c) = committees {
                    c.stop().await;
                }
                stop_all(nodes).await;
                return Err(e.context("starting the EVM chains"));
            }
        }
    };
    let (stop_relayer, relayer_stopped) = tokio::sync::watch::channel(false);
    let mut relayer_config = RelayerConfig::new(endpoints.clone(), "relayer-0");
    if let Some(c) = &committees {
        relayer_config.attested = c.attested.clone();
        for &(source, destination, client) in &c.propose {
            relayer_config.propose_to(source, destination, client);
        }
    }
    // The EVM chains' adapters and attesters, their committee clients and boards for the relayer.
    let (evm_relay, mut evm_attesters) = match (&evm, &committees) {
        (Some(e), Some(c)) => {
            match start_evm_agents(e, c, &args.data_dir, block_time_ms, &mut relayer_config).await {
                Ok((chains, attesters)) => (Some(chains), Some(attesters)),
                Err(e) => {
                    if let Some(c) = committees {
                        c.stop().await;
                    }
                    stop_all(nodes).await;
                    return Err(e.context("starting the EVM chains' relayer and attesters"));
                }
            }
        }
        _ => (None, None),
    };
    // The watcher: every chain's clients, the native committees' boards and the EVM chains'
    // (their attesters sign from here on; the native chains' clients of an EVM chain are where
    // an EVM attester's equivocation is proven).
    let watcher = if args.no_watcher {
        None
    } else {
        let started = async {
            let (boards, watched) = match &committees {
                Some(c) => {
                    let mut boards = c.boards.0.clone();
                    let mut watched = c.watched.clone();
                    if let (Some(e), Some(a)) = (&evm, &evm_attesters) {
                        boards.extend(a.boards.iter().cloned());
                        crate::evm_devnet::add_watched(&mut watched, e)?;
                    }
                    (
                        Some(Arc::new(strait_attester::Boards(boards))
                            as Arc<dyn strait_chain_client::AttestationSource>),
                        watched,
                    )
                }
                None => (None, Vec::new()),
            };
            let evm_chains = match &evm {
                Some(e) => crate::evm_devnet::watcher_chains(e).await?,
                None => Vec::new(),
            };
            crate::devnet_watcher::start(&endpoints, evm_chains, boards, watched, block_time_ms)
                .await
        }
        .await;
        match started {
            Ok(w) => {
                eprintln!(
                    "  watcher: in process, every {} ms; its alerts are logged as WATCHER (--no-watcher to skip)",
                    crate::devnet_watcher::poll_interval(block_time_ms).as_millis()
                );
                Some(w)
            }
            Err(e) => {
                if let Some(a) = evm_attesters {
                    a.stop().await;
                }
                if let Some(c) = committees {
                    c.stop().await;
                }
                stop_all(nodes).await;
                return Err(e.context("starting the watcher"));
            }
        }
    };
    let receivers = committees
        .as_ref()
        .map(|c| c.receivers.clone())
        .unwrap_or_default();
    relayer_config.poll_interval = Duration::from_millis((block_time_ms * 2).clamp(20, 1000));
    relayer_config.tx_poll_interval = Duration::from_millis((block_time_ms / 4).clamp(5, 100));
    let relayer_metrics = relayer_config.metrics.clone();
    let relays_evm = evm_relay.is_some() && !args.no_relayer;
    // What starts the relayer again after a crash (--faults): its configuration, nothing more.
    let spawner = crate::devnet_faults::RelayerSpawner {
        endpoints: endpoints.clone(),
        attested: relayer_config.attested.clone(),
        propose: relayer_config.propose.clone(),
        poll_interval: relayer_config.poll_interval,
        tx_poll_interval: relayer_config.tx_poll_interval,
        metrics: relayer_metrics.clone(),
        stop: relayer_stopped,
    };
    let mut relayer = (!args.no_relayer).then(|| spawner.spawn(relayer_config, evm_relay));

    let outcome = match args.messages {
        Some(n) => {
            let run = load::run(
                &endpoints,
                n,
                args.transfer_percent,
                args.rate,
                block_time_ms,
                Duration::from_secs(args.timeout_secs),
                relayer_metrics,
                &receivers,
            );
            let evm_run = async {
                match &evm {
                    Some(e) if relays_evm => {
                        let native: Vec<_> = nodes
                            .iter()
                            .map(|n| {
                                crate::rpc_client::http_client(&n.rpc_url())
                                    .map(|c| (n.chain_id(), c))
                            })
                            .collect::<anyhow::Result<_>>()?;
                        let messages = args.evm_messages.unwrap_or(n);
                        let per_round =
                            crate::evm_transfers::per_round(native.len(), e.chains.len());
                        crate::evm_load::run(
                            &native,
                            &e.chains,
                            messages,
                            crate::evm_transfers::rounds(
                                messages,
                                args.transfer_percent,
                                per_round,
                            ),
                            seed,
                            Duration::from_secs(args.timeout_secs),
                        )
                        .await
                        .map(Some)
                    }
                    _ => Ok(None),
                }
            };
            let schedule = if args.faults {
                crate::devnet_seed::fault_schedule(seed)
            } else {
                Vec::new()
            };
            let faults = crate::devnet_faults::run(
                schedule,
                &mut relayer,
                &spawner,
                evm.as_ref().filter(|_| relays_evm),
                evm_attesters.as_mut(),
                std::time::Instant::now(),
            );
            tokio::select! {
                r = async { tokio::join!(run, evm_run, faults) } => Some(r),
                () = shutdown.wait() => None,
            }
        }
        None => None,
    };
    let mut result = Ok(());
    if let Some((outcome, evm_outcome, faults)) = outcome {
        let faults = match faults {
            Ok(mut f) => {
                f.finish();
                Some(f)
            }
            Err(e) => {
                result = Err(e.context("the fault schedule"));
                None
            }
        };
        let evm_report = match evm_outcome {
            Ok(r) => r,
            Err(e) => {
                result = Err(e.context("the EVM routes' messages"));
                None
            }
        };
        match outcome {
            Ok(report) => {
                let mut value = serde_json::to_value(&report)?;
                value["seed"] = seed.into();
                value["replay"] = replay.clone().into();
                if let Some(f) = &faults {
                    value["faults"] = serde_json::to_value(f)?;
                    if !f.complete() && result.is_ok() {
                        result = Err(anyhow::anyhow!(
                            "not every scheduled fault was done: {}",
                            serde_json::to_string(f)?
                        ));
                    }
                }
                if let Some(r) = &evm_report {
                    value["evm"] = serde_json::to_value(r)?;
                    if !r.all_executed_once() && result.is_ok() {
                        result = Err(anyhow::anyhow!(
                            "not every message on an EVM route was executed exactly once and \
                             settled: {}",
                            serde_json::to_string(r)?
                        ));
                    }
                }
                if let Some(w) = &watcher {
                    value["watcher"] = serde_json::to_value(w.summary())?;
                }
                if args.json {
                    out!("{}", serde_json::to_string(&value)?);
                } else {
                    eprintln!("{}", serde_json::to_string_pretty(&value)?);
                }
                if !report.all_executed_once() {
                    result = Err(anyhow::anyhow!(
                        "not every message ended as planned exactly once, or the token books do \
                         not balance: sent {}, delivered {}, failed {}, duplicates {}, transfers {}",
                        report.sent,
                        report.delivered,
                        report.failed,
                        report.duplicates,
                        serde_json::to_string(&report.transfers)?
                    ));
                }
            }
            Err(e) => result = Err(e),
        }
        if !args.exit_when_done && result.is_ok() {
            eprintln!("all messages delivered; the devnet keeps running, Ctrl-C to stop");
            shutdown.wait().await;
        }
    } else if args.messages.is_none() {
        shutdown.wait().await;
    }
    eprintln!("stopping the devnet");
    // A failed run names its seed and the command that replays it.
    let result = result.map_err(|e| anyhow::anyhow!("{e:#}\nseed {seed}; replay: {replay}"));
    let _ = stop_relayer.send(true);
    if let Some(relayer) = relayer {
        match tokio::time::timeout(Duration::from_secs(10), relayer).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "relayer ended with an error"),
            Ok(Err(e)) => tracing::warn!(error = %e, "relayer task failed"),
            Err(_) => tracing::warn!("relayer did not stop within 10 s"),
        }
    }
    if let Some(w) = watcher {
        let summary = w.stop().await;
        eprintln!(
            "watcher: {} steps, {} findings, {} evidence submitted",
            summary.steps, summary.findings, summary.submitted
        );
    }
    if let Some(a) = evm_attesters {
        a.stop().await;
    }
    if let Some(c) = committees {
        c.stop().await;
    }
    drop(evm);
    stop_all(nodes).await;
    result
}

/// The EVM chains' relay adapters and attesters; their committee clients and the attesters'
/// boards go into `relayer`'s configuration.
async fn start_evm_agents(
    evm: &crate::evm_devnet::EvmDevnet,
    committees: &crate::committees::Committees,
    data_dir: &Path,
    block_time_ms: u64,
    relayer: &mut RelayerConfig,
) -> anyhow::Result<(
    Vec<crate::evm_devnet::RelayChain>,
    crate::evm_attesters::EvmAttesters,
)> {
    let chains = crate::evm_devnet::relay_chains(evm).await?;
    let sources: Vec<_> = chains.iter().map(|c| c.source.clone()).collect();
    let attesters = crate::evm_attesters::start(
        &sources,
        &data_dir.join(crate::evm_devnet::ATTESTERS_DIR),
        Duration::from_millis((2 * block_time_ms).clamp(50, 500)),
        &tokio::runtime::Handle::current(),
    )?;
    let mut boards = committees.boards.0.clone();
    boards.extend(attesters.boards.iter().cloned());
    relayer.attested.source = Some(Arc::new(strait_attester::Boards(boards)));
    relayer
        .attested
        .routes
        .extend(crate::evm_lc_route::routes(evm));
    relayer
        .attested
        .clients
        .extend(crate::evm_devnet::attested_clients(
            evm,
            &crate::evm_devnet::verifier_ids(evm),
        )?);
    Ok((chains, attesters))
}

/// This run's EVM chain ids: none with `--no-evm` or `--no-committees` (both directions go under
/// committees), nor when the EVM tool chain is missing and cannot be installed (said so on
/// stderr).
async fn evm_chain_ids(args: &DevnetArgs) -> anyhow::Result<Vec<strait_primitives::ChainId>> {
    if args.no_evm {
        return Ok(Vec::new());
    }
    if args.no_committees {
        eprintln!(
            "strait devnet: no EVM chains with --no-committees (their routes go under the \
             attester committees)"
        );
        return Ok(Vec::new());
    }
    if let Some(why) = crate::evm_devnet::missing_toolchain().await {
        eprintln!("strait devnet: {why}");
        return Ok(Vec::new());
    }
    crate::evm_devnet::reserve_ids(&args.data_dir)
}

fn print_evm(evm: &crate::evm_devnet::EvmDevnet, nodes: &[NodeHandle]) {
    for chain in &evm.chains {
        eprintln!(
            "  EVM chain {:>6}  rpc {}  (anvil, {} s blocks, in memory: new chain ids each run)",
            chain.chain_id,
            chain.url,
            crate::evm_devnet::BLOCK_TIME_S
        );
        eprintln!(
            "    endpoint {}  guardians {}  counter {}",
            chain.endpoint, chain.guardians, chain.counter
        );
        eprintln!(
            "    token app {}  its own token {} ({}), peers: the native token app and the other \
             EVM chain's",
            chain.token_app,
            chain.token,
            crate::evm_devnet::EVM_DENOM
        );
        for (source, verifier) in &chain.verifiers {
            eprintln!("    ECDSA committee verifier of chain {source}: {verifier}");
        }
        eprintln!(
            "    counter_lc {} (trusts only the native chains' light clients)",
            chain.counter_lc
        );
        for (source, client) in &chain.light_clients {
            eprintln!("    light client (BLS, kind 5) of native chain {source}: {client}");
        }
    }
    eprintln!(
        "  EVM keys: anvil's public development keys (never for a chain with value); native \
         chains verify EVM chains with {} ECDSA committee clients (counter-ecdsa)",
        evm.native_clients.len()
    );
    if let (Some(node), Some(chain)) = (nodes.first(), evm.chains.first()) {
        eprintln!(
            "  Try native to EVM, and EVM to native with cast (contracts/node_modules/.bin):"
        );
        eprintln!(
            "    strait send --rpc {} --to-chain {} --receiver 0x{} --payload hello",
            node.rpc_url(),
            chain.chain_id,
            hex::encode(crate::evm_devnet::address32(chain.counter).0)
        );
        eprintln!(
            "    cast send --rpc-url {} --private-key 0x{} {} \
             'send(uint64,bytes32,(bool,uint64,uint64),bytes)' {} 0x{} '(false,0,0)' 0x68656c6c6f",
            chain.url,
            crate::evm_devnet::LOAD_KEY,
            chain.endpoint,
            node.chain_id(),
            hex::encode(strait_devnet_api::apps::counter_ecdsa().0)
        );
        let evm_args: String = evm
            .chains
            .iter()
            .map(|c| format!(" --evm {}", c.status_arg()))
            .collect();
        eprintln!(
            "    strait status <message-id> --rpc {}{evm_args}",
            node.rpc_url()
        );
        if let Some(&(source, client)) = chain.light_clients.first() {
            eprintln!(
                "  A relayer of your own between the native chains and an EVM chain (its EVM key \
                 from the environment; here anvil's public dev key), on counter_lc's route:"
            );
            let rpcs: String = nodes
                .iter()
                .map(|n| format!(" --rpc {}", n.rpc_url()))
                .collect();
            eprintln!(
                "    STRAIT_EVM_KEY={} strait relayer{rpcs} --evm {} --evm-confirmations {} \
                 --evm-verifier {}:{client}:5 --route {source}:{}:0x{}",
                crate::evm_devnet::GUIDE_RELAYER_KEY,
                chain.status_arg(),
                crate::evm_devnet::CONFIRMATIONS,
                chain.chain_id,
                chain.chain_id,
                hex::encode(crate::evm_devnet::address32(chain.counter_lc).0)
            );
        }
    }
}

fn print_committees(c: &crate::committees::Committees, nodes: &[NodeHandle]) {
    eprintln!(
        "  attesters: {} in process (3-of-4 ECDSA, 2-of-3 ed25519 and 2-of-3 BLS committees per \
         source chain), {} committee clients, records in attesters/",
        c.attesters.len(),
        c.attested.clients.len()
            + c.attested
                .routes
                .iter()
                .map(|r| r.committees.len())
                .sum::<usize>()
    );
    if let (Some(first), Some(node)) = (
        c.attested.clients.first(),
        nodes.iter().find(|n| {
            c.attested
                .clients
                .first()
                .is_some_and(|f| f.destination == n.chain_id())
        }),
    ) {
        eprintln!(
            "  see them: curl -s {} -H 'content-type: application/json' -d \
             '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"strait_attesters\",\"params\":[{}]}}'",
            node.rpc_url(),
            first.client
        );
        eprintln!(
            "  messages to counter-ecdsa / counter-ed25519 go under the committees (strait send \
             --receiver counter-ecdsa ...)"
        );
    }
    if let Some(route) = c.attested.routes.first() {
        let rpc = nodes
            .iter()
            .find(|n| n.chain_id() == route.destination)
            .map_or_else(String::new, |n| n.rpc_url());
        eprintln!(
            "  counter-composite requires the light client AND {} of 3 committees; see its route: \
             strait status --rpc {rpc} --route counter-composite --source {}",
            crate::committees::COMPOSITE_THRESHOLD,
            route.source
        );
    }
}

async fn stop_all(nodes: Vec<NodeHandle>) {
    for node in nodes {
        node.stop().await;
    }
}

fn print_guide(args: &DevnetArgs, specs: &[ChainSpec], nodes: &[NodeHandle]) {
    let block_time_ms = specs.first().map_or(0, |s| s.block_time_ms);
    eprintln!(
        "strait devnet: {} chains, {} validators each, {block_time_ms} ms blocks, data in {}",
        specs.len(),
        specs.first().map_or(0, |s| s.validators),
        args.data_dir.display()
    );
    for node in nodes {
        eprintln!(
            "  chain {:>3}  rpc {}  ws {}",
            node.chain_id(),
            node.rpc_url(),
            node.ws_url()
        );
    }
    if args.no_relayer {
        eprintln!("  no relayer: run `strait relayer --rpc <url> --rpc <url>`");
    } else {
        eprintln!("  relayer: in process, account relayer-0");
    }
    if let [a, b, ..] = nodes {
        eprintln!();
        eprintln!("Try:");
        eprintln!(
            "  strait send --rpc {} --to-chain {} --receiver counter --payload hello",
            a.rpc_url(),
            b.chain_id()
        );
        eprintln!(
            "  strait status <message-id> --rpc {} --rpc {}",
            a.rpc_url(),
            b.rpc_url()
        );
        eprintln!("Ctrl-C stops the devnet; the next `strait devnet` with the same --data-dir continues it.");
    }
}

/// The RPC bounds of the devnet's nodes: the defaults, but one peer address may hold as many
/// connections as the node serves at all. The nodes listen on 127.0.0.1 only, and every client
/// is the devnet's own (each in-process attester, relayer, the watcher, the workload) or the
/// user's CLI, all from that one address: with three chains and thirty attesters the default
/// bound of 64 per address was reached under load, refusing the devnet's own reads.
fn devnet_rpc_limits() -> strait_node::RpcLimits {
    let limits = strait_node::RpcLimits::default();
    strait_node::RpcLimits {
        max_connections_per_ip: limits.max_connections,
        ..limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty directory under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("strait-fresh-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The replay command, run, is the same run: its flags parse back to the same arguments, in
    /// a data directory of its own.
    #[test]
    fn the_replay_command_parses_back_to_the_same_run() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: DevnetArgs,
        }
        let parse = |words: &[&str]| {
            <Cli as clap::Parser>::try_parse_from(
                std::iter::once("devnet").chain(words.iter().copied()),
            )
            .unwrap()
            .args
        };
        let args = parse(&[
            "--seed",
            "7",
            "--messages",
            "20",
            "--evm-messages",
            "300",
            "--faults",
            "--fast",
            "--exit-when-done",
            "--data-dir",
            "/tmp/d",
        ]);
        let replay = args.replay_command(7);
        let (_, tail) = replay.split_once(" -- devnet ").unwrap();
        let again = parse(&tail.split(' ').collect::<Vec<_>>());
        assert_eq!(again.seed, Some(7));
        assert_eq!(again.messages, Some(20));
        assert_eq!(again.evm_messages, Some(300));
        assert_eq!(again.transfer_percent, args.transfer_percent);
        assert!(again.faults && again.fast && again.exit_when_done && again.fresh);
        assert_eq!(again.data_dir, PathBuf::from("/tmp/d-replay"));
    }

    #[test]
    fn fresh_deletes_a_devnet_and_keeps_its_directory() {
        let dir = temp_dir("devnet");
        std::fs::write(dir.join("devnet.json"), "{}").unwrap();
        std::fs::create_dir_all(dir.join("chain-1/db")).unwrap();
        std::fs::create_dir_all(dir.join("chain-12")).unwrap();
        // The committees' clients and the attesters' signing records go with it.
        std::fs::write(dir.join("committees.json"), "{}").unwrap();
        std::fs::create_dir_all(dir.join("attesters")).unwrap();
        std::fs::write(dir.join("attesters/attest_ecdsa-1-1.redb"), "").unwrap();
        // The EVM chains' id counter and their attesters' records too.
        std::fs::write(dir.join("evm.json"), "{}").unwrap();
        std::fs::create_dir_all(dir.join("evm-attesters")).unwrap();
        std::fs::write(dir.join("evm-attesters/attest_ecdsa-31337-1.redb"), "").unwrap();
        remove_devnet(&dir).unwrap();
        assert!(dir.is_dir());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fresh_accepts_a_missing_or_empty_directory() {
        let dir = temp_dir("empty");
        remove_devnet(&dir).unwrap();
        assert!(dir.is_dir());
        std::fs::remove_dir_all(&dir).unwrap();
        remove_devnet(&dir).unwrap();
    }

    #[test]
    fn fresh_refuses_a_directory_that_is_not_a_devnet() {
        // Someone's files next to a devnet: nothing is deleted.
        let dir = temp_dir("foreign");
        std::fs::write(dir.join("devnet.json"), "{}").unwrap();
        std::fs::create_dir_all(dir.join("chain-1")).unwrap();
        std::fs::write(dir.join("thesis.tex"), "precious").unwrap();
        let err = remove_devnet(&dir).unwrap_err().to_string();
        assert!(err.contains("thesis.tex"), "{err}");
        assert!(dir.join("devnet.json").exists() && dir.join("chain-1").exists());

        // Only devnet-looking names but no devnet.json: not a devnet either.
        std::fs::remove_file(dir.join("thesis.tex")).unwrap();
        std::fs::remove_file(dir.join("devnet.json")).unwrap();
        let err = remove_devnet(&dir).unwrap_err().to_string();
        assert!(err.contains("no devnet.json"), "{err}");
        assert!(dir.join("chain-1").exists());

        // A name that only starts like a chain folder.
        std::fs::write(dir.join("devnet.json"), "{}").unwrap();
        std::fs::create_dir_all(dir.join("chain-x")).unwrap();
        assert!(remove_devnet(&dir).is_err());
        assert!(dir.join("chain-x").exists());
        std::fs::remove_dir_all(&dir).unwrap();

        // A file, not a directory.
        let file = std::env::temp_dir().join(format!("strait-fresh-file-{}", std::process::id()));
        std::fs::write(&file, "data").unwrap();
        assert!(remove_devnet(&file).is_err());
        assert!(file.exists());
        std::fs::remove_file(&file).unwrap();
    }
}
