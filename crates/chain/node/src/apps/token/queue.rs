//! Queued transfers of the token application (`[STRAIT-LIMIT.3]` to `[STRAIT-LIMIT.5]`): a
//! transfer over its bucket's limit is not refused but queued, FIFO per bucket, and released at
//! the end of a block when capacity returns (at most [`MAX_RELEASES_PER_BLOCK`] per block).
//!
//! Storage (the token application's): `q/<id u64>` the item; `qh/<bucket>` the bucket's FIFO
//! head and tail positions; `qi/<bucket>/<position u64>` the id at a position; `qact` the buckets
//! with a non-empty FIFO; `qnext` the last id given; `qout/<denom>` and `qin/<denom>` the value
//! queued, outbound and inbound, of a local denomination.

use strait_endpoint::AppError;
use strait_primitives::{Address32, ChainId, Height, MessageId, Reader, Timestamp};

use super::limits::{denom_topic, try_take, Bucket, Direction};
use super::{add, err, sub, AppContext, BAD_TRANSFER};

/// Most queued transfers released in one block, over every bucket (each release of an outbound
/// transfer sends one message).
pub const MAX_RELEASES_PER_BLOCK: usize = 32;
/// Most queue positions looked at in one block (releases and cancelled items skipped).
pub const MAX_QUEUE_STEPS_PER_BLOCK: usize = 256;
/// Most buckets with queued transfers at once; past it a transfer that must queue is refused
/// (an outbound call fails; an inbound transfer fails and may be retried or refunded).
pub const MAX_ACTIVE_BUCKETS: usize = 256;
/// Most transfers queued in one bucket at once.
pub const MAX_QUEUED_PER_BUCKET: u64 = 10_000;

/// Error code of a transfer that must queue when its queue is full.
pub const QUEUE_FULL: u32 = 1006;
/// Error code of a cancel of an item that is not queued (released, cancelled, never queued).
pub const NOT_QUEUED: u32 = 1007;
/// Error code of a cancel by someone other than the item's owner.
pub const NOT_OWNER: u32 = 1008;

/// A queued transfer, stored at `q/<id>`: `direction u8 | remote u64 | denom_len u8 | denom |
/// amount u128 | owner [32] | counterparty [32] | how u8 | timeout_height u64 |
/// timeout_timestamp u64 | queued_ms u64`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    /// Outbound (not sent yet) or inbound (received, not credited yet).
    pub direction: Direction,
    /// The chain at the other end.
    pub remote: ChainId,
    /// The denomination on this chain.
    pub denom: String,
    /// How much.
    pub amount: u128,
    /// Who may cancel it: the sender of an outbound transfer, the recipient of an inbound one.
    pub owner: Address32,
    /// The recipient of an outbound transfer; the sender (on the remote) of an inbound one.
    pub counterparty: Address32,
    /// How an outbound transfer left (escrowed or burned), to undo it on a cancel.
    pub how: u8,
    /// The outbound transfer's destination timeout height (0: none).
    pub timeout_height: u64,
    /// The outbound transfer's destination timeout time (0: none).
    pub timeout_timestamp: u64,
    /// Block time it was queued at.
    pub queued_ms: u64,
}

impl Queued {
    /// The stored encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.bucket().encode();
        out.extend_from_slice(&self.amount.to_be_bytes());
        out.extend_from_slice(self.owner.as_bytes());
        out.extend_from_slice(self.counterparty.as_bytes());
        out.push(self.how);
        out.extend_from_slice(&self.timeout_height.to_be_bytes());
        out.extend_from_slice(&self.timeout_timestamp.to_be_bytes());
        out.extend_from_slice(&self.queued_ms.to_be_bytes());
        out
    }

    /// Decodes a stored item.
    pub fn decode(bytes: &[u8]) -> Result<Self, AppError> {
        let bad = |_| err(BAD_TRANSFER, "corrupt queued transfer");
        let mut r = Reader::new(bytes);
        let bucket = Bucket::read(&mut r)?;
        let item = Self {
            direction: bucket.direction,
            remote: bucket.remote,
            denom: bucket.denom,
            amount: u128::from_be_bytes(r.array().map_err(bad)?),
            owner: Address32(r.array().map_err(bad)?),
            counterparty: Address32(r.array().map_err(bad)?),
            how: r.u8().map_err(bad)?,
            timeout_height: r.u64().map_err(bad)?,
            timeout_timestamp: r.u64().map_err(bad)?,
            queued_ms: r.u64().map_err(bad)?,
        };
        r.finish().map_err(bad)?;
        Ok(item)
    }

    /// Its bucket.
    pub fn bucket(&self) -> Bucket {
        Bucket {
            direction: self.direction,
            remote: self.remote,
            denom: self.denom.clone(),
        }
    }
}

