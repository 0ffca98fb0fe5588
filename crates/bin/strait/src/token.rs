//! `strait transfer` and `strait balance`: the devnet's token application from the command line.

use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{StraitApiClient, TxResult};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_node::apps::token::{valid_denom, TransferCall, NATIVE_DENOM};
use strait_primitives::{Address32, ChainId, Timestamp};

use crate::rpc_client::{http_client, HttpClient};
use crate::send::wait_tx;

/// Arguments of `strait transfer`.
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// JSON-RPC URL of the chain the tokens leave.
    #[arg(long)]
    rpc: String,
    /// Destination chain id.
    #[arg(long)]
    to_chain: u64,
    /// Recipient: a devnet account label (public key material: devnet only) or a 0x-prefixed
    /// 32-byte address.
    #[arg(long)]
    to: String,
    /// Denomination as named on the sending chain (`sat`, or a voucher such as `1/sat`).
    #[arg(long, default_value = NATIVE_DENOM)]
    denom: String,
    /// Amount.
    #[arg(long)]
    amount: u128,
    /// Refund unless delivered within this many milliseconds (destination time).
    #[arg(long)]
    timeout_ms: Option<u64>,
    /// Gas bought on the destination: the message's quote (`strait quote`) is paid from the
    /// account's `sat` balance and split between the relayers on the outcome; 0 sends it unpaid
    /// (relayed by whoever chooses to).
    #[arg(long, default_value_t = 0)]
    gas_limit: u64,
    /// Devnet account label that signs and pays.
    #[arg(long, default_value = "alice")]
    account: String,
}

/// Arguments of `strait balance`.
#[derive(Debug, Args)]
pub struct BalanceArgs {
    /// JSON-RPC URL of the chain.
    #[arg(long)]
    rpc: String,
    /// A devnet account label or a 0x-prefixed 32-byte address.
    #[arg(long, default_value = "alice")]
    account: String,
    /// Denomination.
    #[arg(long, default_value = NATIVE_DENOM)]
    denom: String,
}

/// Signs `body` as the devnet account `account` with its next nonce on the chain `client`
/// reaches, submits it and waits for its result; fails with `what` and the reason if it failed.
pub(crate) async fn submit(
    client: &HttpClient,
    chain: ChainId,
    account: &str,
    body: TxBody,
    what: &str,
) -> anyhow::Result<TxResult> {
    let key = AccountKey::devnet(account);
    let nonce = client
        .account_nonce(key.address())
        .await
        .context("accountNonce")?;
    let tx = Tx {
        chain_id: chain,
        signer: key.address(),
        nonce,
        body,
    }
    .sign(&key)
    .encode();
    let hash = client
        .submit_transaction(tx.into())
        .await
        .context("submitTransaction")?;
    let result = wait_tx(client, hash, Duration::from_secs(60)).await?;
    if !result.success {
        bail!(
            "{what} refused: {}",
            result.error.unwrap_or_else(|| "no reason given".into())
        );
    }
    Ok(result)
}

fn address(who: &str) -> anyhow::Result<Address32> {
    if who.starts_with("0x") {
        return who
            .parse()
            .with_context(|| format!("{who:?} is not a 32-byte hex address"));
    }
    Ok(AccountKey::devnet(who).address())
}

/// Runs `strait transfer`: prints the transfer's message id.
pub async fn transfer(args: TransferArgs) -> anyhow::Result<()> {
    if !valid_denom(&args.denom) {
        bail!("invalid denom {:?}", args.denom);
    }
    let client = http_client(&args.rpc)?;
    let info = client
        .chain_info()
        .await
        .with_context(|| format!("cannot reach {}", args.rpc))?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let call = TransferCall {
        destination: ChainId(args.to_chain),
        recipient: address(&args.to)?,
        denom: args.denom.clone(),
        amount: args.amount,
        timeout_height: None,
        timeout_timestamp: args
            .timeout_ms
            .map(|ms| Timestamp(now_ms.saturating_add(ms))),
        gas_limit: args.gas_limit,
    };
    let body = TxBody::AppCall {
        app: apps::token(),
        data: call.encode(),
    };
    let before = client
        .token_queue(1, 0)
        .await
        .context("tokenQueue")?
        .last_id;
    let result = submit(&client, info.chain_id, &args.account, body, "transfer").await?;
    match result.message_id {
        Some(id) => out!(
            "{}",
            serde_json::json!({ "message_id": id, "height": result.height, "fee": result.fee })
        ),
        None => {
            // [STRAIT-LIMIT.3] over the limit: queued, not sent. Find it among the ids given
            // since (other transfers may have queued too).
            let sender = AccountKey::devnet(&args.account).address();
            let page = client
                .token_queue(before + 1, 1_000)
                .await
                .context("tokenQueue")?;
            let id = page
                .items
                .iter()
                .find(|q| q.owner == sender && q.direction == "out")
                .map(|q| q.id);
            out!(
                "{}",
                serde_json::json!({ "queued": id, "height": result.height, "fee": result.fee })
            );
        }
    }
    Ok(())
}

