//! Read access to the token application's queue for the RPC server (`strait_tokenQueue`).

use strait_devnet_api::rpc::{QueuedStatus, QueuedTransfer, TokenBooks, TokenQueue, TokenState};
use strait_endpoint::PauseScope;
use strait_primitives::Address32;

use super::limits::trip_key;
use super::limits::{denom_topic, Direction};
use super::queue::{
    end_key, item_key, queued_in_key, queued_out_key, Queued, END_CANCELLED, END_REFUNDED,
    END_RELEASED, NEXT_KEY,
};
use super::{balance_key, escrow_key, supply_key};
use crate::state::keys;
use crate::store::{Reads, StoreError};

/// Most items one page returns.
pub const MAX_QUEUE_PAGE: u32 = 1_000;

/// The items still queued with ids in `[from, from + limit)`.
pub fn token_queue(reads: &Reads<'_>, from: u64, limit: u32) -> Result<TokenQueue, String> {
    if limit > MAX_QUEUE_PAGE {
        return Err(format!("limit {limit} exceeds {MAX_QUEUE_PAGE}"));
    }
    let token = strait_devnet_api::apps::token();
    let last_id = reads
        .state(&keys::app(&token, NEXT_KEY))
        .map_err(|e| e.to_string())?
        .and_then(|raw| <[u8; 8]>::try_from(raw.as_slice()).ok())
        .map_or(0, u64::from_be_bytes);
    let from = from.max(1);
    let ids: Vec<u64> = (from..from.saturating_add(u64::from(limit)))
        .take_while(|id| *id <= last_id)
        .collect();
    let keys_of: Vec<Vec<u8>> = ids
        .iter()
        .map(|id| keys::app(&token, &item_key(*id)))
        .collect();
    let raws = reads.states(&keys_of).map_err(|e| e.to_string())?;
    let mut items = Vec::new();
    for (id, raw) in ids.into_iter().zip(raws) {
        let Some(raw) = raw else { continue };
        let q = Queued::decode(&raw).map_err(|e| e.to_string())?;
        let scope = PauseScope::App {
            app: token,
            topic: denom_topic(&q.denom),
        };
        let paused = reads
            .state(&keys::paused(&scope))
            .map_err(|e| e.to_string())?
            .is_some();
        items.push(QueuedTransfer {
            id,
            direction: match q.direction {
                Direction::Out => "out",
                Direction::In => "in",
            }
            .into(),
            remote_chain: q.remote,
            denom: q.denom,
            amount: q.amount.to_string(),
            owner: q.owner,
            counterparty: q.counterparty,
            queued_ms: q.queued_ms,
            paused,
        });
    }
    Ok(TokenQueue { items, last_id })
}

/// `denom`'s pause and conservation sums.
pub fn token_state(reads: &Reads<'_>, denom: String) -> Result<TokenState, StoreError> {
    Ok(token_books(reads, denom, &[])?.token)
}

/// `denom`'s pause and conservation sums and the balances of `accounts`, in one snapshot
/// (`strait_tokenBooks`; the caller bounds `accounts`).
pub fn token_books(
    reads: &Reads<'_>,
    denom: String,
    accounts: &[Address32],
) -> Result<TokenBooks, StoreError> {
    let token = strait_devnet_api::apps::token();
    let scope = PauseScope::App {
        app: token,
        topic: denom_topic(&denom),
    };
    let mut keys_of = vec![
        keys::paused(&scope),
        keys::app(&token, &escrow_key(&denom)),
        keys::app(&token, &supply_key(&denom)),
        keys::app(&token, &queued_out_key(&denom)),
        keys::app(&token, &queued_in_key(&denom)),
        keys::app(&token, &trip_key(&denom)),
    ];
    keys_of.extend(
        accounts
            .iter()
            .map(|a| keys::app(&token, &balance_key(a, &denom))),
    );
    let (height, v) = reads.states_at(&keys_of)?;
    let amount = |raw: &Option<Vec<u8>>| -> Result<String, StoreError> {
        match raw {
            None => Ok("0".into()),
            Some(raw) => <[u8; 16]>::try_from(raw.as_slice())
                .map(|b| u128::from_be_bytes(b).to_string())
                .map_err(|_| StoreError::Corrupt(format!("token amount of {} bytes", raw.len()))),
        }
    };
    let balances = v[6..].iter().map(amount).collect::<Result<_, _>>()?;
    let token = TokenState {
        paused: v[0].is_some(),
        escrow: amount(&v[1])?,
        supply: amount(&v[2])?,
        queued_out: amount(&v[3])?,
        queued_in: amount(&v[4])?,
        tripped_at_height: v[5]
            .as_ref()
            .and_then(|raw| raw.get(..8))
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes),
        denom,
    };
    Ok(TokenBooks {
        height,
        token,
        balances,
    })
}

/// Where queued transfer `id` is.
pub fn queued_transfer(reads: &Reads<'_>, id: u64) -> Result<QueuedStatus, String> {
    let token = strait_devnet_api::apps::token();
    let queued = token_queue(reads, id, 1)?.items.pop();
    let end = reads
        .state(&keys::app(&token, &end_key(id)))
        .map_err(|e| e.to_string())?;
    let (ended, sent_as) = match end.as_deref() {
        None => (None, None),
        Some([kind, rest @ ..]) => {
            let kind = match *kind {
                END_RELEASED => "released",
                END_CANCELLED => "cancelled",
                END_REFUNDED => "refunded",
                other => return Err(format!("queue end kind {other}")),
            };
            let sent = <[u8; 32]>::try_from(rest)
                .ok()
                .map(strait_primitives::MessageId);
            (Some(kind.to_owned()), sent)
        }
        Some([]) => return Err("empty queue end record".into()),
    };
    Ok(QueuedStatus {
        queued,
        ended,
        sent_as,
    })
}
