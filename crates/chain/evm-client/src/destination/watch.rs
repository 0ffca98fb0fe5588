//! An EVM chain's verifiers as a watcher sees them (`strait_watcher::{VerifierReader,
//! EvidenceSink}`, SPEC `[STRAIT-AGENT.EVM-WATCH]`): the verifier contracts this destination knows
//! (registered or reported), what each vouches for from its logs, and misbehaviour evidence sent
//! to the accused contract's `submitMisbehaviour(bytes)` through the transaction manager (dry run
//! first, so a forgery costs nothing).

use std::collections::BTreeMap;

use alloy::primitives::{Address, Bytes, B256};
use alloy::sol_types::{SolCall, SolEvent};
use strait_attest::Checkpoint;
use strait_chain_client::{ChainError, DestinationChain, VerifierInfo, VerifierKind};
use strait_primitives::{ChainId, ClientId, Hash32, Height};
use strait_watcher::{EvidenceSink, Submitted, VerifierReader, Vouched, MAX_READ_ITEMS};

use super::{kinds, EvmDestination};
use crate::abi::ecdsa_committee::EcdsaCommitteeVerifier;
use crate::abi::native_lc::NativeLightClient;
use crate::txm::TxError;

/// Most blocks one `eth_getLogs` request for a verifier's logs covers.
pub const VERIFIER_LOG_RANGE: u64 = 10_000;
/// Most such requests one `vouched` call makes; a scan further behind goes on at the next call.
pub const VERIFIER_LOG_REQUESTS: u64 = 8;
/// Most vouched heights remembered per verifier contract (the lowest are forgotten first).
pub const MAX_VOUCHED_KEPT: usize = 4_096;

/// What a verifier contract vouched for, read from its logs so far.
#[derive(Debug, Default)]
pub(super) struct LogScan {
    /// The first block not scanned yet (0: none scanned).
    next_block: u64,
    /// By height, at most [`MAX_VOUCHED_KEPT`].
    vouched: BTreeMap<Height, Vouched>,
}

impl LogScan {
    /// Records `entries`, read from the blocks before `next_block`; forgets the lowest heights
    /// past [`MAX_VOUCHED_KEPT`].
    fn record(&mut self, next_block: u64, entries: Vec<Vouched>) {
        self.next_block = self.next_block.max(next_block);
        for e in entries {
            self.vouched.entry(e.height()).or_insert(e);
        }
        while self.vouched.len() > MAX_VOUCHED_KEPT {
            self.vouched.pop_first();
        }
    }

    /// The entries from height `from` on, at most `n` (and [`MAX_READ_ITEMS`]).
    fn answer(&self, from: Height, n: usize) -> Vec<Vouched> {
        self.vouched
            .range(from..)
            .take(n.min(MAX_READ_ITEMS))
            .map(|(_, v)| *v)
            .collect()
    }
}

impl EvmDestination {
    /// The contract and kind of a client this destination knows.
    fn known_client(&self, client: ClientId) -> Option<(Address, VerifierKind)> {
        let known = self.known.lock().ok()?;
        let address = *known.clients.get(&client)?;
        Some((address, *known.kinds.get(&address)?))
    }

    /// Scans `address`'s logs of `event` onwards from where its scan stopped (from
    /// [`EvmDestination::with_logs_from`] at first), [`VERIFIER_LOG_RANGE`] blocks a request, at
    /// most [`VERIFIER_LOG_REQUESTS`] requests, each log decoded by `decode`; then answers from
    /// what it read so far.
    async fn scan_verifier(
        &self,
        address: Address,
        event: B256,
        decode: impl Fn(&alloy::rpc::types::Log) -> Option<Vouched>,
        from: Height,
        n: usize,
    ) -> Result<Vec<Vouched>, ChainError> {
        let start = self
            .scans
            .lock()
            .map_err(|_| self.unavailable("vouched", "poisoned lock".into()))?
            .get(&address)
            .map_or(0, |s| s.next_block)
            .max(self.logs_from_block);
        let latest = DestinationChain::latest_height(self).await?.get();
        let mut next = start;
        let mut entries = Vec::new();
        for _ in 0..VERIFIER_LOG_REQUESTS {
            if next > latest {
                break;
            }
            let to = latest.min(next.saturating_add(VERIFIER_LOG_RANGE - 1));
            let logs = self.logs_of(address, event, next, to).await?;
            for log in &logs {
                entries.push(decode(log).ok_or_else(|| {
                    self.bad("vouched", format!("undecodable log of verifier {address}"))
                })?);
            }
            next = to.saturating_add(1);
        }
        let mut scans = self
            .scans
            .lock()
            .map_err(|_| self.unavailable("vouched", "poisoned lock".into()))?;
        let scan = scans.entry(address).or_default();
        scan.record(next, entries);
        Ok(scan.answer(from, n))
    }
}

