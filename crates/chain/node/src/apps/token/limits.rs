//! Token-bucket rate limits and the anomaly breaker of the token application
//! (`[STRAIT-LIMIT.1]`, `[STRAIT-LIMIT.2]`, `[STRAIT-LIMIT.6]`).
//!
//! One bucket per direction (outbound sends, inbound receives), remote chain and local
//! denomination. A bucket holds at most `capacity` tokens and refills `refill_per_s` tokens per
//! second of block time; its level is kept in thousandths of a token so that refills of short
//! blocks are not lost to rounding. Every sum is checked.

use strait_endpoint::AppError;
use strait_primitives::{keccak256_concat, ChainId, Hash32, Reader};

use super::{err, get_u128, read_denom, AppContext, BAD_TRANSFER};

/// Which way a transfer goes, seen from this chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// Sent from this chain.
    Out = 0,
    /// Received by this chain.
    In = 1,
}

/// A rate-limit bucket: `direction u8 | remote chain u64 | denom_len u8 | denom`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bucket {
    /// Outbound or inbound.
    pub direction: Direction,
    /// The chain at the other end.
    pub remote: ChainId,
    /// The denomination on this chain.
    pub denom: String,
}

impl Bucket {
    /// The bucket's identifier bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(10 + self.denom.len());
        out.push(self.direction as u8);
        out.extend_from_slice(&self.remote.to_be_bytes());
        out.push(self.denom.len() as u8);
        out.extend_from_slice(self.denom.as_bytes());
        out
    }

    /// Reads a bucket from `r`.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, AppError> {
        let bad = |_| err(BAD_TRANSFER, "malformed bucket");
        let direction = match r.u8().map_err(bad)? {
            0 => Direction::Out,
            1 => Direction::In,
            _ => return Err(err(BAD_TRANSFER, "bucket direction")),
        };
        let remote = ChainId(r.u64().map_err(bad)?);
        let denom = read_denom(r)?;
        Ok(Self {
            direction,
            remote,
            denom,
        })
    }
}

/// A bucket's limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitConfig {
    /// Most tokens the bucket holds, at most [`MAX_CAPACITY`].
    pub capacity: u128,
    /// Tokens added per second of block time.
    pub refill_per_s: u128,
}

/// Largest capacity (levels are kept in thousandths).
pub const MAX_CAPACITY: u128 = u128::MAX / 1000;

/// The devnet's default limit of every bucket (genesis): generous, above the devnet's genesis
/// allocation, so that only a configured bucket queues.
pub const DEVNET_LIMIT: LimitConfig = LimitConfig {
    capacity: 1_000_000_000_000_000,
    refill_per_s: 10_000_000_000_000,
};

impl LimitConfig {
    /// `capacity u128 | refill_per_s u128`.
    pub fn encode(&self) -> Vec<u8> {
        [self.capacity.to_be_bytes(), self.refill_per_s.to_be_bytes()].concat()
    }

    /// Decodes a stored or called limit; a capacity over [`MAX_CAPACITY`] is refused.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes);
        let capacity = u128::from_be_bytes(r.array().ok()?);
        let refill_per_s = u128::from_be_bytes(r.array().ok()?);
        r.finish().ok()?;
        (capacity <= MAX_CAPACITY).then_some(Self {
            capacity,
            refill_per_s,
        })
    }
}

/// Storage key of the chain's default limit (genesis).
pub const DEFAULT_LIMIT_KEY: &[u8] = b"limdef";
/// Storage key of the limit of `bucket`, set by the guardians.
pub fn limit_key(bucket: &Bucket) -> Vec<u8> {
    [b"lim/".as_slice(), &bucket.encode()].concat()
}
/// Storage key of the level of `bucket`: `level_milli u128 | last_ms u64`.
pub fn level_key(bucket: &Bucket) -> Vec<u8> {
    [b"bkt/".as_slice(), &bucket.encode()].concat()
}

/// The limit of `bucket`: its own, else the chain's default, else [`DEVNET_LIMIT`].
pub fn limit(ctx: &AppContext<'_>, bucket: &Bucket) -> LimitConfig {
    ctx.get(&limit_key(bucket))
        .or_else(|| ctx.get(DEFAULT_LIMIT_KEY))
        .and_then(|raw| LimitConfig::decode(&raw))
        .unwrap_or(DEVNET_LIMIT)
}

