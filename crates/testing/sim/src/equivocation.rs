//! The equivocating-validators fault and its checkers.
//!
//! The fault: once per run, at a time the seed chooses, more than 2/3 of a source chain's
//! validators (the simulator knows their seed-derived devnet keys) sign a second header at the
//! source's latest height, with a forged outbox root (the honest outbox plus one message the source
//! never sent) and a forged app-state root. In one run of four only more than 1/3 but at most 2/3
//! sign it (a weak fork): the header must not verify, so nothing of it may be accepted and nothing
//! freezes. A byzantine party shows a destination's light client of
//! that source both headers, in an order the seed chooses (the forged one first, with a delivery of
//! the forged message proven against the forged root; or the honest one first), the second one
//! either as a client update (alone, or followed by an update that fails the transaction) or as a
//! `Misbehaviour` transaction carrying both.
//!
//! The trust assumption of a light client (fewer than 1/3 of the trusted power is byzantine) is
//! broken on purpose, so a forged message whose proof verified against the forged root before the
//! fork was detected is the assumption failing, not an endpoint bug: `only_proven` accepts exactly
//! the messages of a strong fork, on the route they were forged for, and the run reports how many
//! executed (`WorldReport::forged_received`); a weak fork's message stays an `only_proven`
//! violation. What the system must still guarantee is checked:
//!
//! * `fork_frozen`: once a transaction that shows a client a verifying header conflicting with a
//!   stored one (or a verifying `Misbehaviour`) is included, that client is frozen, and a client
//!   once frozen stays frozen after every later block, failed transaction and chain restart:
//!   evidence is never rolled back (`[STRAIT-LC-CLIENT.4]`, SPEC §6). And a client freezes only
//!   when its source was really forked (by more than 2/3 of a height's validators).
//! * `nothing_after_freeze`: no message from the source of a frozen client is received by its
//!   destination in any block after the one that froze it (neither a forged one nor an honest
//!   one: a frozen client verifies no root).
//! * `liveness` leaves out routes whose client is frozen (recovering a frozen client is
//!   governance's work); every other route must still deliver everything.

use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::TxResult;
use strait_devnet_api::tx::{ClientUpdate, Tx, TxBody, VerifierKind};
use strait_endpoint::BatchDelivery;
use strait_light_client::{
    kind, sign_commit, ClientState, ConsensusState, LightBlock, Misbehaviour, Verdict,
};
use strait_merkle::{LeafIndex, MerkleTree};
use strait_node::clients;
use strait_node::devnet_key_pool;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{
    keccak256, keccak256_concat, Address32, ChainId, Height, MessageId, Nonce, Timestamp,
};
use strait_runtime::deterministic::Runtime;
use strait_runtime::{Clock, Entropy};

use crate::world::{Audit, Chains, Checker, BLOCK_MS};
use crate::InProcessChain;

/// Times a transaction of the equivocator lost to a chain restart is submitted again.
const MAX_ATTEMPTS: u32 = 10;
/// Blocks the equivocator waits for its transaction's inclusion before submitting it again.
const WAIT_BLOCKS: u64 = 40;
/// Blocks the equivocator waits for its source to be ahead of the destination's client.
const MAX_WAIT_AHEAD_BLOCKS: u64 = 40;

/// What the equivocation checkers know; part of the world's audit.
#[derive(Default)]
pub(crate) struct ForkAudit {
    /// The run's chains, when the fault is on (the checks run only then).
    chains: Vec<ChainId>,
    /// Messages only a forged outbox holds: id to `(source, destination)`.
    forged: BTreeMap<MessageId, (ChainId, ChainId)>,
    /// `(destination, source)` pairs for which more than 2/3 of the source's validators signed a
    /// forged header: the only clients that may freeze.
    forked: BTreeSet<(ChainId, ChainId)>,
    /// `(destination, source)` clients shown evidence in an included transaction.
    must_freeze: BTreeSet<(ChainId, ChainId)>,
    /// `(destination, source)` clients seen frozen at the end of a block.
    frozen: BTreeSet<(ChainId, ChainId)>,
    /// Forged messages received before their client froze.
    pub(crate) forged_received: u64,
    /// Forged headers shown to a destination in an included transaction: the fault fired.
    pub(crate) fired: u64,
    /// Of those, signed by at most 2/3 of the validators (weak forks: must not verify).
    pub(crate) fired_weak: u64,
}

impl ForkAudit {
    /// Turns the checks on for a run of `chains`.
    pub(crate) fn enable(&mut self, chains: Vec<ChainId>) {
        self.chains = chains;
    }