/// Storage key of queued item `id`.
pub fn item_key(id: u64) -> Vec<u8> {
    [b"q/".as_slice(), &id.to_be_bytes()].concat()
}
/// Storage key of how queued item `id` ended: `kind u8 ([`END_RELEASED`] or [`END_CANCELLED`])
/// || the message it sent, if any (an outbound release, or an inbound cancel's return) [32]`.
pub fn end_key(id: u64) -> Vec<u8> {
    [b"qend/".as_slice(), &id.to_be_bytes()].concat()
}
/// A queued item was released (sent, or credited).
pub const END_RELEASED: u8 = 0;
/// A queued item was cancelled by its owner.
pub const END_CANCELLED: u8 = 1;

/// Records how item `id` ended.
pub fn record_end(
    ctx: &mut AppContext<'_>,
    id: u64,
    kind: u8,
    sent: Option<MessageId>,
) -> Result<(), AppError> {
    let mut value = vec![kind];
    if let Some(sent) = sent {
        value.extend_from_slice(sent.as_bytes());
    }
    ctx.put(&end_key(id), value)
}
/// Storage key of the queue id an inbound message's credit waits under.
pub fn credit_key(id: &MessageId) -> Vec<u8> {
    [b"qmsg/".as_slice(), id.as_bytes()].concat()
}
/// Storage key of the value of local `denom` queued outbound (debited, escrowed or burned, not
/// sent): part of the conservation sum (`[STRAIT-LIMIT.5]`).
pub fn queued_out_key(denom: &str) -> Vec<u8> {
    [b"qout/".as_slice(), denom.as_bytes()].concat()
}
/// Storage key of the value of local `denom` queued inbound (received, minted or released from
/// escrow, not credited yet).
pub fn queued_in_key(denom: &str) -> Vec<u8> {
    [b"qin/".as_slice(), denom.as_bytes()].concat()
}
/// Storage key of the last queue id given.
pub const NEXT_KEY: &[u8] = b"qnext";
/// Storage key of the buckets with queued transfers.
pub const ACTIVE_KEY: &[u8] = b"qact";

fn fifo_key(bucket: &Bucket) -> Vec<u8> {
    [b"qh/".as_slice(), &bucket.encode()].concat()
}
fn slot_key(bucket: &Bucket, position: u64) -> Vec<u8> {
    [b"qi/".as_slice(), &position.to_be_bytes(), &bucket.encode()].concat()
}
fn total_key(item: &Queued) -> Vec<u8> {
    match item.direction {
        Direction::Out => queued_out_key(&item.denom),
        Direction::In => queued_in_key(&item.denom),
    }
}

fn fifo(ctx: &AppContext<'_>, bucket: &Bucket) -> (u64, u64) {
    let raw = ctx.get(&fifo_key(bucket)).unwrap_or_default();
    let mut r = Reader::new(&raw);
    (r.u64().unwrap_or(0), r.u64().unwrap_or(0))
}

fn set_fifo(
    ctx: &mut AppContext<'_>,
    bucket: &Bucket,
    head: u64,
    tail: u64,
) -> Result<(), AppError> {
    if head == tail {
        return ctx.delete(&fifo_key(bucket));
    }
    ctx.put(
        &fifo_key(bucket),
        [head.to_be_bytes(), tail.to_be_bytes()].concat(),
    )
}

/// Whether `bucket` has queued transfers (a new one must wait behind them: FIFO).
pub fn has_queue(ctx: &AppContext<'_>, bucket: &Bucket) -> bool {
    let (head, tail) = fifo(ctx, bucket);
    head != tail
}

/// The buckets with queued transfers, in the order they first queued.
pub fn active(ctx: &AppContext<'_>) -> Vec<Bucket> {
    let raw = ctx.get(ACTIVE_KEY).unwrap_or_default();
    let mut r = Reader::new(&raw);
    let mut out = Vec::new();
    while r.remaining() > 0 {
        match Bucket::read(&mut r) {
            Ok(b) => out.push(b),
            Err(_) => break,
        }
    }
    out
}

fn set_active(ctx: &mut AppContext<'_>, buckets: &[Bucket]) -> Result<(), AppError> {
    if buckets.is_empty() {
        return ctx.delete(ACTIVE_KEY);
    }
    ctx.put(
        ACTIVE_KEY,
        buckets.iter().flat_map(Bucket::encode).collect(),
    )
}

