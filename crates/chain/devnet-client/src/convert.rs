//! The devnet's encoding of the chain-client types, without a transport: the bounds of a relay
//! transaction, a relay's transaction body, and a transaction result as a relay report. The
//! JSON-RPC adapter ([`crate::chain`]) and the in-process chain of `strait-sim` both use it.

use strait_chain_client::{
    DeliveryReport, RelayFailure, RelayLimits, RelayReport, RelayWork, VerifierUpdate,
};
use strait_devnet_api::rpc::{TxFailure, TxResult};
use strait_devnet_api::tx::{
    ClientUpdate, TxBody, MAX_ADVANCES_PER_TX, MAX_BATCHES_PER_TX, MAX_TX_LEN, MAX_UPDATES_PER_TX,
};

/// The bounds of one devnet relay transaction (`strait_devnet_api::tx`): its encoded length and
/// how many updates, advances and batches it may carry; an update costs its client id (u64), its
/// trusted height (u64) and a u32 length before the light block's bytes; the advances a u16 count
/// and 32 bytes per route id.
pub const RELAY_LIMITS: RelayLimits = RelayLimits {
    max_relay_bytes: MAX_TX_LEN,
    max_updates: MAX_UPDATES_PER_TX,
    max_advances: MAX_ADVANCES_PER_TX,
    max_batches: MAX_BATCHES_PER_TX,
    // client u64 | kind u16 | body length u32
    update_overhead_bytes: 8 + 2 + 4,
    advances_overhead_bytes: 2,
    advance_bytes: 32,
};

/// A verifier update as the devnet's client update.
pub fn client_update(update: VerifierUpdate) -> ClientUpdate {
    ClientUpdate {
        client: update.client,
        kind: update.kind,
        body: update.body,
    }
}

/// A relay as the body of a devnet transaction: updates, then route advances, then batches.
pub fn relay_body(work: RelayWork) -> TxBody {
    TxBody::Relay {
        updates: work.updates.into_iter().map(client_update).collect(),
        advances: work.advances,
        batches: work.batches,
    }
}

/// A devnet transaction result as a relay report.
pub fn report_of(result: &TxResult) -> RelayReport {
    let reason = result.error.clone().unwrap_or_default();
    let applied = match result.failure {
        None if result.success => Ok(()),
        Some(TxFailure::UpdateNotYet) => Err(RelayFailure::UpdateNotYet(reason)),
        Some(TxFailure::UpdateInvalid) => Err(RelayFailure::UpdateInvalid(reason)),
        _ => Err(RelayFailure::Rejected(reason)),
    };
    RelayReport {
        hash: result.hash,
        height: result.height,
        applied,
        deliveries: result
            .deliveries
            .iter()
            .map(|d| DeliveryReport {
                id: d.id,
                status: d.status,
                reason: d.error.clone(),
            })
            .collect(),
        updates_kept: true,
    }
}

#[cfg(test)]
mod tests {
    use strait_devnet_api::tx::Tx;
    use strait_light_client::{
        sign_commit, Header, LightBlock, SignedHeader, Signer, Validator, ValidatorSet,
    };
    use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, RouteId, Timestamp};

    use super::*;

    /// A light block of chain 2 at height 5, signed by its two validators.
    fn light_block() -> LightBlock {
        let signers = [Signer::from_seed([1; 32]), Signer::from_seed([2; 32])];
        let mut validators: Vec<Validator> = signers
            .iter()
            .map(|s| Validator {
                pub_key: s.public_key(),
                power: 10,
            })
            .collect();
        validators.sort_by_key(|v| v.pub_key);
        let set = ValidatorSet::new(validators).unwrap();
        let header = Header {
            chain_id: ChainId(2),
            height: Height(5),
            timestamp: Timestamp(1_700_000_000_000),
            parent_hash: Hash32([1; 32]),
            app_state_root: Hash32([3; 32]),
            outbox_root: Hash32([4; 32]),
            validators_hash: set.hash(),
            next_validators_hash: set.hash(),
        };
        let commit = sign_commit(&header, &set, &signers.iter().collect::<Vec<_>>());
        LightBlock {
            signed_header: SignedHeader { header, commit },
            validators: set.clone(),
            next_validators: set,
        }
    }

    fn encoded_len(work: RelayWork) -> usize {
        Tx {
            chain_id: ChainId(1),
            signer: Address32([9; 32]),
            nonce: 0,
            body: relay_body(work),
        }
        .encode_unsigned()
        .len()
    }

    /// The relayer sizes relays with `RELAY_LIMITS`: each update and each advance must cost exactly
    /// what the devnet encoding makes of it.
    #[test]
    fn relay_limits_match_the_encoding() {
        let empty = encoded_len(RelayWork::default());
        let block = light_block();
        let update = VerifierUpdate::bft(ClientId(2), Height(4), &block);
        let body_len = update.body.len();
        let one_update = encoded_len(RelayWork {
            updates: vec![update],
            ..RelayWork::default()
        });
        assert_eq!(
            one_update - empty,
            RELAY_LIMITS.update_overhead_bytes + body_len
        );
        let advances = |n: usize| RelayWork {
            advances: (0..n).map(|i| RouteId([i as u8; 32])).collect(),
            ..RelayWork::default()
        };
        let full = encoded_len(advances(RELAY_LIMITS.max_advances));
        assert_eq!(
            full - empty,
            RELAY_LIMITS.advance_bytes * RELAY_LIMITS.max_advances
        );
    }

    #[test]
    fn a_relay_keeps_its_parts_in_order() {
        let update = VerifierUpdate::bft(ClientId(7), Height(3), &light_block());
        let body = relay_body(RelayWork {
            updates: vec![update.clone()],
            advances: vec![RouteId([5; 32])],
            batches: Vec::new(),
        });
        assert_eq!(
            body,
            TxBody::Relay {
                updates: vec![ClientUpdate::bft(ClientId(7), Height(3), &light_block())],
                advances: vec![RouteId([5; 32])],
                batches: Vec::new(),
            }
        );
    }
}
