//! The token application's calls beyond a plain transfer: sending under the outbound limit
//! (`[STRAIT-LIMIT.3]`), cancelling a queued transfer (`[STRAIT-LIMIT.5]`), and the guardians'
//! limit and anomaly-rule changes (`[STRAIT-LIMIT.2]`, `[STRAIT-LIMIT.6]`).

use strait_endpoint::AppError;
use strait_packet::DeliveryOptions;
use strait_primitives::{Address32, ChainId, Hash32, Height, MessageId, Reader, Timestamp};

use super::limits::{
    self, denom_topic, note_escrow, try_take, AnomalyRule, Bucket, Direction, LimitConfig,
};
use super::queue::{self, Queued};
use super::*;

/// Sends `amount` of `denom` (already taken from `sender`'s balance) to `recipient` on
/// `destination`: escrowed, or burned when it returns to the chain it came from; sent now, paid
/// with `gas_limit` from the caller (`[STRAIT-FEE.7]`), or queued when over the outbound limit
/// (`[STRAIT-LIMIT.3]`), its payment then held under the queue id until its release or cancel
/// (`[STRAIT-FEE.10]`).
#[allow(clippy::too_many_arguments)]
pub(super) fn send_out(
    ctx: &mut AppContext<'_>,
    sender: Address32,
    destination: ChainId,
    recipient: Address32,
    denom: &str,
    amount: u128,
    options: DeliveryOptions,
    gas_limit: u64,
) -> Result<Left, AppError> {
    // [STRAIT-PAUSE.4] a paused token does not leave.
    if ctx.topic_paused(denom_topic(denom)) {
        return Err(err(TOKEN_PAUSED, format!("{denom} is paused")));
    }
    // Checked here too, not only by the endpoint at send: a queued transfer to a chain this one
    // cannot send to would never leave.
    if !ctx.knows_chain(destination) {
        return Err(err(
            BAD_TRANSFER,
            format!("chain {destination} is not a remote"),
        ));
    }
    // [STRAIT-TOKEN.7] nor to a chain where it has no peer to receive it.
    super::peers::require_peer(ctx, destination)?;
    let how = if denom.starts_with(&from_prefix(destination)) {
        sub(ctx, &supply_key(denom), amount, ESCROW_SHORT)?;
        LEFT_BURNED
    } else {
        let before = get_u128(ctx, &escrow_key(denom));
        add(ctx, &escrow_key(denom), amount)?;
        note_escrow(ctx, denom, before, amount, 0)?;
        LEFT_ESCROWED
    };
    let bucket = Bucket {
        direction: Direction::Out,
        remote: destination,
        denom: denom.to_owned(),
    };
    if queue::has_queue(ctx, &bucket) || !try_take(ctx, &bucket, amount)? {
        let item = Queued {
            direction: Direction::Out,
            remote: destination,
            denom: denom.to_owned(),
            amount,
            owner: sender,
            counterparty: recipient,
            how,
            timeout_height: options.timeout_height.map_or(0, Height::get),
            timeout_timestamp: options.timeout_timestamp.map_or(0, Timestamp::get),
            queued_ms: ctx.timestamp().get(),
        };
        let qid = queue::enqueue(ctx, &item)?;
        // [STRAIT-FEE.10] the caller pays now: at the release there is no caller.
        ctx.hold_fee(qid, destination, gas_limit, payload_len(denom))?;
        return Ok(Left::Queued(qid));
    }
    send_now(
        ctx,
        how,
        sender,
        destination,
        recipient,
        denom,
        amount,
        options,
        Pay::Caller(gas_limit),
    )
    .map(Left::Sent)
}

/// Length of the payload of a transfer of `denom` ([`Transfer::encode`]): what its quote is of.
fn payload_len(denom: &str) -> usize {
    2 + denom.len() + 16 + 32 + 32
}

/// How a transfer message is paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pay {
    /// By the caller, with this gas limit (0: unpaid), at the send (`[STRAIT-FEE.7]`).
    Caller(u64),
    /// With what the application holds under this queue id (`[STRAIT-FEE.10]`).
    Held(u64),
}

/// How a transfer left: sent as a message, or queued under an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Left {
    /// Sent as this message.
    Sent(MessageId),
    /// Queued under this id.
    Queued(u64),
}

/// Sends a transfer whose value already left (`how`) and records it for its outcome.
#[allow(clippy::too_many_arguments)]
pub(super) fn send_now(
    ctx: &mut AppContext<'_>,
    how: u8,
    sender: Address32,
    destination: ChainId,
    recipient: Address32,
    denom: &str,
    amount: u128,
    options: DeliveryOptions,
    pay: Pay,
) -> Result<MessageId, AppError> {
    let transfer = Transfer {
        denom: denom.to_owned(),
        amount,
        sender,
        recipient,
    };
    // [STRAIT-TOKEN.7] to the peer on the destination.
    let peer = super::peers::require_peer(ctx, destination)?;
    let id = match pay {
        Pay::Caller(gas_limit) => {
            ctx.send_paid(destination, peer, options, transfer.encode(), gas_limit)?
        }
        Pay::Held(qid) => ctx.send_held(destination, peer, options, transfer.encode(), qid)?,
    };
    let mut record = vec![how];
    record.extend_from_slice(sender.as_bytes());
    record.extend_from_slice(&amount.to_be_bytes());
    record.push(denom.len() as u8);
    record.extend_from_slice(denom.as_bytes());
    ctx.put(&pending_key(&id), record)?;
    Ok(id)
}