    /// Whether the fault is on (the checks run only then).
    pub(crate) fn enabled(&self) -> bool {
        !self.chains.is_empty()
    }

    /// Clients seen frozen.
    pub(crate) fn frozen_clients(&self) -> u64 {
        self.frozen.len() as u64
    }

    /// Whether `destination`'s client of `source` has been seen frozen: the route is out of the
    /// liveness checker, and nothing more may arrive on it.
    pub(crate) fn is_frozen(&self, source: ChainId, destination: ChainId) -> bool {
        self.frozen.contains(&(destination, source))
    }

    /// Whether `id`, which no outbox holds, is a message the fault forged for `source` to
    /// `destination`: the broken trust assumption, counted, not an `only_proven` violation.
    pub(crate) fn accept_forged(
        &mut self,
        id: &MessageId,
        source: ChainId,
        destination: ChainId,
    ) -> bool {
        let forged = self.forged.get(id) == Some(&(source, destination));
        if forged {
            self.forged_received += 1;
        }
        forged
    }

    /// `fork_frozen` on `chain` after a block: every client that was shown evidence or was seen
    /// frozen is frozen now; records the clients frozen from now on.
    pub(crate) fn check_clients(&mut self, chain: &InProcessChain) -> Result<(), String> {
        let destination = chain.chain_id();
        for &source in self.chains.iter().filter(|&&c| c != destination) {
            let key = (destination, source);
            let frozen = chain.verifier_of(source).is_some_and(|v| v.frozen);
            if frozen && !self.forked.contains(&key) {
                return Err(format!(
                    "chain {destination}'s client of {source} froze, but no more than 2/3 of \
                     {source}'s validators signed a conflicting header"
                ));
            } else if frozen {
                self.frozen.insert(key);
            } else if self.frozen.contains(&key) {
                return Err(format!(
                    "chain {destination}'s client of {source} was frozen and is not any more: \
                     evidence rolled back"
                ));
            } else if self.must_freeze.contains(&key) {
                return Err(format!(
                    "chain {destination}'s client of {source} was shown conflicting headers of \
                     chain {source} in an included transaction and is not frozen"
                ));
            }
        }
        Ok(())
    }
}

/// A second header at one height of a source chain, and a message only its outbox holds.
pub(crate) struct Forgery {
    pub(crate) source: ChainId,
    pub(crate) height: Height,
    pub(crate) honest: LightBlock,
    pub(crate) forged: LightBlock,
    /// The forged message, proven against the forged outbox root at `height`.
    pub(crate) batch: BatchDelivery,
}

/// How the second header reaches the destination.
#[derive(Clone, Copy, Debug)]
enum Second {
    /// A client update.
    Update,
    /// A client update followed by one the frozen client refuses: the transaction fails, the
    /// freeze must stay.
    UpdateThenFailing,
    /// A `Misbehaviour` transaction carrying both headers.
    Misbehaviour,
}

/// Signs a forged header at `source`'s latest height, for `destination`: more than 2/3 of the
/// height's validators sign it when `strong`, else more than 1/3 but at most 2/3 (by count:
/// devnet validators have equal power).
pub(crate) fn forge(
    rt: &Runtime,
    source: &InProcessChain,
    destination: ChainId,
    strong: bool,
) -> Forgery {
    let height = source.latest_height();
    let honest = source.light_block(height).expect("the tip exists");
    let count = source.outbox_count();
    let packet = Packet {
        nonce: Nonce(1),
        source_chain: source.chain_id(),
        sender: Address32(keccak256(b"STRAIT/SIM/FORGER/v1").0),
        destination_chain: destination,
        receiver: strait_devnet_api::apps::counter(),
        options: DeliveryOptions::default(),
        payload: height.get().to_be_bytes().to_vec(),
    };
    let mut tree = MerkleTree::new();
    for leaf in 0..count {
        let id = source.sent_packet(leaf).expect("below the count").id();
        tree.append(&id).expect("the honest outbox fits");
    }
    tree.append(&packet.id()).expect("one more fits");
    let proof = tree
        .multiproof(&[LeafIndex(count)], count + 1)
        .expect("the forged leaf is in the tree");
    let mut header = *honest.header();
    header.outbox_root = tree.root();
    header.app_state_root = keccak256_concat(&[b"forged", &header.app_state_root.0]);
    let members = honest.validators.validators().len();
    let (least, most) = if strong {
        (members * 2 / 3 + 1, members)
    } else {
        (members / 3 + 1, members * 2 / 3)
    };
    let signing = least + (rt.next_u64() % (most + 1 - least).max(1) as u64) as usize;
    let pool = devnet_key_pool(source.chain_id());
    let signers: Vec<_> = pool
        .iter()
        .filter(|s| honest.validators.find(&s.public_key()).is_some())
        .take(signing)
        .collect();
    let commit = sign_commit(&header, &honest.validators, &signers);
    let mut forged = honest.clone();
    forged.signed_header.header = header;
    forged.signed_header.commit = commit;
    Forgery {
        source: source.chain_id(),
        height,
        honest,
        forged,
        batch: BatchDelivery {
            packets: vec![packet],
            proof,
            proof_height: height,
        },
    }
}

