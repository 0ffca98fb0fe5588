//! `strait`: run a local multi-chain devnet with a relayer, send messages, follow them, relay.

/// `println!` for results: when stdout is a closed pipe (`strait send ... | head -1`) the process
/// ends quietly, as a Unix filter does, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!($($arg)*))
    };
}

mod attester;
mod bls_route;
mod committees;
mod devnet;
mod devnet_faults;
mod devnet_seed;
mod devnet_watcher;
mod evm_args;
mod evm_attesters;
mod evm_devnet;
mod evm_lc_route;
mod evm_load;
mod evm_token_books;
mod evm_transfers;
mod hetero_chain;
mod hetero_relayer;
mod ledger;
mod load;
mod opt_route;
mod propose;
mod queue;
mod route_status;
mod rpc_client;
mod send;
mod setup_tx;
mod sim;
mod sim_byzantine;
mod status;
mod status_chains;
mod token;
mod transfer_driver;
mod transfers;
mod watcher;

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use strait_devnet_client::{ChainEndpoint, RelayerConfig};

/// Strait: cross-chain message passing on a local devnet.
#[derive(Debug, Parser)]
#[command(name = "strait", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run N devnet chains and a relayer in this process, until Ctrl-C.
    Devnet(devnet::DevnetArgs),
    /// Send a message from the chain at --rpc to another chain; prints its id.
    Send(send::SendArgs),
    /// Show where a message is: sent, proven, delivered (executed or failed), what it paid.
    Status(status::StatusArgs),
    /// What a message costs: the quote a `send --gas-limit` locks on the chain at --rpc.
    Quote(send::QuoteArgs),
    /// Relay messages between running chains, until Ctrl-C.
    Relayer(RelayerArgs),
    /// Sign final checkpoints of a chain's outbox as a member of an attester committee and serve
    /// them over JSON-RPC, until Ctrl-C (devnet keys from public seeds).
    Attester(attester::AttesterArgs),
    /// Watch chains' verifiers and attesters' boards; submit the evidence that freezes a client
    /// vouching for what its source never committed, until Ctrl-C.
    Watcher(watcher::WatcherArgs),
    /// Move tokens to another chain with the token application; prints the message id, or the
    /// queue id when over a rate limit.
    Transfer(token::TransferArgs),
    /// An account's token balance on the chain at --rpc.
    Balance(token::BalanceArgs),
    /// Transfers queued by rate limits: list them, or cancel one as its owner.
    #[command(subcommand)]
    Queue(queue::QueueCommand),
    /// Set a token rate limit (direction, remote chain, denom) with three guardian approvals.
    Limit(queue::LimitArgs),
    /// Set the chain's anomaly rule (a token whose escrow drains too fast pauses itself) with
    /// three guardian approvals.
    Breaker(queue::BreakerArgs),
    /// Pause the endpoint (or one inbound route, or one token) of the chain at --rpc, with
    /// guardian approvals.
    Pause(token::PauseArgs),
    /// Unpause it (more guardian approvals than a pause).
    Unpause(token::PauseArgs),
    /// Execute again a message whose execution failed (anyone may).
    Retry(token::RetryArgs),
    /// Finalize as failed a message whose execution failed: its receiver at any time, anyone after
    /// the retry window; the failure goes back to the sender, who is refunded.
    Finalize(token::RetryArgs),
    /// Run the whole-system simulator over a range of seeds: chains, relayers and faults in one
    /// process, every invariant checked after every block.
    Sim(sim::SimArgs),
}

