//! `strait queue list`, `strait queue cancel` and `strait limit`: the token application's rate
//! limits from the command line (`docs/SPEC.md` §9.1).

use anyhow::Context as _;
use clap::{Args, Subcommand};
use strait_devnet_api::apps;
use strait_devnet_api::rpc::StraitApiClient;
use strait_devnet_api::tx::TxBody;
use strait_node::apps::token::limits::{Bucket, Direction, LimitConfig};
use strait_node::apps::token::{limit_digest, valid_denom, SetLimitCall, CALL_CANCEL};
use strait_primitives::ChainId;

use crate::rpc_client::http_client;
use crate::status_chains::{self, EvmChainArg};
use crate::token::submit;

/// `strait queue`.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Transfers queued by rate limits on the chain at --rpc, or on the EVM chain at --evm (id,
    /// direction, amount, owner).
    List(ListArgs),
    /// Cancel a queued transfer, as its owner: an outbound one is refunded at once; an inbound
    /// credit goes back to its sender.
    Cancel(CancelArgs),
}

/// Arguments of `strait queue list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// JSON-RPC URL of the chain.
    #[arg(long, required_unless_present = "evm", conflicts_with = "evm")]
    rpc: Option<String>,
    /// An EVM chain instead: `URL,ENDPOINT,TOKEN_APP` (as for `strait status`), its token
    /// application's queue.
    #[arg(long)]
    evm: Option<EvmChainArg>,
    /// First queue id to look at.
    #[arg(long, default_value_t = 1)]
    from: u64,
    /// How many ids to look at (at most 1,000).
    #[arg(long, default_value_t = 1_000)]
    limit: u32,
}

/// Arguments of `strait queue cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The queue id.
    id: u64,
    /// JSON-RPC URL of the chain where it is queued.
    #[arg(long)]
    rpc: String,
    /// Devnet account label of its owner (the sender of an outbound transfer, the recipient of an
    /// inbound one).
    #[arg(long, default_value = "alice")]
    account: String,
}

/// Runs `strait queue`.
pub async fn run(command: QueueCommand) -> anyhow::Result<()> {
    match command {
        QueueCommand::List(args) => match (&args.rpc, &args.evm) {
            (Some(rpc), _) => {
                let client = http_client(rpc)?;
                let page = client
                    .token_queue(args.from, args.limit)
                    .await
                    .context("tokenQueue")?;
                out!("{}", serde_json::to_string(&page)?);
            }
            (None, Some(evm)) => out!("{}", evm_queue(evm, args.from, args.limit).await?),
            (None, None) => anyhow::bail!("give --rpc or --evm"),
        },
        QueueCommand::Cancel(args) => {
            let client = http_client(&args.rpc)?;
            let info = client
                .chain_info()
                .await
                .with_context(|| format!("cannot reach {}", args.rpc))?;
            let body = TxBody::AppCall {
                app: apps::token(),
                data: [&[CALL_CANCEL][..], &args.id.to_be_bytes()].concat(),
            };
            let result = submit(&client, info.chain_id, &args.account, body, "cancel").await?;
            out!(
                "{}",
                serde_json::json!({
                    "cancelled": args.id,
                    "height": result.height,
                    "returned_as": result.message_id,
                    "fee": result.fee,
                })
            );
        }
    }
    Ok(())
}

/// The token application's queue on an EVM chain, as JSON: the native page's fields, with the
/// token's address and the timeouts where the native item has its queue time.
async fn evm_queue(evm: &EvmChainArg, from: u64, limit: u32) -> anyhow::Result<serde_json::Value> {
    anyhow::ensure!(
        evm.token_app.is_some(),
        "--evm needs the token application: URL,ENDPOINT,TOKEN_APP"
    );
    let reader = status_chains::evm_reader(evm).await?;
    let page = reader.token_queue(from, limit).await?;
    let items: Vec<serde_json::Value> = page
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id,
                "direction": if i.outbound { "out" } else { "in" },
                "remote_chain": i.remote_chain,
                "denom": i.denom,
                "token": i.token.to_string(),
                "amount": i.amount.to_string(),
                "owner": i.owner.to_string(),
                "counterparty": i.counterparty,
                "timeout_height": i.timeout_height,
                "timeout_timestamp_ms": i.timeout_timestamp_ms,
                "paused": i.paused,
            })
        })
        .collect();
    Ok(serde_json::json!({ "items": items, "last_id": page.last_id }))
}