/// The level of `bucket` now, in thousandths, and its capacity in thousandths.
pub fn level_milli(ctx: &AppContext<'_>, bucket: &Bucket) -> (u128, u128) {
    let config = limit(ctx, bucket);
    // MAX_CAPACITY * 1000 fits.
    let full = config.capacity * 1000;
    let now = ctx.timestamp().get();
    let Some(raw) = ctx.get(&level_key(bucket)) else {
        return (full, full);
    };
    let mut r = Reader::new(&raw);
    let (Ok(level), Ok(last)) = (r.array::<16>(), r.u64()) else {
        return (full, full);
    };
    let level = u128::from_be_bytes(level);
    let elapsed_ms = u128::from(now.saturating_sub(last));
    // refill per second * milliseconds = thousandths; an overflow is more than a full bucket.
    let refilled = config
        .refill_per_s
        .checked_mul(elapsed_ms)
        .and_then(|add| level.checked_add(add))
        .unwrap_or(full);
    (refilled.min(full), full)
}

/// `[STRAIT-LIMIT.2]` Takes `amount` from `bucket` if it fits: the level holds it, or the bucket
/// is full (so a transfer larger than the capacity passes once a full period has refilled, and
/// never waits forever). Returns whether it was taken.
pub fn try_take(ctx: &mut AppContext<'_>, bucket: &Bucket, amount: u128) -> Result<bool, AppError> {
    let (level, full) = level_milli(ctx, bucket);
    let need = amount.saturating_mul(1000);
    if level < need && level < full {
        return Ok(false);
    }
    let left = level.saturating_sub(need);
    let mut value = left.to_be_bytes().to_vec();
    value.extend_from_slice(&ctx.timestamp().get().to_be_bytes());
    ctx.put(&level_key(bucket), value)?;
    Ok(true)
}

/// Domain of a token's pause topic.
pub const TOPIC_DOMAIN: &[u8] = b"STRAIT/TOKEN/TOPIC/v1";

/// `[STRAIT-PAUSE.4]` The pause topic of the local denomination `denom`:
/// `keccak256("STRAIT/TOKEN/TOPIC/v1" || denom)`.
pub fn denom_topic(denom: &str) -> Hash32 {
    keccak256_concat(&[TOPIC_DOMAIN, denom.as_bytes()])
}

/// The automatic breaker's rule (`[STRAIT-LIMIT.6]`): the token's pause trips by itself when,
/// within one window, the net outflow from its escrow (released minus locked) exceeds
/// `max_outflow_bps` ten-thousandths of the escrow at the window's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnomalyRule {
    /// Window length, in milliseconds of block time.
    pub window_ms: u64,
    /// Largest net outflow, in ten-thousandths of the escrow at the window's start; 10,000 or
    /// more never trips.
    pub max_outflow_bps: u16,
}

/// The devnet's rule (genesis): 90 % of a token's escrow leaving within an hour trips its pause.
pub const DEVNET_ANOMALY: AnomalyRule = AnomalyRule {
    window_ms: 3_600_000,
    max_outflow_bps: 9_000,
};

/// Storage key of the chain's anomaly rule (genesis): `window_ms u64 | max_outflow_bps u16`.
pub const ANOMALY_RULE_KEY: &[u8] = b"anom";
/// Storage key of the window of `denom`: `start_ms u64 | escrow_at_start u128 | locked u128 |
/// released u128`.
pub fn window_key(denom: &str) -> Vec<u8> {
    [b"anw/".as_slice(), denom.as_bytes()].concat()
}
/// Storage key of the record of the breaker's last trip of `denom`: `height u64 | time u64 |
/// net_outflow u128 | escrow_at_start u128`.
pub fn trip_key(denom: &str) -> Vec<u8> {
    [b"trip/".as_slice(), denom.as_bytes()].concat()
}

