//! The token transfer application (`[STRAIT-TOKEN.1]` to `[STRAIT-TOKEN.6]`): fungible tokens move
//! between chains, escrowed on the chain they leave and minted as vouchers where they arrive,
//! burned and released on the way back, refunded when the transfer fails or times out.
//!
//! A denomination records its origin path: a token native to a chain is a base name (`sat`); a
//! voucher minted on chain X for a token that arrived from chain Y is `Y/<denom on Y>`. So tokens
//! of different origins never mix, and a voucher can travel onwards (`2/1/sat` on chain 3 came from
//! chain 1 through chain 2) and back the way it came.

mod calls;
pub mod limits;
pub mod peers;
pub mod queue;
pub mod rpc;

pub use calls::{anomaly_digest, limit_digest, SetAnomalyCall, SetLimitCall};
use calls::{cancel, refund_queued, send_now, send_out, set_anomaly, set_limit, Pay};
pub use peers::{peer_digest, SetPeerCall, CALL_SET_PEER, UNKNOWN_PEER};
pub use queue::{queued_in_key, queued_out_key};

use strait_endpoint::AppError;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Hash32, Height, MessageId, Reader, Timestamp};

use self::limits::{denom_topic, note_escrow, try_take, Bucket, Direction};
use self::queue::Queued;
use super::{App, AppCallError, AppContext};

/// Version byte of a transfer payload.
pub const TRANSFER_VERSION: u8 = 1;
/// Longest denomination, in bytes.
pub const MAX_DENOM_LEN: usize = 128;
/// Longest base denomination (the native token's name), in bytes.
pub const MAX_BASE_DENOM_LEN: usize = 16;
/// The native token of every devnet chain.
pub const NATIVE_DENOM: &str = "sat";
/// Call data kind: a transfer to another chain.
pub const CALL_TRANSFER: u8 = 1;
/// Call data kind: finalize a received transfer that failed for good (`kind u8 (2) | packet`).
pub const CALL_FINALIZE: u8 = 2;
/// Call data kind: set a bucket's limit with guardian approvals ([`SetLimitCall`]).
pub const CALL_SET_LIMIT: u8 = 3;
/// Call data kind: cancel a queued transfer (`kind u8 (4) | queue id u64`).
pub const CALL_CANCEL: u8 = 4;
/// Call data kind: set the anomaly rule with guardian approvals ([`SetAnomalyCall`]).
pub const CALL_SET_ANOMALY: u8 = 5;
/// Guardian approvals needed to change a limit or the anomaly rule: the higher (unpause)
/// threshold, since loosening either is the dangerous direction.
pub const SET_LIMIT_THRESHOLD: usize = crate::guardians::UNPAUSE_THRESHOLD;

/// Error code of a malformed transfer (payload or call data).
pub const BAD_TRANSFER: u32 = 1000;
/// Error code of a transfer its sender cannot fund.
pub const INSUFFICIENT_FUNDS: u32 = 1001;
/// Error code of a transfer to the zero address, refused on the destination (and refunded).
pub const BAD_RECIPIENT: u32 = 1002;
/// Error code of an amount that would overflow a balance, an escrow or a supply.
pub const OVERFLOW: u32 = 1003;
/// Error code of a return of more than the escrow holds (impossible unless a chain is broken).
pub const ESCROW_SHORT: u32 = 1004;
/// Error code of an outcome for a transfer this chain does not await.
pub const UNKNOWN_TRANSFER: u32 = 1005;
/// Error code of a transfer of a paused token (`[STRAIT-PAUSE.4]`); nothing moved.
pub const TOKEN_PAUSED: u32 = 1009;
/// Error code of a limit change without enough valid guardian approvals.
pub const NOT_APPROVED: u32 = 1010;

fn err(code: u32, reason: impl Into<String>) -> AppError {
    AppError {
        code,
        reason: reason.into(),
    }
}