/// `[STRAIT-LIMIT.5]` Cancels queued transfer `qid`, by its owner only, exactly once. An outbound
/// one is refunded to its sender at once (its escrow released or its voucher re-minted, and its
/// held payment, `[STRAIT-FEE.10]`); an
/// inbound credit is refused by its recipient and goes back to its sender on the source chain as
/// a return transfer (itself under the outbound limit, so it may queue in turn; refused while
/// the token is paused).
pub(super) fn cancel(ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppError> {
    let qid = u64::from_be_bytes(
        data.try_into()
            .map_err(|_| err(BAD_TRANSFER, "cancel expects a queue id u64"))?,
    );
    let caller = ctx.caller().ok_or_else(|| err(BAD_TRANSFER, "no signer"))?;
    let item = queue::get(ctx, qid)?
        .ok_or_else(|| err(queue::NOT_QUEUED, format!("no transfer queued as {qid}")))?;
    if item.owner != caller {
        return Err(err(
            queue::NOT_OWNER,
            format!("queued transfer {qid} is {}'s to cancel", item.owner),
        ));
    }
    let item = queue::take(ctx, qid)?;
    let sent = match item.direction {
        Direction::Out => {
            refund_queued(ctx, qid, &item)?;
            None
        }
        Direction::In => {
            // The return is a transfer from the recipient, of the credit it never received.
            match send_out(
                ctx,
                item.owner,
                item.remote,
                item.counterparty,
                &item.denom,
                item.amount,
                DeliveryOptions::default(),
                // Unpaid: the return is the chain's undoing of a credit, relayed like any
                // unpaid message (self-relay or a relayer's goodwill).
                0,
            )? {
                Left::Sent(id) => Some(id),
                Left::Queued(_) => None,
            }
        }
    };
    queue::record_end(ctx, qid, queue::END_CANCELLED, sent)
}

/// Refunds queued outbound transfer `qid`, taken out of its queue: its escrow released (or its
/// voucher minted again), its sender credited, and the payment held for it returned to its
/// payer (`[STRAIT-FEE.10]`).
pub(super) fn refund_queued(
    ctx: &mut AppContext<'_>,
    qid: u64,
    item: &Queued,
) -> Result<(), AppError> {
    ctx.release_held_fee(qid)?;
    if item.how == LEFT_ESCROWED {
        let before = get_u128(ctx, &escrow_key(&item.denom));
        sub(ctx, &escrow_key(&item.denom), item.amount, ESCROW_SHORT)?;
        note_escrow(ctx, &item.denom, before, 0, item.amount)?;
    } else {
        add(ctx, &supply_key(&item.denom), item.amount)?;
    }
    add(ctx, &balance_key(&item.owner, &item.denom), item.amount)
}

/// A limit change approved by the guardians (`[STRAIT-LIMIT.2]`): `kind u8 (3) | bucket |
/// capacity u128 | refill_per_s u128 | approvals u8 | (index u16 | signature [64])*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetLimitCall {
    /// The bucket.
    pub bucket: Bucket,
    /// Its new limit.
    pub limit: LimitConfig,
    /// Guardian approvals of [`limit_digest`].
    pub approvals: Vec<(u16, [u8; 64])>,
}

/// Domain of the digest guardians sign to set a limit.
pub const LIMIT_DOMAIN: &[u8] = b"STRAIT/DEVNET/TOKEN-LIMIT/v1";

/// What the guardians of `chain` sign to set `bucket`'s limit to `limit`, as the `counter`-th
/// guardian decision: `keccak256("STRAIT/DEVNET/TOKEN-LIMIT/v1" || chain u64 || bucket ||
/// limit || counter u64)`.
pub fn limit_digest(chain: ChainId, bucket: &Bucket, limit: &LimitConfig, counter: u64) -> Hash32 {
    strait_primitives::keccak256_concat(&[
        LIMIT_DOMAIN,
        &chain.to_be_bytes(),
        &bucket.encode(),
        &limit.encode(),
        &counter.to_be_bytes(),
    ])
}