/// Arguments of `strait relayer`.
#[derive(Debug, Args)]
struct RelayerArgs {
    /// JSON-RPC URL of a chain (at least two; every ordered pair is relayed).
    #[arg(long = "rpc", required = true, num_args = 1)]
    rpc: Vec<String>,
    /// Websocket URL of each chain, in the order of --rpc. Default: the --rpc URL with ws://.
    #[arg(long = "ws")]
    ws: Vec<String>,
    /// Never use websockets: poll for new blocks.
    #[arg(long)]
    no_ws: bool,
    /// Devnet account label that signs relay transactions.
    #[arg(long, default_value = "relayer-0")]
    account: String,
    /// Most messages per delivery batch.
    #[arg(long, default_value_t = 1024)]
    max_batch: usize,
    /// Polling interval in milliseconds, when no new-block notification arrives.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
    /// JSON-RPC URL of an attester (`strait attester`), for committee clients.
    #[arg(long = "attester")]
    attesters: Vec<String>,
    /// Find the attesters of each --committee-client on chain instead: the URLs its committee's
    /// members announced on the client's destination (`strait_attesters`).
    #[arg(long)]
    discover_attesters: bool,
    /// A committee client of the devnet committee to keep current with certificates:
    /// `SOURCE:DESTINATION:CLIENT` (the destination's default verifier of the source) or
    /// `SOURCE:DESTINATION:CLIENT:RECEIVER` (a client the receiver chose; the receiver in hex or a
    /// built-in app's name, e.g. `counter-ecdsa`).
    #[arg(long = "committee-client")]
    committee_clients: Vec<String>,
    /// A route relayed under the receiver's own security config (`docs/SPEC.md` §12):
    /// `SOURCE:DESTINATION:RECEIVER[:CLIENT,CLIENT...]`, listing the committee clients of the
    /// devnet committee its config names (certified from --attester URLs).
    #[arg(long = "route")]
    routes: Vec<String>,
    /// The devnet committee's scheme, members and threshold (as given to `strait attester`).
    #[arg(long, value_enum, default_value = "ecdsa")]
    committee_scheme: attester::Scheme,
    /// Members of the devnet committee.
    #[arg(long, default_value_t = 4)]
    committee_members: u8,
    /// Its threshold.
    #[arg(long, default_value_t = 3)]
    committee_threshold: u16,
    /// Carry only messages that paid at least this many `sat` on their source (1: any paid
    /// message); unpaid ones are left to others (self-relay). Default (or 0): carry everything.
    /// Outcomes are always carried: proving them back is what pays the relayers.
    #[arg(long)]
    min_fee: Option<u128>,
    /// An optimistic client to propose the source's outbox roots to, bonding from --account:
    /// `SOURCE:DESTINATION:CLIENT` (`docs/SPEC.md` `[STRAIT-OPT.3]`); routes requiring it carry
    /// messages once each proposal settles.
    #[arg(long = "propose")]
    propose: Vec<String>,
    /// EVM chains to relay to and from.
    #[command(flatten)]
    evm: evm_args::EvmChainsArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // A simulation's relayers log what its faults make them see (tampered relays, abandoned
    // headers) by design: silent unless RUST_LOG asks; its own report goes to stdout/stderr.
    let default_filter = match &cli.command {
        Command::Sim(_) => "off",
        Command::Devnet(a) if a.json => "warn",
        _ => "info",
    };
    init_tracing(default_filter);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Devnet(args) => devnet::run(args).await,
        Command::Send(args) => send::run(args).await,
        Command::Status(args) => status::run(args).await,
        Command::Quote(args) => send::quote(args).await,
        Command::Relayer(args) => relayer(args).await,
        Command::Attester(args) => attester::run(args).await,
        Command::Watcher(args) => watcher::run(args).await,
        Command::Transfer(args) => token::transfer(args).await,
        Command::Balance(args) => token::balance(args).await,
        Command::Queue(command) => queue::run(command).await,
        Command::Limit(args) => queue::set_limit(args).await,
        Command::Breaker(args) => queue::set_breaker(args).await,
        Command::Pause(args) => token::set_pause(args, true).await,
        Command::Unpause(args) => token::set_pause(args, false).await,
        Command::Retry(args) => token::retry_or_finalize(args, false).await,
        Command::Finalize(args) => token::retry_or_finalize(args, true).await,
        Command::Sim(args) => tokio::task::spawn_blocking(move || sim::run(args)).await?,
    }
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, listened for from [`Shutdown::listen`] on: a signal that
/// arrives before [`Shutdown::wait`] is awaited (while the devnet starts, say) is kept, not lost, and
/// does not kill the process on the spot.
pub(crate) struct Shutdown {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Shutdown {
    /// Starts listening (within a tokio runtime).
    pub(crate) fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let signals = signal(SignalKind::interrupt())
                .and_then(|int| Ok((int, signal(SignalKind::terminate())?)));
            if let Err(e) = &signals {
                tracing::warn!(error = %e, "cannot listen for SIGINT and SIGTERM; Ctrl-C only");
            }
            Self {
                signals: signals.ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Completes on the next signal (or on one that came since the last wait).
    pub(crate) async fn wait(&mut self) {
        #[cfg(unix)]
        if let Some((int, term)) = &mut self.signals {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `http://host:port` to `ws://host:port` (and `https` to `wss`).
pub(crate) fn ws_of(rpc_url: &str) -> String {
    if let Some(rest) = rpc_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = rpc_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        rpc_url.to_owned()
    }
}

async fn relayer(args: RelayerArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.rpc.len() + args.evm.evm.len() >= 2,
        "give at least two chains (--rpc, --evm)"
    );
    anyhow::ensure!(
        args.ws.is_empty() || args.ws.len() == args.rpc.len(),
        "give one --ws URL per --rpc URL, or none"
    );
    let evm = args.evm.adapters().await?;
    let chains = args
        .rpc
        .iter()
        .enumerate()
        .map(|(i, url)| ChainEndpoint {
            rpc_url: url.clone(),
            ws_url: (!args.no_ws).then(|| args.ws.get(i).cloned().unwrap_or_else(|| ws_of(url))),
        })
        .collect();
    let mut config = RelayerConfig::new(chains, &args.account);
    config.max_batch = args.max_batch;
    config.poll_interval = Duration::from_millis(args.poll_ms.max(1));
    let mut devnet_committee = None;
    if !args.attesters.is_empty() {
        devnet_committee = Some(attester::devnet_committee(
            args.committee_scheme,
            args.committee_members,
            args.committee_threshold,
        )?);
    }
    for spec in &args.routes {
        let devnet = devnet_committee
            .as_ref()
            .map(|(c, id)| (args.committee_scheme, c, *id));
        config
            .attested
            .routes
            .push(attester::secured_route(spec, devnet)?);
    }
    if !args.attesters.is_empty() && args.committee_clients.is_empty() {
        let source =
            strait_devnet_client::RpcAttesters::new(&args.attesters, Duration::from_secs(5))
                .map_err(anyhow::Error::msg)?;
        config.attested.source = Some(std::sync::Arc::new(source));
    }
    if !args.committee_clients.is_empty() {
        anyhow::ensure!(
            !args.attesters.is_empty() || args.discover_attesters,
            "committee clients need --attester URLs or --discover-attesters"
        );
        let (committee, committee_id) = attester::devnet_committee(
            args.committee_scheme,
            args.committee_members,
            args.committee_threshold,
        )?;
        for spec in &args.committee_clients {
            config.attested.clients.push(attester::committee_client(
                spec,
                args.committee_scheme,
                &committee,
                committee_id,
            )?);
        }
        let mut urls = args.attesters.clone();
        if args.discover_attesters {
            for url in attester::discover_attesters(&args.rpc, &config.attested.clients).await? {
                if !urls.contains(&url) {
                    urls.push(url);
                }
            }
            tracing::info!(attesters = ?urls, "attesters discovered on chain");
            anyhow::ensure!(!urls.is_empty(), "no attester announced itself on chain");
        }
        let source = strait_devnet_client::RpcAttesters::new(&urls, Duration::from_secs(5))
            .map_err(anyhow::Error::msg)?;
        config.attested.source = Some(std::sync::Arc::new(source));
    }
    for spec in &args.propose {
        let (source, destination, client) = propose::parse(spec)?;
        config.propose_to(source, destination, client);
    }
    if let Some(min) = args.min_fee.filter(|m| *m > 0) {
        config.fee_policy = strait_devnet_client::FeePolicy::MinFee(min);
    }
    let metrics = config.metrics.clone();
    let mut shutdown = Shutdown::listen();
    if evm.is_empty() {
        strait_devnet_client::run_relayer(config, async move { shutdown.wait().await })
            .await
            .context("relayer")?;
    } else {
        hetero_relayer::run(config, evm, async move { shutdown.wait().await })
            .await
            .context("relayer")?;
    }
    let m = metrics.snapshot();
    tracing::info!(
        relayed = m.messages_relayed,
        txs = m.txs_submitted,
        duplicates_skipped = m.duplicates_skipped,
        "relayer stopped"
    );
    Ok(())
}

/// Writes one line to stdout; see [`out!`].
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            std::process::exit(1);
        }
    }
}