/// Checks a denomination: `base` or `chain/.../base`, chains in decimal without leading zeros,
/// the base 1 to 16 lowercase ASCII letters or digits.
pub fn valid_denom(denom: &str) -> bool {
    if denom.is_empty() || denom.len() > MAX_DENOM_LEN {
        return false;
    }
    let mut parts: Vec<&str> = denom.split('/').collect();
    let base = parts.pop().unwrap_or_default();
    let base_ok = !base.is_empty()
        && base.len() <= MAX_BASE_DENOM_LEN
        && base
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    base_ok
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('0')
                && p.len() <= 20
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u64>().is_ok()
        })
}

/// What a transfer message carries (`[STRAIT-TOKEN.1]`):
/// `version u8 | denom_len u8 | denom | amount u128 | sender [32] | recipient [32]`, the denom as
/// it is named on the sending chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The denomination on the sending chain.
    pub denom: String,
    /// How much.
    pub amount: u128,
    /// The account that sent it.
    pub sender: Address32,
    /// The account that receives it.
    pub recipient: Address32,
}

impl Transfer {
    /// The payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.denom.len() + 16 + 64);
        out.push(TRANSFER_VERSION);
        out.push(self.denom.len() as u8);
        out.extend_from_slice(self.denom.as_bytes());
        out.extend_from_slice(&self.amount.to_be_bytes());
        out.extend_from_slice(self.sender.as_bytes());
        out.extend_from_slice(self.recipient.as_bytes());
        out
    }

    /// Decodes a payload; never panics, bounded, rejects trailing bytes and invalid denoms.
    pub fn decode(bytes: &[u8]) -> Result<Self, AppError> {
        let bad = |e: strait_primitives::DecodeError| {
            err(BAD_TRANSFER, format!("malformed transfer: {e}"))
        };
        let mut r = Reader::new(bytes);
        let version = r.u8().map_err(bad)?;
        if version != TRANSFER_VERSION {
            return Err(err(BAD_TRANSFER, format!("transfer version {version}")));
        }
        let denom = read_denom(&mut r)?;
        let amount = u128::from_be_bytes(r.array().map_err(bad)?);
        let sender = Address32(r.array().map_err(bad)?);
        let recipient = Address32(r.array().map_err(bad)?);
        r.finish().map_err(bad)?;
        Ok(Self {
            denom,
            amount,
            sender,
            recipient,
        })
    }
}

fn read_denom(r: &mut Reader<'_>) -> Result<String, AppError> {
    let bad =
        |e: strait_primitives::DecodeError| err(BAD_TRANSFER, format!("malformed denom: {e}"));
    let len = r.len_u8("denom length", MAX_DENOM_LEN).map_err(bad)?;
    let denom = std::str::from_utf8(r.bytes(len).map_err(bad)?)
        .map_err(|_| err(BAD_TRANSFER, "denom is not UTF-8"))?;
    if !valid_denom(denom) {
        return Err(err(BAD_TRANSFER, format!("invalid denom {denom:?}")));
    }
    Ok(denom.to_owned())
}

/// A transfer call: `kind u8 (1) | destination u64 | recipient [32] | denom_len u8 | denom |
/// amount u128 | timeout_height u64 | timeout_timestamp u64 (0 = no timeout) | gas_limit u64`
/// (0 = unpaid, `[STRAIT-FEE.7]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferCall {
    /// The destination chain.
    pub destination: ChainId,
    /// The account that receives it there.
    pub recipient: Address32,
    /// The denomination on this chain.
    pub denom: String,
    /// How much.
    pub amount: u128,
    /// Destination height from which the transfer times out (refunded), if any.
    pub timeout_height: Option<Height>,
    /// Destination time from which the transfer times out (refunded), if any.
    pub timeout_timestamp: Option<Timestamp>,
    /// Gas bought on the destination, the message's quote paid from the caller's `sat` balance
    /// (`[STRAIT-FEE.7]`; held while queued, `[STRAIT-FEE.10]`); 0 sends it unpaid.
    pub gas_limit: u64,
}