impl AnomalyRule {
    /// `window_ms u64 | max_outflow_bps u16`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.window_ms.to_be_bytes().to_vec();
        out.extend_from_slice(&self.max_outflow_bps.to_be_bytes());
        out
    }

    /// Decodes a stored rule.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes);
        let rule = Self {
            window_ms: r.u64().ok()?,
            max_outflow_bps: u16::from_be_bytes(r.array().ok()?),
        };
        r.finish().ok()?;
        Some(rule)
    }
}

/// `share` ten-thousandths of `value`, rounded down, without overflow.
fn share_of(value: u128, bps: u16) -> u128 {
    let bps = u128::from(bps);
    (value / 10_000) * bps + (value % 10_000) * bps / 10_000
}

/// Records that `locked` entered and `released` left the escrow of `denom`, whose escrow was
/// `escrow_before` before this change; trips the token's pause when the rule says so and
/// returns whether it did (`[STRAIT-LIMIT.6]`).
pub fn note_escrow(
    ctx: &mut AppContext<'_>,
    denom: &str,
    escrow_before: u128,
    locked: u128,
    released: u128,
) -> Result<bool, AppError> {
    let rule = ctx
        .get(ANOMALY_RULE_KEY)
        .and_then(|raw| AnomalyRule::decode(&raw))
        .unwrap_or(DEVNET_ANOMALY);
    let now = ctx.timestamp().get();
    let key = window_key(denom);
    let stored = ctx.get(&key).and_then(|raw| {
        let mut r = Reader::new(&raw);
        Some((
            r.u64().ok()?,
            u128::from_be_bytes(r.array().ok()?),
            u128::from_be_bytes(r.array().ok()?),
            u128::from_be_bytes(r.array().ok()?),
        ))
    });
    let (start, at_start, mut in_sum, mut out_sum) = match stored {
        Some(w) if now.saturating_sub(w.0) < rule.window_ms => w,
        _ => (now, escrow_before, 0, 0),
    };
    in_sum = in_sum.saturating_add(locked);
    out_sum = out_sum.saturating_add(released);
    let net = out_sum.saturating_sub(in_sum);
    let tripped = net > share_of(at_start, rule.max_outflow_bps);
    let mut window = Vec::with_capacity(56);
    if tripped {
        // A new window starts after the trip, from the escrow as it now stands.
        let escrow_now = get_u128(ctx, &super::escrow_key(denom));
        window.extend_from_slice(&now.to_be_bytes());
        window.extend_from_slice(&escrow_now.to_be_bytes());
        window.extend_from_slice(&[0; 32]);
        let mut trip = ctx.height().get().to_be_bytes().to_vec();
        trip.extend_from_slice(&now.to_be_bytes());
        trip.extend_from_slice(&net.to_be_bytes());
        trip.extend_from_slice(&at_start.to_be_bytes());
        ctx.put(&trip_key(denom), trip)?;
        ctx.pause_topic(denom_topic(denom));
        tracing::warn!(
            denom,
            net,
            escrow_at_start = at_start,
            "anomaly breaker tripped"
        );
    } else {
        window.extend_from_slice(&start.to_be_bytes());
        window.extend_from_slice(&at_start.to_be_bytes());
        window.extend_from_slice(&in_sum.to_be_bytes());
        window.extend_from_slice(&out_sum.to_be_bytes());
    }
    ctx.put(&key, window)?;
    Ok(tripped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_down_without_overflow() {
        assert_eq!(share_of(u128::MAX, 10_000), u128::MAX);
        assert_eq!(share_of(10_000, 9_000), 9_000);
        assert_eq!(share_of(9, 9_000), 8);
        assert_eq!(share_of(0, 9_000), 0);
    }

    #[test]
    fn limits_round_trip_and_capacity_is_bounded() {
        let at = LimitConfig {
            capacity: MAX_CAPACITY,
            refill_per_s: u128::MAX,
        };
        assert_eq!(LimitConfig::decode(&at.encode()), Some(at));
        let past = LimitConfig {
            capacity: MAX_CAPACITY + 1,
            ..at
        };
        assert_eq!(LimitConfig::decode(&past.encode()), None);
        assert_eq!(
            AnomalyRule::decode(&DEVNET_ANOMALY.encode()),
            Some(DEVNET_ANOMALY)
        );
    }
}
