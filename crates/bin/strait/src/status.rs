//! `strait status`: where a message is in its life, asked of every given chain.

use anyhow::{bail, Context as _};
use clap::Args;
use serde::Serialize;
use strait_devnet_api::rpc::{MessageStatus, OutcomeJson, StraitApiClient};
use strait_primitives::{ChainId, Height, MessageId};

use crate::send::http_client;

/// Arguments of `strait status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The message id (0x-prefixed, 32 bytes).
    #[arg(required_unless_present_any = ["queued", "route"])]
    id: Option<MessageId>,
    /// Instead of a message: the security config of a route (`docs/SPEC.md` §12) on the (single)
    /// chain given with --rpc, for messages to this receiver (an app name or a 32-byte hex
    /// address) from --source.
    #[arg(long, conflicts_with_all = ["id", "queued"], requires = "source", value_parser = crate::send::parse_receiver)]
    route: Option<strait_primitives::Address32>,
    /// The route's source chain (with --route).
    #[arg(long, requires = "route")]
    source: Option<u64>,
    /// Instead of a message: a transfer queued by a rate limit, by its queue id on the (single)
    /// chain given with --rpc.
    #[arg(long, conflicts_with = "id")]
    queued: Option<u64>,
    /// JSON-RPC URL of a chain to ask (repeat for every chain involved).
    #[arg(long = "rpc", required = true, num_args = 1)]
    rpc: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Life stages of a message, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No given chain knows it.
    Unknown,
    /// In the source outbox; the destination's client has not verified a header that commits it.
    Sent,
    /// The destination's client has verified a source header at or above the send height: any
    /// relayer can now deliver it.
    Proven,
    /// Received and executed by the application.
    Executed,
    /// Received, but the application failed.
    Failed,
    /// Received after its timeout: recorded, not executed.
    TimedOut,
}

/// The answer of `strait status`.
#[derive(Debug, Serialize)]
pub struct Report {
    id: MessageId,
    stage: Stage,
    source_chain: Option<ChainId>,
    send_height: Option<Height>,
    leaf_index: Option<u64>,
    destination_chain: Option<ChainId>,
    client_height_on_destination: Option<Height>,
    received_height: Option<Height>,
    outcome: Option<OutcomeJson>,
    /// Whether the outcome was proven back to the source and handed to the sender; `None` when
    /// the source was not asked.
    settled_on_source: Option<bool>,
    /// Whether a failed execution may still be retried or finalized on the destination.
    retryable: Option<bool>,
    /// A token transfer over the destination's inbound limit: executed, its credit queued under
    /// this id (`strait queue list`).
    queued_credit: Option<u64>,
    /// Whether that credit is still waiting (false: credited, or sent back by its recipient).
    credit_waiting: Option<bool>,
    /// Not received yet, and the destination holds it: its endpoint, or the transfer's token, is
    /// paused (deliveries wait for the unpause).
    paused_on_destination: Option<bool>,
    /// What the message paid on the source: locked, or how it was split (`[STRAIT-FEE.8]`);
    /// `None` for an unpaid message or when the source was not asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    fee: Option<strait_devnet_api::rpc::FeeStatus>,
    /// The security config the destination applies to the message's route (`docs/SPEC.md` §12),
    /// while it waits; `None` when the destination or the source was not asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    security: Option<strait_devnet_api::rpc::RouteSecurity>,
}