impl TransferCall {
    /// The call data.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![CALL_TRANSFER];
        out.extend_from_slice(&self.destination.to_be_bytes());
        out.extend_from_slice(self.recipient.as_bytes());
        out.push(self.denom.len() as u8);
        out.extend_from_slice(self.denom.as_bytes());
        out.extend_from_slice(&self.amount.to_be_bytes());
        out.extend_from_slice(&self.timeout_height.map_or(0, Height::get).to_be_bytes());
        out.extend_from_slice(
            &self
                .timeout_timestamp
                .map_or(0, Timestamp::get)
                .to_be_bytes(),
        );
        out.extend_from_slice(&self.gas_limit.to_be_bytes());
        out
    }

    /// Decodes call data.
    pub fn decode(bytes: &[u8]) -> Result<Self, AppError> {
        let bad =
            |e: strait_primitives::DecodeError| err(BAD_TRANSFER, format!("malformed call: {e}"));
        let mut r = Reader::new(bytes);
        if r.u8().map_err(bad)? != CALL_TRANSFER {
            return Err(err(BAD_TRANSFER, "unknown token call"));
        }
        let destination = ChainId(r.u64().map_err(bad)?);
        let recipient = Address32(r.array().map_err(bad)?);
        let denom = read_denom(&mut r)?;
        let amount = u128::from_be_bytes(r.array().map_err(bad)?);
        let timeout_height = Some(Height(r.u64().map_err(bad)?)).filter(|h| h.get() != 0);
        let timeout_timestamp = Some(Timestamp(r.u64().map_err(bad)?)).filter(|t| t.get() != 0);
        let gas_limit = r.u64().map_err(bad)?;
        r.finish().map_err(bad)?;
        Ok(Self {
            destination,
            recipient,
            denom,
            amount,
            timeout_height,
            timeout_timestamp,
            gas_limit,
        })
    }
}

/// Storage key of `account`'s balance of `denom`.
pub fn balance_key(account: &Address32, denom: &str) -> Vec<u8> {
    [b"bal/".as_slice(), account.as_bytes(), denom.as_bytes()].concat()
}
/// Storage key of the escrow of `denom` (tokens that left this chain and may come back).
pub fn escrow_key(denom: &str) -> Vec<u8> {
    [b"esc/".as_slice(), denom.as_bytes()].concat()
}
/// Storage key of the supply of the voucher `denom` minted on this chain.
pub fn supply_key(denom: &str) -> Vec<u8> {
    [b"sup/".as_slice(), denom.as_bytes()].concat()
}
/// Storage key of the record of a sent transfer awaiting its outcome.
pub fn pending_key(id: &MessageId) -> Vec<u8> {
    [b"pend/".as_slice(), id.as_bytes()].concat()
}

fn get_u128(ctx: &AppContext<'_>, key: &[u8]) -> u128 {
    ctx.get(key)
        .and_then(|v| <[u8; 16]>::try_from(v.as_slice()).ok())
        .map_or(0, u128::from_be_bytes)
}

fn put_u128(ctx: &mut AppContext<'_>, key: &[u8], value: u128) -> Result<(), AppError> {
    ctx.put(key, value.to_be_bytes().to_vec())
}

fn add(ctx: &mut AppContext<'_>, key: &[u8], amount: u128) -> Result<(), AppError> {
    let value = get_u128(ctx, key)
        .checked_add(amount)
        .ok_or_else(|| err(OVERFLOW, "amount overflows"))?;
    put_u128(ctx, key, value)
}

fn sub(ctx: &mut AppContext<'_>, key: &[u8], amount: u128, code: u32) -> Result<(), AppError> {
    let have = get_u128(ctx, key);
    let value = have
        .checked_sub(amount)
        .ok_or_else(|| err(code, format!("{amount} needed, {have} held")))?;
    put_u128(ctx, key, value)
}

/// The prefix that marks a denom as having come from `chain`.
fn from_prefix(chain: ChainId) -> String {
    format!("{chain}/")
}

/// How a sent transfer left this chain, to undo it on a refund.
const LEFT_ESCROWED: u8 = 0;
const LEFT_BURNED: u8 = 1;

/// The token transfer application.
pub struct TokenTransfer;