impl VerifierReader for EvmDestination {
    fn chain_id(&self) -> ChainId {
        self.chain
    }

    /// The verifiers this destination knows (registered with
    /// [`EvmDestination::with_verifier`] or reported by `verifier_of` and `route_verifiers`), in
    /// id order from `from`, each described now. The endpoint keeps no list of every verifier:
    /// one nobody registered or asked about is not watched.
    async fn clients(&self, from: ClientId, n: usize) -> Result<Vec<VerifierInfo>, ChainError> {
        let addresses: Vec<Address> = {
            let known = self
                .known
                .lock()
                .map_err(|_| self.unavailable("clients", "poisoned lock".into()))?;
            known
                .clients
                .range(from..)
                .take(n.min(MAX_READ_ITEMS))
                .map(|(_, a)| *a)
                .collect()
        };
        let mut out = Vec::with_capacity(addresses.len());
        for address in addresses {
            out.push(self.describe(address).await?);
        }
        Ok(out)
    }

    /// From the contract's logs, scanned onwards each call (bounded: 10,000 blocks a request, 8
    /// requests a call, the latest 4,096 heights kept): a committee's `CheckpointVerified`
    /// (checkpoints it stored), the native light client's `HeaderVerified` (its consensus
    /// states: the header's hash, so that a watcher compares it with its source's header and
    /// answers a fork with the source's BLS light block), by ascending height from `from`, at
    /// most `n`; nothing for a frozen client or another kind.
    async fn vouched(
        &self,
        client: ClientId,
        from: Height,
        n: usize,
    ) -> Result<Vec<Vouched>, ChainError> {
        let Some((address, kind)) = self.known_client(client) else {
            return Err(ChainError::Refused {
                chain: self.chain,
                what: "vouched",
                reason: format!("no client {client} known on this chain"),
            });
        };
        let info = self.describe(address).await?;
        if info.frozen {
            return Ok(Vec::new());
        }
        if kinds::is_committee(kind) {
            let source = info.source;
            self.scan_verifier(
                address,
                EcdsaCommitteeVerifier::CheckpointVerified::SIGNATURE_HASH,
                |log| {
                    let e =
                        EcdsaCommitteeVerifier::CheckpointVerified::decode_log(&log.inner).ok()?;
                    Some(Vouched::Checkpoint(Checkpoint {
                        source_chain: source,
                        outbox_root: Hash32(e.root.0),
                        leaf_count: e.leafCount,
                        source_height: Height(e.height),
                    }))
                },
                from,
                n,
            )
            .await
        } else if kind == VerifierKind::BFT_BLS {
            self.scan_verifier(
                address,
                NativeLightClient::HeaderVerified::SIGNATURE_HASH,
                |log| {
                    let e = NativeLightClient::HeaderVerified::decode_log(&log.inner).ok()?;
                    Some(Vouched::Header {
                        height: Height(e.height),
                        header_hash: Hash32(e.headerHash.0),
                        outbox_root: Hash32(e.outboxRoot.0),
                    })
                },
                from,
                n,
            )
            .await
        } else {
            Ok(Vec::new())
        }
    }
}

impl EvidenceSink for EvmDestination {
    fn chain_id(&self) -> ChainId {
        self.chain
    }

