//! Read access to the token application's queue for the RPC server (`strait_tokenQueue`).

use strait_devnet_api::rpc::{QueuedTransfer, TokenQueue};
use strait_endpoint::PauseScope;

use super::limits::{denom_topic, Direction};
use super::queue::{item_key, Queued, NEXT_KEY};
use crate::state::keys;
use crate::store::Reads;

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