impl TokenTransfer {
    /// `[STRAIT-TOKEN.5]` Anyone may ask the application to finalize, as the receiver, a transfer
    /// it refused that no retry can execute (to the zero address, or malformed): the sender is
    /// refunded without waiting for the retry window.
    fn finalize(&self, ctx: &mut AppContext<'_>, packet: &[u8]) -> Result<(), AppCallError> {
        let packet = Packet::decode(packet)
            .map_err(|_| AppCallError::BadData("finalize expects a packet"))?;
        if packet.receiver != ctx.address() || packet.destination_chain != ctx.chain_id() {
            return Err(AppCallError::BadData("not a transfer to this application"));
        }
        let permanent = match Transfer::decode(&packet.payload) {
            Ok(t) => t.recipient == Address32([0; 32]),
            Err(_) => true,
        };
        if !permanent {
            return Err(AppCallError::Refused(err(
                BAD_TRANSFER,
                "this transfer may still execute: retry it, or wait for the retry window",
            )));
        }
        ctx.finalize_failed(packet);
        Ok(())
    }

    fn refund(&self, ctx: &mut AppContext<'_>, id: &MessageId) -> Result<(), AppError> {
        let raw = ctx.get(&pending_key(id)).ok_or_else(|| {
            err(
                UNKNOWN_TRANSFER,
                format!("no transfer {id} awaits an outcome"),
            )
        })?;
        let mut r = Reader::new(&raw);
        let corrupt = |_| err(UNKNOWN_TRANSFER, "corrupt transfer record");
        let how = r.u8().map_err(corrupt)?;
        let sender = Address32(r.array().map_err(corrupt)?);
        let amount = u128::from_be_bytes(r.array().map_err(corrupt)?);
        let denom = read_denom(&mut r)?;
        match how {
            LEFT_ESCROWED => {
                let before = get_u128(ctx, &escrow_key(&denom));
                sub(ctx, &escrow_key(&denom), amount, ESCROW_SHORT)?;
                // A refund undoes a lock the breaker counted (`[STRAIT-LIMIT.6]`).
                note_escrow(ctx, &denom, before, 0, amount)?;
            }
            _ => add(ctx, &supply_key(&denom), amount)?,
        }
        add(ctx, &balance_key(&sender, &denom), amount)?;
        ctx.delete(&pending_key(id))
    }
}