/// `destination`'s stored client of `source` and its consensus state at `height`, if any.
fn stored(
    destination: &InProcessChain,
    source: ChainId,
    height: Height,
) -> Option<(ClientState, Option<ConsensusState>)> {
    let client = clients::default_client(destination.state(), source)?;
    let view = clients::View::new(destination.state(), client);
    let state = kind::stored_client_state(&view).ok()?;
    let at = kind::stored_consensus_state(&view, height).ok().flatten();
    Some((state, at))
}

/// Whether `block` verifies on `destination`'s client of `source` from `trusted`, at `now`.
fn verifies(
    destination: &InProcessChain,
    source: ChainId,
    trusted: Height,
    block: &LightBlock,
    now: Timestamp,
) -> bool {
    let Some((state, Some(trusted))) = stored(destination, source, trusted) else {
        return false;
    };
    matches!(
        strait_light_client::verify(block, &trusted.trusted_state(source), &state.options, now),
        Verdict::Success
    )
}

/// Whether showing `block` to `destination`'s unfrozen client of `source` as an update from
/// `trusted` proves misbehaviour: it verifies and another header is stored at its height.
fn conflicts(
    destination: &InProcessChain,
    source: ChainId,
    trusted: Height,
    block: &LightBlock,
    now: Timestamp,
) -> bool {
    let height = block.header().height;
    let stored_other = stored(destination, source, height).is_some_and(|(state, at)| {
        !state.is_frozen() && at.is_some_and(|at| at.header_hash != block.header().hash())
    });
    stored_other && verifies(destination, source, trusted, block, now)
}

/// Submits `body` to `chain` signed by the equivocator and waits for its result, submitting it
/// again when a restart lost it; `evidence` says, just before each submission, whether the
/// transaction shows the client evidence, and is recorded for `fork_frozen` once it is included.
async fn submit(
    rt: &Runtime,
    chain: &Arc<Mutex<InProcessChain>>,
    audit: &Arc<Mutex<Audit>>,
    body: &TxBody,
    evidence: impl Fn(&InProcessChain) -> Option<(ChainId, ChainId)>,
) -> Option<TxResult> {
    let key = AccountKey::devnet("equivocator");
    for _ in 0..MAX_ATTEMPTS {
        let (hash, submitted_at, shown) = {
            let mut chain = chain.lock().expect("chain lock");
            let shown = evidence(&chain);
            let tx = Tx {
                chain_id: chain.chain_id(),
                signer: key.address(),
                nonce: chain.account_nonce(&key.address()),
                body: body.clone(),
            }
            .sign(&key);
            let hash = chain.submit(tx).ok()?;
            (hash, chain.latest_height(), shown)
        };
        loop {
            rt.sleep(Duration::from_millis(10)).await;
            let chain = chain.lock().expect("chain lock");
            if let Some(result) = chain.tx_result(&hash) {
                let result = result.clone();
                let mut audit = audit.lock().expect("audit lock");
                let line = format!(
                    "{} ms equivocator: {:?} on chain {} at block {}: {}",
                    rt.now_ms(),
                    result.kind,
                    chain.chain_id(),
                    result.height,
                    result.error.as_deref().unwrap_or("applied"),
                );
                audit.note(line);
                if let Some(key) = shown {
                    audit.fork.must_freeze.insert(key);
                    if let Err(detail) = audit.fork.check_clients(&chain) {
                        audit.fail(Checker::ForkFrozen, rt.now_ms(), detail);
                    }
                }
                return Some(result);
            }
            if chain.latest_height().get() > submitted_at.get() + WAIT_BLOCKS {
                break;
            }
        }
    }
    None
}