/// Runs `strait status`.
pub async fn run(args: StatusArgs) -> anyhow::Result<()> {
    if let (Some(receiver), Some(source)) = (args.route, args.source) {
        let [url] = args.rpc.as_slice() else {
            bail!("--route takes one --rpc: the destination chain");
        };
        return crate::route_status::route(url, receiver, ChainId(source), args.json).await;
    }
    let Some(id) = args.id else {
        return queued(&args).await;
    };
    let mut chains = Vec::new();
    for url in &args.rpc {
        let client = http_client(url)?;
        let info = client
            .chain_info()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        let status = client
            .message_status(id)
            .await
            .with_context(|| format!("messageStatus on {url}"))?;
        chains.push((info.chain_id, client, status));
    }
    let mut report = Report {
        id,
        stage: Stage::Unknown,
        source_chain: None,
        send_height: None,
        leaf_index: None,
        destination_chain: None,
        client_height_on_destination: None,
        received_height: None,
        outcome: None,
        settled_on_source: None,
        retryable: None,
        queued_credit: None,
        credit_waiting: None,
        paused_on_destination: None,
        fee: None,
        security: None,
    };
    for (chain, _, status) in &chains {
        match status {
            MessageStatus::Unknown => {}
            MessageStatus::Sent {
                height,
                leaf_index,
                destination_chain,
                awaiting_outcome,
                fee,
                ..
            } => {
                report.fee = fee.clone();
                report.settled_on_source = Some(!awaiting_outcome);
                report.source_chain = Some(*chain);
                report.send_height = Some(*height);
                report.leaf_index = Some(*leaf_index);
                report.destination_chain = Some(*destination_chain);
                report.stage = report.stage.max_with(Stage::Sent);
            }
            MessageStatus::Received {
                height,
                source_chain,
                outcome,
                retryable,
            } => {
                report.retryable = Some(*retryable);
                report.source_chain = Some(*source_chain);
                report.destination_chain = Some(*chain);
                report.received_height = Some(*height);
                report.outcome = Some(outcome.clone());
                report.stage = match outcome {
                    OutcomeJson::Executed { .. } => Stage::Executed,
                    OutcomeJson::Failed { .. } => Stage::Failed,
                    OutcomeJson::TimedOut => Stage::TimedOut,
                };
            }
        }
    }
    if let (Some(source), Some(dest), Some(sent_at)) = (
        report.source_chain,
        report.destination_chain,
        report.send_height,
    ) {
        if let Some((_, client, _)) = chains.iter().find(|(c, _, _)| *c == dest) {
            let info = client
                .client(source)
                .await
                .with_context(|| format!("client of {source} on {dest}"))?;
            report.client_height_on_destination = Some(info.latest_height);
            // [STRAIT-ROUTE.6] the receiver's config, when its packet can be read on the source.
            report.security = match packet_of(&chains, &report).await? {
                Some(packet) => client.security_config(packet.receiver, source).await.ok(),
                None => None,
            };
            let proven = match &report.security {
                Some(route) => crate::route_status::covers(route, sent_at),
                None => info.latest_height >= sent_at,
            };
            if report.stage == Stage::Sent && proven {
                report.stage = Stage::Proven;
            }
        }
    }
    token_states(&chains, &mut report).await?;
    if args.json {
        out!("{}", serde_json::to_string(&report)?);
    } else {
        print_text(&report);
    }
    if report.stage == Stage::Unknown {
        bail!("no given chain knows message {id}");
    }
    Ok(())
}

/// The packet of a sent message, read from its source (when the source was asked).
async fn packet_of(
    chains: &[(ChainId, jsonrpsee::http_client::HttpClient, MessageStatus)],
    report: &Report,
) -> anyhow::Result<Option<strait_packet::Packet>> {
    let (Some(source), Some(dest), Some(leaf)) = (
        report.source_chain,
        report.destination_chain,
        report.leaf_index,
    ) else {
        return Ok(None);
    };
    let Some((_, client, _)) = chains.iter().find(|(c, _, _)| *c == source) else {
        return Ok(None);
    };
    let page = client
        .messages(leaf, 1, Some(dest))
        .await
        .context("messages")?;
    Ok(page
        .messages
        .into_iter()
        .find(|m| m.id == report.id)
        .and_then(|m| strait_packet::Packet::decode(&m.packet.0).ok()))
}

/// The token application's part (`docs/SPEC.md` §9.1): a credit queued by the destination's
/// inbound limit, or a transfer held by a paused token or endpoint.
async fn token_states(
    chains: &[(ChainId, jsonrpsee::http_client::HttpClient, MessageStatus)],
    report: &mut Report,
) -> anyhow::Result<()> {
    let dest = chains
        .iter()
        .find(|(c, _, _)| Some(*c) == report.destination_chain);
    if let Some(OutcomeJson::Executed { ack }) = &report.outcome {
        if let Some(id) = ack
            .0
            .strip_prefix(b"queued".as_slice())
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes)
        {
            report.queued_credit = Some(id);
            if let Some((_, client, _)) = dest {
                let page = client.token_queue(id, 1).await.context("tokenQueue")?;
                report.credit_waiting = Some(!page.items.is_empty());
            }
        }
    }
    if !matches!(report.stage, Stage::Sent | Stage::Proven) {
        return Ok(());
    }
    let (Some((dest_chain, client, _)), Some(source), Some(leaf)) =
        (dest, report.source_chain, report.leaf_index)
    else {
        return Ok(());
    };
    let mut paused = client
        .pause_state()
        .await
        .context("pauseState")?
        .endpoint_paused;
    let Some((_, source_client, _)) = chains.iter().find(|(c, _, _)| *c == source) else {
        report.paused_on_destination = Some(paused);
        return Ok(());
    };
    let page = source_client
        .messages(leaf, 1, Some(*dest_chain))
        .await
        .context("messages")?;
    let packet = page
        .messages
        .into_iter()
        .find(|m| m.id == report.id)
        .and_then(|m| strait_packet::Packet::decode(&m.packet.0).ok());
    if let Some(packet) = packet.filter(|p| p.receiver == strait_devnet_api::apps::token()) {
        if let Ok(t) = strait_node::apps::token::Transfer::decode(&packet.payload) {
            let (denom, _) = strait_node::apps::token::local_denom(*dest_chain, source, &t.denom);
            paused |= client
                .token_state(denom)
                .await
                .context("tokenState")?
                .paused;
        }
    }
    report.paused_on_destination = Some(paused);
    Ok(())
}