impl App for TokenTransfer {
    fn name(&self) -> &'static str {
        "token"
    }

    /// `[STRAIT-TOKEN.3]` Receives a transfer from the token app of another chain: its peer there
    /// (`[STRAIT-TOKEN.7]`), no one else.
    fn receive(&self, ctx: &mut AppContext<'_>, packet: &Packet) -> Result<Vec<u8>, AppError> {
        if peers::peer_of(ctx, packet.source_chain) != Some(packet.sender) {
            return Err(err(
                UNKNOWN_PEER,
                format!(
                    "transfers come from the token application's peer on chain {}",
                    packet.source_chain
                ),
            ));
        }
        let t = Transfer::decode(&packet.payload)?;
        if t.recipient == Address32([0; 32]) {
            return Err(err(BAD_RECIPIENT, "the zero address cannot receive tokens"));
        }
        let mut tripped = false;
        let denom = match local_denom(ctx.chain_id(), packet.source_chain, &t.denom) {
            // The token comes back the way it left: release it from escrow.
            (local, true) => {
                let before = get_u128(ctx, &escrow_key(&local));
                sub(ctx, &escrow_key(&local), t.amount, ESCROW_SHORT)?;
                // [STRAIT-LIMIT.6] the anomaly breaker watches what leaves the escrow.
                tripped = note_escrow(ctx, &local, before, 0, t.amount)?;
                local
            }
            // It arrives: mint a voucher that records where it came from.
            (voucher, false) => {
                if voucher.len() > MAX_DENOM_LEN {
                    return Err(err(BAD_TRANSFER, "the voucher's path is too long"));
                }
                add(ctx, &supply_key(&voucher), t.amount)?;
                voucher
            }
        };
        // [STRAIT-LIMIT.3] over the inbound limit (or tripping the breaker, or paused): received
        // and acknowledged, the credit queued on this chain.
        let bucket = Bucket {
            direction: Direction::In,
            remote: packet.source_chain,
            denom: denom.clone(),
        };
        // A transfer of a token paused after its batch was checked (the breaker tripped on an
        // earlier message of the batch) executes, but its credit is held too.
        let held = tripped || ctx.topic_paused(denom_topic(&denom));
        if held || queue::has_queue(ctx, &bucket) || !try_take(ctx, &bucket, t.amount)? {
            let qid = queue::enqueue(
                ctx,
                &Queued {
                    direction: Direction::In,
                    remote: packet.source_chain,
                    denom,
                    amount: t.amount,
                    owner: t.recipient,
                    counterparty: t.sender,
                    how: 0,
                    timeout_height: 0,
                    timeout_timestamp: 0,
                    queued_ms: ctx.timestamp().get(),
                },
            )?;
            ctx.put(&queue::credit_key(&packet.id()), qid.to_be_bytes().to_vec())?;
            return Ok([b"queued".as_slice(), &qid.to_be_bytes()].concat());
        }
        add(ctx, &balance_key(&t.recipient, &denom), t.amount)?;
        Ok(b"ok".to_vec())
    }

    /// `[STRAIT-TOKEN.2]` Sends a transfer: the caller's tokens leave its balance, escrowed, or
    /// burned when they return to the chain they came from; queued when over the limit
    /// (`[STRAIT-LIMIT.3]`). Also finalizes, cancels a queued transfer, and sets limits.
    fn call(&self, ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
        match data.first() {
            Some(&CALL_FINALIZE) => return self.finalize(ctx, &data[1..]),
            Some(&CALL_CANCEL) => return cancel(ctx, &data[1..]).map_err(AppCallError::Refused),
            Some(&CALL_SET_LIMIT) => return set_limit(ctx, data),
            Some(&CALL_SET_ANOMALY) => return set_anomaly(ctx, data),
            Some(&CALL_SET_PEER) => return peers::set_peer(ctx, data),
            _ => {}
        }
        let call = TransferCall::decode(data).map_err(AppCallError::Refused)?;
        let sender = ctx
            .caller()
            .ok_or(AppCallError::BadData("a transfer needs a signer"))?;
        if call.amount == 0 {
            return Err(AppCallError::Refused(err(BAD_TRANSFER, "amount 0")));
        }
        sub(
            ctx,
            &balance_key(&sender, &call.denom),
            call.amount,
            INSUFFICIENT_FUNDS,
        )
        .map_err(AppCallError::Refused)?;
        let options = DeliveryOptions {
            ordered: false,
            timeout_height: call.timeout_height,
            timeout_timestamp: call.timeout_timestamp,
        };
        send_out(
            ctx,
            sender,
            call.destination,
            call.recipient,
            &call.denom,
            call.amount,
            options,
            call.gas_limit,
        )
        .map(|_| ())
        .map_err(AppCallError::Refused)
    }

    /// `[STRAIT-TOKEN.4]` Delivered: the tokens stay where they went.
    fn on_ack(
        &self,
        ctx: &mut AppContext<'_>,
        id: &MessageId,
        _ack: &[u8],
    ) -> Result<(), AppError> {
        if ctx.get(&pending_key(id)).is_none() {
            return Err(err(
                UNKNOWN_TRANSFER,
                format!("no transfer {id} awaits an outcome"),
            ));
        }
        ctx.delete(&pending_key(id))
    }

    /// `[STRAIT-TOKEN.5]` Refused on the destination: refund the sender.
    fn on_failure(
        &self,
        ctx: &mut AppContext<'_>,
        id: &MessageId,
        _error: &AppError,
    ) -> Result<(), AppError> {
        self.refund(ctx, id)
    }

    /// `[STRAIT-TOKEN.5]` Timed out on the destination, never executed: refund the sender.
    fn on_timeout(&self, ctx: &mut AppContext<'_>, id: &MessageId) -> Result<(), AppError> {
        self.refund(ctx, id)
    }

    /// `[STRAIT-PAUSE.4]` A transfer's topic is its denomination on this chain.
    fn topic(&self, chain: ChainId, packet: &Packet) -> Option<Hash32> {
        let t = Transfer::decode(&packet.payload).ok()?;
        Some(denom_topic(
            &local_denom(chain, packet.source_chain, &t.denom).0,
        ))
    }

    /// `[STRAIT-LIMIT.4]` Releases queued transfers whose limit has room again.
    fn end_block(&self, ctx: &mut AppContext<'_>) -> Result<(), AppError> {
        queue::release_ready(ctx, |ctx, qid, item| {
            let sent = match item.direction {
                // No longer a remote (the chain's config changed): refunded, so that the item
                // cannot block the end of every block.
                Direction::Out if !ctx.knows_chain(item.remote) => {
                    refund_queued(ctx, qid, &item)?;
                    return queue::record_end(ctx, qid, queue::END_REFUNDED, None);
                }
                Direction::Out => Some(send_now(
                    ctx,
                    item.how,
                    item.owner,
                    item.remote,
                    item.counterparty,
                    &item.denom,
                    item.amount,
                    queue::options_of(&item),
                    Pay::Held(qid),
                )?),
                Direction::In => {
                    add(ctx, &balance_key(&item.owner, &item.denom), item.amount)?;
                    None
                }
            };
            queue::record_end(ctx, qid, queue::END_RELEASED, sent)
        })
        .map(|_| ())
    }
}