impl SetLimitCall {
    /// The call data.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![CALL_SET_LIMIT];
        out.extend_from_slice(&self.bucket.encode());
        out.extend_from_slice(&self.limit.encode());
        encode_approvals(&mut out, &self.approvals);
        out
    }

    /// Decodes call data, at most `MAX_GUARDIAN_APPROVALS` approvals.
    pub fn decode(bytes: &[u8]) -> Result<Self, AppError> {
        let bad = |_| err(BAD_TRANSFER, "malformed limit call");
        let mut r = Reader::new(bytes);
        if r.u8().map_err(bad)? != CALL_SET_LIMIT {
            return Err(err(BAD_TRANSFER, "not a limit call"));
        }
        let bucket = Bucket::read(&mut r)?;
        let limit = LimitConfig::decode(r.bytes(32).map_err(bad)?)
            .ok_or_else(|| err(BAD_TRANSFER, "capacity over the bound"))?;
        let n = r
            .len_u8("approvals", strait_devnet_api::tx::MAX_GUARDIAN_APPROVALS)
            .map_err(bad)?;
        let mut approvals = Vec::with_capacity(n);
        for _ in 0..n {
            approvals.push((
                u16::from_be_bytes(r.array().map_err(bad)?),
                r.array().map_err(bad)?,
            ));
        }
        r.finish().map_err(bad)?;
        Ok(Self {
            bucket,
            limit,
            approvals,
        })
    }
}

pub(super) fn set_limit(ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
    let call = SetLimitCall::decode(data).map_err(AppCallError::Refused)?;
    let chain = ctx.chain_id();
    ctx.guardians_approve(
        &call.approvals,
        SET_LIMIT_THRESHOLD,
        "set a limit",
        |counter| limit_digest(chain, &call.bucket, &call.limit, counter),
    )
    .map_err(|e| AppCallError::Refused(err(NOT_APPROVED, e.to_string())))?;
    ctx.put(&limits::limit_key(&call.bucket), call.limit.encode())
        .map_err(AppCallError::Refused)
}

/// An anomaly-rule change approved by the guardians (`[STRAIT-LIMIT.6]`): `kind u8 (5) | rule |
/// approvals u8 | (index u16 | signature [64])*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAnomalyCall {
    /// The chain's new rule.
    pub rule: AnomalyRule,
    /// Guardian approvals of [`anomaly_digest`].
    pub approvals: Vec<(u16, [u8; 64])>,
}

/// Domain of the digest guardians sign to set the anomaly rule.
pub const ANOMALY_DOMAIN: &[u8] = b"STRAIT/DEVNET/TOKEN-ANOMALY/v1";

/// What the guardians of `chain` sign to set the anomaly rule to `rule`, as the `counter`-th
/// guardian decision: `keccak256("STRAIT/DEVNET/TOKEN-ANOMALY/v1" || chain u64 || rule ||
/// counter u64)`.
pub fn anomaly_digest(chain: ChainId, rule: &AnomalyRule, counter: u64) -> Hash32 {
    strait_primitives::keccak256_concat(&[
        ANOMALY_DOMAIN,
        &chain.to_be_bytes(),
        &rule.encode(),
        &counter.to_be_bytes(),
    ])
}

pub(super) fn encode_approvals(out: &mut Vec<u8>, approvals: &[(u16, [u8; 64])]) {
    out.push(approvals.len() as u8);
    for (index, signature) in approvals {
        out.extend_from_slice(&index.to_be_bytes());
        out.extend_from_slice(signature);
    }
}

pub(super) fn read_approvals(r: &mut Reader<'_>) -> Result<Vec<(u16, [u8; 64])>, AppError> {
    let bad = |_| err(BAD_TRANSFER, "malformed approvals");
    let n = r
        .len_u8("approvals", strait_devnet_api::tx::MAX_GUARDIAN_APPROVALS)
        .map_err(bad)?;
    let mut approvals = Vec::with_capacity(n);
    for _ in 0..n {
        approvals.push((
            u16::from_be_bytes(r.array().map_err(bad)?),
            r.array().map_err(bad)?,
        ));
    }
    Ok(approvals)
}

impl SetAnomalyCall {
    /// The call data.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![CALL_SET_ANOMALY];
        out.extend_from_slice(&self.rule.encode());
        encode_approvals(&mut out, &self.approvals);
        out
    }

    /// Decodes call data, at most `MAX_GUARDIAN_APPROVALS` approvals.
    pub fn decode(bytes: &[u8]) -> Result<Self, AppError> {
        let bad = |_| err(BAD_TRANSFER, "malformed anomaly-rule call");
        let mut r = Reader::new(bytes);
        if r.u8().map_err(bad)? != CALL_SET_ANOMALY {
            return Err(err(BAD_TRANSFER, "not an anomaly-rule call"));
        }
        let rule = AnomalyRule::decode(r.bytes(10).map_err(bad)?)
            .ok_or_else(|| err(BAD_TRANSFER, "malformed rule"))?;
        let approvals = read_approvals(&mut r)?;
        r.finish().map_err(bad)?;
        Ok(Self { rule, approvals })
    }
}

pub(super) fn set_anomaly(ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
    let call = SetAnomalyCall::decode(data).map_err(AppCallError::Refused)?;
    let chain = ctx.chain_id();
    ctx.guardians_approve(
        &call.approvals,
        SET_LIMIT_THRESHOLD,
        "set the anomaly rule",
        |counter| anomaly_digest(chain, &call.rule, counter),
    )
    .map_err(|e| AppCallError::Refused(err(NOT_APPROVED, e.to_string())))?;
    ctx.put(limits::ANOMALY_RULE_KEY, call.rule.encode())
        .map_err(AppCallError::Refused)
}