/// Arguments of `strait limit`.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// JSON-RPC URL of the chain.
    #[arg(long)]
    rpc: String,
    /// `out` (sends from this chain) or `in` (receives).
    #[arg(long)]
    direction: String,
    /// The chain at the other end.
    #[arg(long)]
    remote: u64,
    /// Denomination on this chain.
    #[arg(long, default_value = strait_node::apps::token::NATIVE_DENOM)]
    denom: String,
    /// Most tokens the bucket holds.
    #[arg(long)]
    capacity: u128,
    /// Tokens added per second of block time.
    #[arg(long)]
    refill_per_s: u128,
    /// Guardian indices that approve (devnet guardians, public seeds: devnet only); three needed.
    #[arg(long, value_delimiter = ',', required = true)]
    guardians: Vec<usize>,
    /// Devnet account label that submits the transaction.
    #[arg(long, default_value = "alice")]
    account: String,
}

/// Runs `strait limit`: sets one bucket's limit with guardian approvals.
pub async fn set_limit(args: LimitArgs) -> anyhow::Result<()> {
    if !valid_denom(&args.denom) {
        anyhow::bail!("invalid denom {:?}", args.denom);
    }
    let direction = match args.direction.as_str() {
        "out" => Direction::Out,
        "in" => Direction::In,
        other => anyhow::bail!("direction {other:?}: `out` or `in`"),
    };
    let client = http_client(&args.rpc)?;
    let info = client
        .chain_info()
        .await
        .with_context(|| format!("cannot reach {}", args.rpc))?;
    let bucket = Bucket {
        direction,
        remote: ChainId(args.remote),
        denom: args.denom.clone(),
    };
    let limit = LimitConfig {
        capacity: args.capacity,
        refill_per_s: args.refill_per_s,
    };
    let counter = client.pause_state().await.context("pauseState")?.counter;
    let digest = limit_digest(info.chain_id, &bucket, &limit, counter);
    let mut guardians = args.guardians.clone();
    guardians.sort_unstable();
    guardians.dedup();
    let approvals = strait_node::guardians::guardian_approvals(&guardians, &digest);
    let call = SetLimitCall {
        bucket,
        limit,
        approvals,
    };
    let body = TxBody::AppCall {
        app: apps::token(),
        data: call.encode(),
    };
    let result = submit(&client, info.chain_id, &args.account, body, "limit").await?;
    out!(
        "{}",
        serde_json::json!({
            "direction": args.direction,
            "remote": args.remote,
            "denom": args.denom,
            "capacity": args.capacity.to_string(),
            "refill_per_s": args.refill_per_s.to_string(),
            "height": result.height,
        })
    );
    Ok(())
}

/// Arguments of `strait breaker`.
#[derive(Debug, Args)]
pub struct BreakerArgs {
    /// JSON-RPC URL of the chain.
    #[arg(long)]
    rpc: String,
    /// Window length, in milliseconds of block time.
    #[arg(long, default_value_t = 3_600_000)]
    window_ms: u64,
    /// Largest net outflow within a window, in ten-thousandths of the escrow at its start
    /// (10,000: off).
    #[arg(long)]
    max_outflow_bps: u16,
    /// Guardian indices that approve (devnet guardians, public seeds: devnet only); three needed.
    #[arg(long, value_delimiter = ',', required = true)]
    guardians: Vec<usize>,
    /// Devnet account label that submits the transaction.
    #[arg(long, default_value = "alice")]
    account: String,
}

/// Runs `strait breaker`: sets the chain's anomaly rule with guardian approvals.
pub async fn set_breaker(args: BreakerArgs) -> anyhow::Result<()> {
    use strait_node::apps::token::limits::AnomalyRule;
    use strait_node::apps::token::{anomaly_digest, SetAnomalyCall};
    let client = http_client(&args.rpc)?;
    let info = client
        .chain_info()
        .await
        .with_context(|| format!("cannot reach {}", args.rpc))?;
    let rule = AnomalyRule {
        window_ms: args.window_ms,
        max_outflow_bps: args.max_outflow_bps,
    };
    let counter = client.pause_state().await.context("pauseState")?.counter;
    let digest = anomaly_digest(info.chain_id, &rule, counter);
    let mut guardians = args.guardians.clone();
    guardians.sort_unstable();
    guardians.dedup();
    let call = SetAnomalyCall {
        rule,
        approvals: strait_node::guardians::guardian_approvals(&guardians, &digest),
    };
    let body = TxBody::AppCall {
        app: apps::token(),
        data: call.encode(),
    };
    let result = submit(&client, info.chain_id, &args.account, body, "breaker rule").await?;
    out!(
        "{}",
        serde_json::json!({
            "window_ms": args.window_ms,
            "max_outflow_bps": args.max_outflow_bps,
            "height": result.height,
        })
    );
    Ok(())
}