/// The denomination on `chain` of a transfer of `denom` (as named on `source`), and whether it
/// returns home (its escrow here is released) rather than arriving (a voucher is minted).
pub fn local_denom(chain: ChainId, source: ChainId, denom: &str) -> (String, bool) {
    match denom.strip_prefix(&from_prefix(chain)) {
        Some(local) => (local.to_owned(), true),
        None => (format!("{source}/{denom}"), false),
    }
}

#[cfg(test)]
mod limit_tests;

#[cfg(test)]
mod fee_tests;

#[cfg(test)]
mod peer_tests;

#[cfg(test)]
mod vectors;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denominations_record_their_path_and_are_bounded() {
        for ok in ["sat", "1/sat", "2/1/sat", "18446744073709551615/x9"] {
            assert!(valid_denom(ok), "{ok}");
        }
        let long_base = "a".repeat(MAX_BASE_DENOM_LEN + 1);
        let long_path = format!("{}sat", "1/".repeat(64));
        assert_eq!(long_path.len(), MAX_DENOM_LEN + 3);
        for bad in [
            "",
            "/sat",
            "sat/",
            "01/sat",
            "x/sat",
            "1//sat",
            "SAT",
            "s at",
            "18446744073709551616/sat",
            long_base.as_str(),
            long_path.as_str(),
        ] {
            assert!(!valid_denom(bad), "{bad}");
        }
        let at_bound = format!("{}sat", "1/".repeat(62));
        assert!(at_bound.len() <= MAX_DENOM_LEN && valid_denom(&at_bound));
    }

    #[test]
    fn transfers_and_calls_round_trip_and_reject_what_is_malformed() {
        let t = Transfer {
            denom: "2/1/sat".into(),
            amount: u128::MAX,
            sender: Address32([1; 32]),
            recipient: Address32([2; 32]),
        };
        assert_eq!(Transfer::decode(&t.encode()), Ok(t.clone()));
        let bytes = t.encode();
        for bad in [
            &bytes[..bytes.len() - 1],
            &[&bytes[..], &[0]].concat()[..],
            &[&[2u8][..], &bytes[1..]].concat()[..],
            &[],
        ] {
            assert_eq!(Transfer::decode(bad).unwrap_err().code, BAD_TRANSFER);
        }
        // A denom length over the bound is refused before its bytes are read.
        let mut long = bytes.clone();
        long[1] = (MAX_DENOM_LEN + 1) as u8;
        let error = Transfer::decode(&long).unwrap_err();
        assert_eq!(error.code, BAD_TRANSFER);
        assert!(error.reason.contains("denom length"), "{}", error.reason);
        let call = TransferCall {
            destination: ChainId(3),
            recipient: Address32([4; 32]),
            denom: NATIVE_DENOM.into(),
            amount: 7,
            timeout_height: Some(Height(9)),
            timeout_timestamp: None,
            gas_limit: u64::MAX,
        };
        assert_eq!(TransferCall::decode(&call.encode()), Ok(call.clone()));
        // The gas limit is the last field: without it, or with a byte after it, refused.
        let bytes = call.encode();
        for bad in [&bytes[..bytes.len() - 8], &[&bytes[..], &[0]].concat()[..]] {
            assert_eq!(TransferCall::decode(bad).unwrap_err().code, BAD_TRANSFER);
        }
    }
}