/// Queues `item` at the tail of its bucket; returns its id.
pub fn enqueue(ctx: &mut AppContext<'_>, item: &Queued) -> Result<u64, AppError> {
    let bucket = item.bucket();
    let (head, tail) = fifo(ctx, &bucket);
    if tail - head >= MAX_QUEUED_PER_BUCKET {
        return Err(err(
            QUEUE_FULL,
            format!("{MAX_QUEUED_PER_BUCKET} transfers queued"),
        ));
    }
    if head == tail {
        let mut buckets = active(ctx);
        if !buckets.contains(&bucket) {
            if buckets.len() >= MAX_ACTIVE_BUCKETS {
                return Err(err(
                    QUEUE_FULL,
                    format!("{MAX_ACTIVE_BUCKETS} queues in use"),
                ));
            }
            buckets.push(bucket.clone());
            set_active(ctx, &buckets)?;
        }
    }
    let id = ctx.get_u64(NEXT_KEY) + 1;
    ctx.put_u64(NEXT_KEY, id);
    ctx.put(&item_key(id), item.encode())?;
    ctx.put(&slot_key(&bucket, tail), id.to_be_bytes().to_vec())?;
    set_fifo(ctx, &bucket, head, tail + 1)?;
    add(ctx, &total_key(item), item.amount)?;
    Ok(id)
}

/// The item queued under `id`, if it still is.
pub fn get(ctx: &AppContext<'_>, id: u64) -> Result<Option<Queued>, AppError> {
    ctx.get(&item_key(id))
        .map(|raw| Queued::decode(&raw))
        .transpose()
}

/// Takes item `id` out of the queue (its FIFO slot is skipped later); exactly once: a second
/// take finds nothing.
pub fn take(ctx: &mut AppContext<'_>, id: u64) -> Result<Queued, AppError> {
    let item =
        get(ctx, id)?.ok_or_else(|| err(NOT_QUEUED, format!("no transfer queued as {id}")))?;
    ctx.delete(&item_key(id))?;
    sub(ctx, &total_key(&item), item.amount, BAD_TRANSFER)?;
    Ok(item)
}

/// `[STRAIT-LIMIT.4]` Releases queued transfers whose bucket has capacity again: FIFO per bucket,
/// buckets in the order they first queued, skipping paused tokens, at most
/// [`MAX_RELEASES_PER_BLOCK`] releases and [`MAX_QUEUE_STEPS_PER_BLOCK`] positions per block.
/// `release` executes one item (sends it, or credits it). Returns how many were released.
pub fn release_ready(
    ctx: &mut AppContext<'_>,
    mut release: impl FnMut(&mut AppContext<'_>, u64, Queued) -> Result<(), AppError>,
) -> Result<usize, AppError> {
    let mut buckets = active(ctx);
    if buckets.is_empty() {
        return Ok(0);
    }
    let (mut released, mut steps) = (0, 0);
    let mut emptied = Vec::new();
    'buckets: for bucket in &buckets {
        if ctx.topic_paused(denom_topic(&bucket.denom)) {
            continue;
        }
        let (mut head, tail) = fifo(ctx, bucket);
        while head < tail {
            if released >= MAX_RELEASES_PER_BLOCK || steps >= MAX_QUEUE_STEPS_PER_BLOCK {
                set_fifo(ctx, bucket, head, tail)?;
                break 'buckets;
            }
            steps += 1;
            let slot = slot_key(bucket, head);
            let id = ctx.get_u64(&slot);
            let Some(item) = get(ctx, id)? else {
                // Cancelled: skip its slot.
                ctx.delete(&slot)?;
                head += 1;
                continue;
            };
            if !try_take(ctx, bucket, item.amount)? {
                break;
            }
            let item = take(ctx, id)?;
            ctx.delete(&slot)?;
            head += 1;
            release(ctx, id, item)?;
            released += 1;
        }
        set_fifo(ctx, bucket, head, tail)?;
        if head == tail {
            emptied.push(bucket.clone());
        }
    }
    if !emptied.is_empty() {
        buckets.retain(|b| !emptied.contains(b));
        set_active(ctx, &buckets)?;
    }
    Ok(released)
}

/// The destination options of a released outbound item.
pub fn options_of(item: &Queued) -> strait_packet::DeliveryOptions {
    strait_packet::DeliveryOptions {
        ordered: false,
        timeout_height: Some(Height(item.timeout_height)).filter(|h| h.get() != 0),
        timeout_timestamp: Some(Timestamp(item.timeout_timestamp)).filter(|t| t.get() != 0),
    }
}