    /// `submitMisbehaviour(evidence)` to the accused contract (a committee, or the native light
    /// client), the kind's evidence bytes as the Rust kind encodes them. A dry run that reverts
    /// sends nothing: the report has a zero hash and the revert's name.
    async fn submit_misbehaviour(
        &self,
        client: ClientId,
        kind: VerifierKind,
        evidence: Vec<u8>,
    ) -> Result<Submitted, ChainError> {
        let address = match self.known_client(client) {
            Some((address, known)) if known == kind && kinds::is_updated(kind) => address,
            found => {
                return Err(ChainError::Refused {
                    chain: self.chain,
                    what: "submit_misbehaviour",
                    reason: format!(
                        "client {client} of kind {kind}: {}",
                        match found {
                            None => "not known on this chain".to_owned(),
                            Some((_, k)) => format!(
                                "its contract is of kind {k}, with no evidence entry point here"
                            ),
                        }
                    ),
                })
            }
        };
        let data = EcdsaCommitteeVerifier::submitMisbehaviourCall {
            e: Bytes::from(evidence),
        }
        .abi_encode();
        match self
            .txm
            .send("misbehaviour", address, Bytes::from(data))
            .await
        {
            Ok(landed) => Ok(Submitted {
                hash: Hash32(landed.hash.0),
                height: Height(landed.receipt.block_number.unwrap_or_default()),
                applied: if landed.receipt.status() {
                    Ok(())
                } else {
                    Err("reverted on chain".into())
                },
            }),
            Err(TxError::Reverted { reason, .. }) => Ok(Submitted {
                hash: Hash32([0; 32]),
                height: DestinationChain::latest_height(self).await?,
                applied: Err(reason.to_string()),
            }),
            Err(e) => Err(self.tx_error("submit_misbehaviour", e)),
        }
    }

    /// EVM verifiers take no conflict against a reference client (`[STRAIT-CONFLICT.*]` is the
    /// native host's rule): refused, so the watcher alerts.
    async fn submit_conflict(
        &self,
        accused: ClientId,
        _reference: ClientId,
        _height: Height,
    ) -> Result<Submitted, ChainError> {
        Err(ChainError::Refused {
            chain: self.chain,
            what: "submit_conflict",
            reason: format!("client {accused}: no conflict evidence on an EVM chain"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(height: u64) -> Vouched {
        Vouched::Root {
            height: Height(height),
            root: Hash32([height as u8; 32]),
        }
    }

    /// A scan keeps one entry per height, answers from a height on within both bounds, and
    /// forgets the lowest heights past its bound, never the newest.
    #[test]
    fn a_scan_is_bounded_and_keeps_the_newest_heights() {
        let mut scan = LogScan::default();
        scan.record(10, vec![root(5), root(3), root(5)]);
        assert_eq!(scan.next_block, 10);
        assert_eq!(scan.answer(Height(0), 8), vec![root(3), root(5)]);
        assert_eq!(scan.answer(Height(4), 8), vec![root(5)]);
        assert_eq!(scan.answer(Height(0), 1), vec![root(3)]);
        // An older scan's end never moves it back.
        scan.record(7, Vec::new());
        assert_eq!(scan.next_block, 10);

        let at_bound: Vec<Vouched> = (100..100 + MAX_VOUCHED_KEPT as u64 - 2).map(root).collect();
        scan.record(20, at_bound);
        assert_eq!(scan.vouched.len(), MAX_VOUCHED_KEPT);
        assert!(scan.vouched.contains_key(&Height(3)));
        scan.record(30, vec![root(1_000_000)]);
        assert_eq!(scan.vouched.len(), MAX_VOUCHED_KEPT);
        assert!(
            !scan.vouched.contains_key(&Height(3)),
            "the lowest is forgotten"
        );
        assert!(scan.vouched.contains_key(&Height(1_000_000)));
        assert_eq!(
            scan.answer(Height(0), usize::MAX).len(),
            MAX_READ_ITEMS,
            "an answer is bounded"
        );
    }
}
