//! `strait status`: where a message is in its life, asked of every given chain.

use anyhow::{bail, Context as _};
use clap::Args;
use serde::Serialize;
use strait_devnet_api::rpc::{OutcomeJson, StraitApiClient};
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, Height, MessageId};

use crate::rpc_client::http_client;
use crate::status_chains::{self, Asked, Chain, EvmChainArg, Seen};

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
    /// JSON-RPC URL of a native chain to ask (repeat for every chain involved).
    #[arg(long = "rpc", required_unless_present = "evm", num_args = 1)]
    rpc: Vec<String>,
    /// An EVM chain to ask: `<url>,<endpoint>[,<token app>[,<from block>]]`, the token
    /// application for transfers' queued credits, the first block of the log scan (the
    /// endpoint's deployment; 0: genesis). Repeat for every EVM chain involved.
    #[arg(long = "evm", num_args = 1, conflicts_with_all = ["route", "queued"])]
    evm: Vec<EvmChainArg>,
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
    pub(crate) id: MessageId,
    pub(crate) stage: Stage,
    pub(crate) source_chain: Option<ChainId>,
    /// The source's block of the send (an EVM chain's block number).
    pub(crate) send_height: Option<Height>,
    pub(crate) leaf_index: Option<u64>,
    pub(crate) destination_chain: Option<ChainId>,
    /// How far the destination's client (an EVM chain: the receiver's verifier's
    /// `latestHeight`) verified the source.
    pub(crate) client_height_on_destination: Option<Height>,
    pub(crate) received_height: Option<Height>,
    pub(crate) outcome: Option<OutcomeJson>,
    /// Whether the outcome was proven back to the source and handed to the sender; `None` when
    /// the source was not asked.
    pub(crate) settled_on_source: Option<bool>,
    /// Whether a failed execution may still be retried or finalized on the destination.
    pub(crate) retryable: Option<bool>,
    /// A token transfer over the destination's inbound limit: executed, its credit queued under
    /// this id (`strait queue list`).
    queued_credit: Option<u64>,
    /// Whether that credit is still waiting (false: credited, or sent back by its recipient).
    credit_waiting: Option<bool>,
    /// Not received yet, and the destination holds it: its endpoint, or the transfer's token, is
    /// paused (deliveries wait for the unpause).
    paused_on_destination: Option<bool>,
    /// Whether the destination chain was among the chains asked (`None`: the destination is not
    /// known, nothing says where the message goes).
    destination_asked: Option<bool>,
    /// What the message paid on the source: locked, or how it was split (`[STRAIT-FEE.8]`);
    /// `None` for an unpaid message or when the source was not asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    fee: Option<strait_devnet_api::rpc::FeeStatus>,
    /// The fee's unit: `sat` on a native source, `wei` on an EVM one.
    #[serde(skip_serializing_if = "Option::is_none")]
    fee_unit: Option<&'static str>,
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
    let chains = status_chains::connect(&args.rpc, &args.evm).await?;
    let report = report(id, &chains).await?;
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

impl Report {
    /// What is known of `id` before any chain is asked: nothing.
    fn new(id: MessageId) -> Self {
        Self {
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
            destination_asked: None,
            fee: None,
            fee_unit: None,
            security: None,
        }
    }
}