/// The fault: forges a header of one chain and shows it, with the honest one, to another chain's
/// client, during the fault phase of `fault_ms`.
pub(crate) async fn equivocate(
    rt: Runtime,
    chains: Chains,
    audit: Arc<Mutex<Audit>>,
    fault_ms: u64,
) {
    rt.sleep(Duration::from_millis(
        fault_ms / 5 + rt.next_u64() % (fault_ms * 2 / 5).max(1),
    ))
    .await;
    let n = chains.len() as u64;
    let from = (rt.next_u64() % n) as usize;
    let to = ((from as u64 + 1 + rt.next_u64() % (n - 1)) % n) as usize;
    let (source, destination) = (&chains[from], &chains[to]);
    let destination_id = destination.lock().expect("chain lock").chain_id();
    let strong = !rt.next_u64().is_multiple_of(4);
    // Forge a height the destination's client has not verified yet.
    let mut forgery = None;
    for _ in 0..MAX_WAIT_AHEAD_BLOCKS {
        {
            let source = source.lock().expect("chain lock");
            let client = destination
                .lock()
                .expect("chain lock")
                .verifier_of(source.chain_id());
            if client.is_some_and(|c| !c.frozen && c.latest_height < source.latest_height()) {
                forgery = Some((
                    forge(&rt, &source, destination_id, strong),
                    client.map(|c| c.latest_height),
                ));
                break;
            }
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    let Some((forgery, Some(trusted))) = forgery else {
        return;
    };
    let Forgery {
        source: source_id,
        height,
        honest,
        forged,
        batch,
    } = forgery;
    {
        let mut audit = audit.lock().expect("audit lock");
        if strong {
            audit.fork.forked.insert((destination_id, source_id));
            for packet in &batch.packets {
                audit
                    .fork
                    .forged
                    .insert(packet.id(), (source_id, destination_id));
            }
        }
        let line = format!(
            "{} ms equivocation: {} of chain {source_id}'s validators sign a second header at \
             {height} ({} instead of {}); shown to chain {destination_id}",
            rt.now_ms(),
            forged.signed_header.commit.signatures.len(),
            forged.header().hash(),
            honest.header().hash()
        );
        audit.note(line);
    }
    let forged_first = rt.next_u64().is_multiple_of(2);
    let second_by = match rt.next_u64() % 3 {
        0 => Second::Update,
        1 => Second::UpdateThenFailing,
        _ => Second::Misbehaviour,
    };
    let (first, second) = if forged_first {
        (forged, honest)
    } else {
        (honest, forged)
    };
    let Some(client) =
        clients::default_client(destination.lock().expect("chain lock").state(), source_id)
    else {
        return;
    };
    let update = |block: &LightBlock| ClientUpdate::bft(client, trusted, block);
    let key = (destination_id, source_id);
    let now = || Timestamp(rt.unix_time_ms());
    // The first header, with the forged message when it is the forged header.
    let body = TxBody::Relay {
        updates: vec![update(&first)],
        advances: vec![],
        batches: if forged_first {
            vec![batch.clone()]
        } else {
            vec![]
        },
    };
    let shown = |d: &InProcessChain| conflicts(d, source_id, trusted, &first, now()).then_some(key);
    // The fault fires only if the client took the first header: one that does not verify from
    // the trusted height (say, across a validator-set change) shows nothing.
    if !submit(&rt, destination, &audit, &body, shown)
        .await
        .is_some_and(|r| r.success)
    {
        return;
    }
    {
        let fork = &mut audit.lock().expect("audit lock").fork;
        fork.fired += 1;
        fork.fired_weak += u64::from(!strong);
    }
    // The second header; the byzantine party also tries the forged message again.
    let body = match second_by {
        Second::Update | Second::UpdateThenFailing => {
            let mut updates = vec![update(&second)];
            if matches!(second_by, Second::UpdateThenFailing) {
                updates.push(update(&second));
            }
            TxBody::Relay {
                updates,
                advances: vec![],
                batches: vec![batch],
            }
        }
        Second::Misbehaviour => TxBody::Misbehaviour {
            client,
            kind: VerifierKind::BFT,
            evidence: kind::encode_misbehaviour(&Misbehaviour {
                trusted_height_1: trusted,
                block_1: first.clone(),
                trusted_height_2: trusted,
                block_2: second.clone(),
            }),
        },
    };
    let shown = |d: &InProcessChain| {
        let proven = match second_by {
            Second::Update | Second::UpdateThenFailing => {
                conflicts(d, source_id, trusted, &second, now())
            }
            Second::Misbehaviour => {
                stored(d, source_id, height).is_some_and(|(state, _)| !state.is_frozen())
                    && verifies(d, source_id, trusted, &first, now())
                    && verifies(d, source_id, trusted, &second, now())
            }
        };
        proven.then_some(key)
    };
    let _ = submit(&rt, destination, &audit, &body, shown).await;
}

#[cfg(test)]
mod tests;