/// `strait status --queued <id>`: where a transfer queued by a rate limit is (`docs/SPEC.md`
/// §9.1): still queued, or released, cancelled or refunded, with the message it sent.
async fn queued(args: &StatusArgs) -> anyhow::Result<()> {
    let (Some(id), [url]) = (args.queued, args.rpc.as_slice()) else {
        bail!("--queued takes one --rpc: the chain where the transfer was queued");
    };
    let client = http_client(url)?;
    let status = client
        .queued_transfer(id)
        .await
        .with_context(|| format!("queuedTransfer on {url}"))?;
    if args.json {
        out!("{}", serde_json::to_string(&status)?);
    } else if let Some(q) = &status.queued {
        let paused = if q.paused {
            " (its token is paused)"
        } else {
            ""
        };
        out!(
            "queued       #{id}: {} {} {} {} chain {}, waiting for capacity{paused}",
            q.direction,
            q.amount,
            q.denom,
            if q.direction == "out" { "to" } else { "from" },
            q.remote_chain
        );
    } else if let Some(ended) = &status.ended {
        match status.sent_as {
            Some(m) => out!("queued       #{id}: {ended}, sent as message {m}"),
            None => out!("queued       #{id}: {ended}"),
        }
    }
    if status.queued.is_none() && status.ended.is_none() {
        bail!("no transfer was queued as {id} on {url}");
    }
    Ok(())
}

impl Stage {
    fn max_with(self, other: Stage) -> Stage {
        if other as u8 > self as u8 {
            other
        } else {
            self
        }
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "?".to_owned(), |v| v.to_string())
}

fn print_text(r: &Report) {
    out!("message      {}", r.id);
    out!(
        "stage        {}",
        serde_json::to_value(r.stage)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    );
    out!(
        "route        chain {} -> chain {}",
        opt(r.source_chain),
        opt(r.destination_chain)
    );
    if r.send_height.is_some() {
        out!(
            "sent         at height {} (outbox leaf {})",
            opt(r.send_height),
            opt(r.leaf_index)
        );
    }
    if let Some(h) = r.client_height_on_destination {
        out!("client       destination trusts the source up to height {h}");
    }
    if let (Some(route), None) = (&r.security, r.received_height) {
        crate::route_status::print(route);
    }
    if let Some(h) = r.received_height {
        out!("received     at height {h}");
    }
    match &r.outcome {
        Some(OutcomeJson::Executed { ack }) => out!("outcome      executed, ack {ack:?}"),
        Some(OutcomeJson::Failed { code, reason }) => {
            out!("outcome      failed ({code}): {reason}")
        }
        Some(OutcomeJson::TimedOut) => out!("outcome      timed out"),
        None => {}
    }
    if let Some(id) = r.queued_credit {
        match r.credit_waiting {
            Some(false) => out!("credit       was queued as #{id} by the destination's rate limit; no longer waiting"),
            _ => out!("credit       queued as #{id} by the destination's rate limit: credited when capacity returns (`strait queue list`)"),
        }
    }
    if r.paused_on_destination == Some(true) {
        out!("paused       the destination holds it (endpoint or token paused): delivered after the unpause");
    }
    if r.retryable == Some(true) {
        out!("retryable    yes: `strait retry` it, or its receiver `strait finalize`s it now (anyone after the retry window)");
    }
    match r.settled_on_source {
        Some(true) => out!("settled      the outcome was proven back to the sender"),
        Some(false) => out!("settled      not yet: the sender awaits the outcome"),
        None => {}
    }
    match &r.fee {
        Some(strait_devnet_api::rpc::FeeStatus::Locked {
            gas_limit, amount, ..
        }) => out!("fee          {amount} sat locked for {gas_limit} gas"),
        Some(strait_devnet_api::rpc::FeeStatus::Paid {
            to_deliverer,
            to_ack_relayer,
            refunded,
            ..
        }) => out!(
            "fee          paid: {to_deliverer} sat to the deliverer, {to_ack_relayer} to the ack relayer, {refunded} refunded"
        ),
        None => {}
    }
}