/// Where message `id` is, from what each of `chains` says of it, native or EVM alike.
pub(crate) async fn report(id: MessageId, chains: &[Chain]) -> anyhow::Result<Report> {
    let mut seen = Vec::with_capacity(chains.len());
    for chain in chains {
        seen.push(chain.seen(id).await?);
    }
    let mut report = Report::new(id);
    for (chain, seen) in chains.iter().zip(&seen) {
        match seen {
            Seen::Unknown => {}
            Seen::Sent {
                height,
                leaf_index,
                destination_chain,
                awaiting_outcome,
                fee,
                ..
            } => {
                report.fee = fee.clone();
                report.fee_unit = fee.as_ref().map(|_| match chain.asked {
                    Asked::Native(_) => "sat",
                    Asked::Evm(_) => "wei",
                });
                report.settled_on_source = Some(!awaiting_outcome);
                report.source_chain = Some(chain.id);
                report.send_height = Some(*height);
                report.leaf_index = Some(*leaf_index);
                report.destination_chain = Some(*destination_chain);
                report.stage = report.stage.max_with(Stage::Sent);
            }
            Seen::Received {
                height,
                source_chain,
                outcome,
                retryable,
            } => {
                report.retryable = Some(*retryable);
                if source_chain.is_some() {
                    report.source_chain = *source_chain;
                }
                report.destination_chain = Some(chain.id);
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
    let packet = packet_of(chains, &seen, &report).await?;
    let dest = chains
        .iter()
        .find(|c| Some(c.id) == report.destination_chain);
    report.destination_asked = report.destination_chain.map(|_| dest.is_some());
    if let (Some(source), Some(dest), Some(sent_at)) =
        (report.source_chain, dest, report.send_height)
    {
        let proven = match &dest.asked {
            Asked::Native(client) => {
                let info = client
                    .client(source)
                    .await
                    .with_context(|| format!("client of {source} on {}", dest.id))?;
                report.client_height_on_destination = Some(info.latest_height);
                // [STRAIT-ROUTE.6] the receiver's config, when its packet can be read on the
                // source.
                report.security = match &packet {
                    Some(packet) => client.security_config(packet.receiver, source).await.ok(),
                    None => None,
                };
                match &report.security {
                    Some(route) => crate::route_status::covers(route, sent_at),
                    None => info.latest_height >= sent_at,
                }
            }
            Asked::Evm(reader) => {
                // The receiver's verifier (`verifierOf`; without the packet, the default one).
                let receiver = packet.as_ref().map_or(Address32([0; 32]), |p| p.receiver);
                let view = reader
                    .verifier_of(receiver, source)
                    .await
                    .with_context(|| format!("verifier of {source} on {}", dest.id))?;
                report.client_height_on_destination = view.as_ref().and_then(|v| v.latest_height);
                view.is_some_and(|v| v.proves(sent_at))
            }
        };
        if report.stage == Stage::Sent && proven {
            report.stage = Stage::Proven;
        }
    }
    token_states(chains, packet.as_ref(), &mut report).await?;
    Ok(report)
}

/// The packet of a sent message, from its source when the source was asked: an EVM source's
/// `Sent` log carries it, a native source's outbox page.
async fn packet_of(
    chains: &[Chain],
    seen: &[Seen],
    report: &Report,
) -> anyhow::Result<Option<Packet>> {
    let (Some(source), Some(dest), Some(leaf)) = (
        report.source_chain,
        report.destination_chain,
        report.leaf_index,
    ) else {
        return Ok(None);
    };
    let Some((chain, seen)) = chains.iter().zip(seen).find(|(c, _)| c.id == source) else {
        return Ok(None);
    };
    match (&chain.asked, seen) {
        (
            _,
            Seen::Sent {
                packet: Some(packet),
                ..
            },
        ) => Ok(Some((**packet).clone())),
        (Asked::Native(client), _) => {
            let page = client
                .messages(leaf, 1, Some(dest))
                .await
                .context("messages")?;
            Ok(page
                .messages
                .into_iter()
                .find(|m| m.id == report.id)
                .and_then(|m| Packet::decode(&m.packet.0).ok()))
        }
        (Asked::Evm(_), _) => Ok(None),
    }
}

/// The token application's part (`docs/SPEC.md` §9.1): a credit queued by the destination's
/// inbound limit, or a transfer held by a paused token or endpoint.
async fn token_states(
    chains: &[Chain],
    packet: Option<&Packet>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let Some(dest) = chains
        .iter()
        .find(|c| Some(c.id) == report.destination_chain)
    else {
        return Ok(());
    };
    if let Some(OutcomeJson::Executed { ack }) = &report.outcome {
        if let Some(id) = ack
            .0
            .strip_prefix(b"queued".as_slice())
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes)
        {
            report.queued_credit = Some(id);
            report.credit_waiting = match &dest.asked {
                Asked::Native(client) => {
                    let page = client.token_queue(id, 1).await.context("tokenQueue")?;
                    Some(!page.items.is_empty())
                }
                Asked::Evm(reader) => reader.credit_waiting(id).await.context("queued")?,
            };
        }
    }
    if !matches!(report.stage, Stage::Sent | Stage::Proven) {
        return Ok(());
    }
    let client = match &dest.asked {
        Asked::Native(client) => client,
        Asked::Evm(reader) => {
            // `endpointPaused`, and `routePaused` of the packet's route when it is known.
            let route = packet.map(|p| p.route().id());
            report.paused_on_destination =
                Some(reader.paused(route).await.context("endpointPaused")?);
            return Ok(());
        }
    };
    let mut paused = client
        .pause_state()
        .await
        .context("pauseState")?
        .endpoint_paused;
    if let (Some(packet), Some(source)) = (
        packet.filter(|p| p.receiver == strait_devnet_api::apps::token()),
        report.source_chain,
    ) {
        if let Ok(t) = strait_node::apps::token::Transfer::decode(&packet.payload) {
            let (denom, _) = strait_node::apps::token::local_denom(dest.id, source, &t.denom);
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

/// What the destination's client says of the message, if it was asked.
fn client_line(r: &Report) -> Option<String> {
    let h = r.client_height_on_destination?;
    Some(match (r.received_height, r.send_height) {
        // Received above what the client stores: an EVM committee's certificate carried in the
        // delivery's own transaction (`verifyAndCall`, ADR 0027), which stores no checkpoint.
        (Some(_), Some(sent)) if h < sent => format!(
            "client       destination stores the source up to height {h}; this message was proven with its delivery's certificate"
        ),
        _ => format!("client       destination trusts the source up to height {h}"),
    })
}

/// That the destination was not asked, so the stage is only what the source says.
fn not_asked_line(r: &Report) -> Option<String> {
    if r.destination_asked != Some(false) {
        return None;
    }
    let dest = opt(r.destination_chain);
    let settled = if r.settled_on_source == Some(true) {
        " (its outcome came back, so it was received there)"
    } else {
        ""
    };
    Some(format!(
        "destination  chain {dest} was not asked{settled}: add --rpc <its URL>, or --evm <its URL>,<its endpoint> for an EVM chain"
    ))
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
    if let Some(line) = client_line(r) {
        out!("{line}");
    }
    if let Some(line) = not_asked_line(r) {
        out!("{line}");
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
    let unit = r.fee_unit.unwrap_or("sat");
    match &r.fee {
        Some(strait_devnet_api::rpc::FeeStatus::Locked {
            gas_limit, amount, ..
        }) => out!("fee          {amount} {unit} locked for {gas_limit} gas"),
        Some(strait_devnet_api::rpc::FeeStatus::Paid {
            to_deliverer,
            to_ack_relayer,
            refunded,
            ..
        }) => out!(
            "fee          paid: {to_deliverer} {unit} to the deliverer, {to_ack_relayer} to the ack relayer, {refunded} refunded"
        ),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destination_not_asked_is_named() {
        let mut r = Report::new(MessageId([1; 32]));
        assert_eq!(not_asked_line(&r), None, "no destination known");
        r.destination_chain = Some(ChainId(31337));
        r.destination_asked = Some(true);
        assert_eq!(not_asked_line(&r), None);
        r.destination_asked = Some(false);
        let line = not_asked_line(&r).unwrap();
        assert!(
            line.contains("chain 31337 was not asked: add --rpc"),
            "{line}"
        );
        r.settled_on_source = Some(true);
        let line = not_asked_line(&r).unwrap();
        assert!(line.contains("so it was received there"), "{line}");
    }

    #[test]
    fn the_client_line_says_when_a_delivery_carried_its_own_certificate() {
        let mut r = Report::new(MessageId([1; 32]));
        assert_eq!(client_line(&r), None);
        r.send_height = Some(Height(10));
        r.client_height_on_destination = Some(Height(4));
        let waiting = client_line(&r).unwrap();
        assert!(
            waiting.ends_with("trusts the source up to height 4"),
            "{waiting}"
        );
        r.received_height = Some(Height(20));
        let carried = client_line(&r).unwrap();
        assert!(
            carried.contains("proven with its delivery's certificate"),
            "{carried}"
        );
        r.client_height_on_destination = Some(Height(10));
        let stored = client_line(&r).unwrap();
        assert!(
            stored.ends_with("trusts the source up to height 10"),
            "{stored}"
        );
    }
}
