//! `strait send`: submit a Send transaction and print the message id.

use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{StraitApiClient, TxResult};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_packet::DeliveryOptions;
use strait_primitives::{Address32, ChainId, Hash32};

use crate::rpc_client::{http_client, HttpClient};

/// Arguments of `strait send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// JSON-RPC URL of the source chain.
    #[arg(long)]
    rpc: String,
    /// Destination chain id.
    #[arg(long)]
    to_chain: u64,
    /// Receiving application: `counter`, `echo`, `ping-pong` or a 0x-prefixed 32-byte address.
    #[arg(long, default_value = "counter")]
    receiver: String,
    /// Payload as a UTF-8 string.
    #[arg(long, conflicts_with = "hex")]
    payload: Option<String>,
    /// Payload as 0x-prefixed hex.
    #[arg(long)]
    hex: Option<String>,
    /// Deliver only after every earlier message of the route.
    #[arg(long)]
    ordered: bool,
    /// Devnet account label that signs (public key material: devnet only).
    #[arg(long, default_value = "user-0")]
    account: String,
    /// Return once the transaction is in the mempool, without waiting for its block.
    #[arg(long)]
    no_wait: bool,
    /// Gas bought on the destination: its quote (`strait quote`) is debited and locked with the
    /// send, and split between the relayers when the outcome comes back. 0 sends unpaid.
    #[arg(long, default_value_t = 0)]
    gas_limit: u64,
}

/// Arguments of `strait quote`.
#[derive(Debug, Args)]
pub struct QuoteArgs {
    /// JSON-RPC URL of the source chain.
    #[arg(long)]
    rpc: String,
    /// Destination chain id.
    #[arg(long)]
    to_chain: u64,
    /// Gas to buy on the destination.
    #[arg(long)]
    gas_limit: u64,
    /// Payload length in bytes.
    #[arg(long, default_value_t = 0)]
    payload_len: u32,
}

/// Runs `strait quote`: prints the source's oracle entry for the destination and the quote.
pub async fn quote(args: QuoteArgs) -> anyhow::Result<()> {
    let client = http_client(&args.rpc)?;
    let quote = client
        .quote(ChainId(args.to_chain), args.gas_limit, args.payload_len)
        .await
        .context("quote")?;
    out!("{}", serde_json::to_string_pretty(&quote)?);
    Ok(())
}

/// The address of a receiver given by name or hex.
pub fn parse_receiver(s: &str) -> anyhow::Result<Address32> {
    Ok(match s {
        "counter" => apps::counter(),
        "echo" => apps::echo(),
        "ping-pong" => apps::ping_pong(),
        "counter-ecdsa" => apps::counter_ecdsa(),
        "counter-ed25519" => apps::counter_ed25519(),
        "counter-composite" => apps::counter_composite(),
        "counter-bls" => apps::counter_bls(),
        "counter-optimistic" => apps::counter_optimistic(),
        hex => hex.parse().with_context(|| {
            format!("receiver {hex:?} is neither an app name nor a 32-byte hex address")
        })?,
    })
}

/// A signed, unpaid Send transaction.
pub fn send_tx(
    chain: ChainId,
    key: &AccountKey,
    nonce: u64,
    destination_chain: ChainId,
    receiver: Address32,
    options: DeliveryOptions,
    payload: Vec<u8>,
) -> Vec<u8> {
    send_tx_paid(
        chain,
        key,
        nonce,
        (destination_chain, receiver),
        options,
        payload,
        0,
    )
}

/// A signed Send transaction buying `gas_limit` gas on the destination (`[STRAIT-FEE.7]`).
pub fn send_tx_paid(
    chain: ChainId,
    key: &AccountKey,
    nonce: u64,
    (destination_chain, receiver): (ChainId, Address32),
    options: DeliveryOptions,
    payload: Vec<u8>,
    gas_limit: u64,
) -> Vec<u8> {
    Tx {
        chain_id: chain,
        signer: key.address(),
        nonce,
        body: TxBody::Send {
            destination_chain,
            receiver,
            options,
            payload,
            gas_limit,
        },
    }
    .sign(key)
    .encode()
}

/// Polls for the result of `hash` until it is included or `timeout` passes.
pub async fn wait_tx(
    client: &HttpClient,
    hash: Hash32,
    timeout: Duration,
) -> anyhow::Result<TxResult> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(result) = client
            .transaction_result(hash)
            .await
            .context("transactionResult")?
        {
            return Ok(result);
        }
        if tokio::time::Instant::now() >= deadline {
            bail!(
                "transaction {hash} not included within {} s",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `strait send`.
pub async fn run(args: SendArgs) -> anyhow::Result<()> {
    let client = http_client(&args.rpc)?;
    let payload = match (&args.payload, &args.hex) {
        (_, Some(h)) => {
            hex::decode(h.strip_prefix("0x").unwrap_or(h)).context("--hex is not hex")?
        }
        (Some(p), None) => p.as_bytes().to_vec(),
        (None, None) => Vec::new(),
    };
    let receiver = parse_receiver(&args.receiver)?;
    let key = AccountKey::devnet(&args.account);
    let info = client
        .chain_info()
        .await
        .with_context(|| format!("cannot reach {}", args.rpc))?;
    let to = ChainId(args.to_chain);
    if !info.remote_chains.contains(&to) {
        bail!(
            "chain {} does not know chain {to}; it can send to {:?}",
            info.chain_id,
            info.remote_chains
                .iter()
                .map(|c| c.get())
                .collect::<Vec<_>>()
        );
    }
    let nonce = client
        .account_nonce(key.address())
        .await
        .context("accountNonce")?;
    let options = DeliveryOptions {
        ordered: args.ordered,
        ..DeliveryOptions::default()
    };
    let tx = send_tx_paid(
        info.chain_id,
        &key,
        nonce,
        (to, receiver),
        options,
        payload,
        args.gas_limit,
    );
    let hash = client
        .submit_transaction(tx.into())
        .await
        .context("submitTransaction")?;
    if args.no_wait {
        out!("{}", serde_json::json!({ "tx": hash }));
        return Ok(());
    }
    let result = wait_tx(&client, hash, Duration::from_secs(60)).await?;
    if !result.success {
        eprintln!("{}", serde_json::to_string_pretty(&result)?);
        bail!(
            "{}",
            result
                .error
                .unwrap_or_else(|| "the send transaction failed".into())
        );
    }
    let id = result
        .message_id
        .context("the node returned no message id")?;
    // The id alone on the first line, for scripts; the transaction result after it.
    out!("{id}");
    out!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}