/// Runs `strait balance`.
pub async fn balance(args: BalanceArgs) -> anyhow::Result<()> {
    let client = http_client(&args.rpc)?;
    let account = address(&args.account)?;
    let amount = client
        .balance(account, args.denom.clone())
        .await
        .context("balance")?;
    out!(
        "{}",
        serde_json::json!({ "account": account, "denom": args.denom, "balance": amount })
    );
    Ok(())
}

/// Arguments of `strait pause` and `strait unpause`.
#[derive(Debug, Args)]
pub struct PauseArgs {
    /// JSON-RPC URL of the chain.
    #[arg(long)]
    rpc: String,
    /// Pause only this inbound route (0x-prefixed route id); the whole endpoint without it.
    #[arg(long, conflicts_with = "token")]
    route: Option<String>,
    /// Pause only this token (its denomination on this chain): its transfers neither arrive,
    /// leave, nor leave the queue.
    #[arg(long)]
    token: Option<String>,
    /// Guardian indices that approve (devnet guardians, public seeds: devnet only); two pause,
    /// three unpause.
    #[arg(long, value_delimiter = ',', required = true)]
    guardians: Vec<usize>,
    /// Devnet account label that submits the transaction.
    #[arg(long, default_value = "alice")]
    account: String,
}

/// Runs `strait pause` (`paused`) or `strait unpause`.
pub async fn set_pause(args: PauseArgs, paused: bool) -> anyhow::Result<()> {
    use strait_devnet_api::tx::PauseScope;
    let client = http_client(&args.rpc)?;
    let info = client
        .chain_info()
        .await
        .with_context(|| format!("cannot reach {}", args.rpc))?;
    let (scope, described) = match (&args.route, &args.token) {
        (Some(hex), _) => {
            let route = hex
                .parse()
                .with_context(|| format!("{hex:?} is not a 32-byte route id"))?;
            (
                PauseScope::Route(route),
                serde_json::json!({ "route": route }),
            )
        }
        (None, Some(denom)) => {
            if !valid_denom(denom) {
                bail!("invalid denom {denom:?}");
            }
            let topic = strait_node::apps::token::limits::denom_topic(denom);
            (
                PauseScope::App {
                    app: apps::token(),
                    topic,
                },
                serde_json::json!({ "token": denom, "app": apps::token(), "topic": topic }),
            )
        }
        (None, None) => (PauseScope::Endpoint, serde_json::json!("endpoint")),
    };
    let counter = client.pause_state().await.context("pauseState")?.counter;
    let digest = strait_devnet_api::tx::pause_digest(info.chain_id, &scope, paused, counter);
    let mut guardians = args.guardians.clone();
    guardians.sort_unstable();
    guardians.dedup();
    let approvals = strait_node::guardians::guardian_approvals(&guardians, &digest);
    let body = TxBody::SetPause {
        scope,
        paused,
        approvals,
    };
    let what = if paused { "pause" } else { "unpause" };
    let result = submit(&client, info.chain_id, &args.account, body, what).await?;
    out!(
        "{}",
        serde_json::json!({ "paused": paused, "scope": described, "height": result.height })
    );
    Ok(())
}

/// Arguments of `strait retry` and `strait finalize`.
#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The message id (0x-prefixed).
    id: strait_primitives::MessageId,
    /// JSON-RPC URL of the chain that sent it (where its packet is read).
    #[arg(long)]
    source_rpc: String,
    /// JSON-RPC URL of the chain where its execution failed.
    #[arg(long)]
    rpc: String,
    /// Devnet account label that signs (for `finalize` before the retry window ends: the
    /// receiver).
    #[arg(long, default_value = "alice")]
    account: String,
}

/// Runs `strait retry` (`finalize` false) or `strait finalize`: reads the message's packet from
/// its source and submits a `RetryMessage` or `FinalizeFailed` transaction (SPEC §4.6).
pub async fn retry_or_finalize(args: RetryArgs, finalize: bool) -> anyhow::Result<()> {
    use strait_devnet_api::rpc::MessageStatus;
    let source = http_client(&args.source_rpc)?;
    let (leaf, destination) = match source
        .message_status(args.id)
        .await
        .context("messageStatus")?
    {
        MessageStatus::Sent {
            leaf_index,
            destination_chain,
            ..
        } => (leaf_index, destination_chain),
        other => bail!(
            "{} did not send message {}: {other:?}",
            args.source_rpc,
            args.id
        ),
    };
    let page = source
        .messages(leaf, 1, Some(destination))
        .await
        .context("messages")?;
    let sent = page
        .messages
        .into_iter()
        .find(|m| m.id == args.id)
        .context("the source's outbox does not hold the message")?;
    let packet = strait_packet::Packet::decode(&sent.packet.0).context("the packet")?;
    if packet.id() != args.id {
        bail!("the source answered another packet than {}", args.id);
    }
    let client = http_client(&args.rpc)?;
    let info = client
        .chain_info()
        .await
        .with_context(|| format!("cannot reach {}", args.rpc))?;
    let (body, what) = if finalize {
        (TxBody::FinalizeFailed { packet }, "finalization")
    } else {
        (TxBody::RetryMessage { packet }, "retry")
    };
    let result = submit(&client, info.chain_id, &args.account, body, what).await?;
    out!(
        "{}",
        serde_json::json!({ "id": args.id, "status": result.deliveries.first().map(|d| d.status) })
    );
    Ok(())
}
