//! The attestations a watcher has seen, per committee: every signature verified one by one before
//! it is kept, bounded by leaf counts, and the two things they can prove: a member that signed two
//! conflicting checkpoints (an equivocation, `[STRAIT-ATTEST.7]`), and a checkpoint that the
//! committee's threshold signed (a certificate the watcher can submit).

use std::collections::BTreeMap;

use strait_attest::bls::{aggregate_signatures, Bls, BlsCertificate, SIGNATURE_LEN};
use strait_attest::ecdsa::{Ecdsa, ECDSA_SIGNATURE_LEN};
use strait_attest::ed25519::Ed25519;
use strait_attest::wire::{encode_checkpoint_update, encode_evidence};
use strait_attest::{Checkpoint, Committee, Scheme, SignatureList};
use strait_chain_client::Attestation;
use strait_primitives::{ChainId, ClientId, Hash32};
use strait_verifier::VerifierKind;

/// Leaf counts a ledger keeps per committee; past it the lowest go.
pub const MAX_LEDGER_COUNTS: usize = 1024;
/// Distinct checkpoints a ledger keeps per leaf count (an honest committee signs one); a flood of
/// other ones past it is dropped.
pub const MAX_CHECKPOINTS_PER_COUNT: usize = 4;

/// A committee whose attestations and clients a watcher follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchedCommittee {
    /// The source chain it certifies.
    pub source: ChainId,
    /// `ATTEST_ECDSA`, `ATTEST_ED25519` or `ATTEST_BLS` (the kinds attesters publish signatures
    /// of; a BLS attester publishes its own signature, aggregated here into certificates).
    pub kind: VerifierKind,
    /// Its members at `epoch`, as destinations store them.
    pub committee: Committee,
    /// Its committee id.
    pub committee_id: Hash32,
    /// Its epoch.
    pub epoch: u64,
    /// Its clients: (destination, client id).
    pub clients: Vec<(ChainId, ClientId)>,
}

/// A member that signed two conflicting checkpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Equivocation {
    /// The member's index in the committee.
    pub member: u16,
    /// What it signed first (as the watcher saw it).
    pub first: Checkpoint,
    /// What it signed that conflicts.
    pub second: Checkpoint,
}

/// Per leaf count: checkpoint -> member index -> signature.
type Signatures = BTreeMap<[u8; 56], BTreeMap<u16, Vec<u8>>>;

/// The verified attestations of one committee.
#[derive(Debug)]
pub struct Ledger {
    /// The committee.
    pub watched: WatchedCommittee,
    by_count: BTreeMap<u64, Signatures>,
}

fn verify_list<S: Scheme<Certificate = SignatureList<N>>, const N: usize>(
    committee: &Committee,
    message: &[u8],
    signatures: Vec<(u16, [u8; N])>,
) -> Option<SignatureList<N>> {
    let list = SignatureList { signatures };
    S::verify(committee, message, &list).ok().map(|()| list)
}

impl Ledger {
    /// An empty ledger of `watched`.
    pub fn new(watched: WatchedCommittee) -> Self {
        Self {
            watched,
            by_count: BTreeMap::new(),
        }
    }

    /// Checkpoints kept, over all leaf counts.
    pub fn len(&self) -> usize {
        self.by_count.values().map(BTreeMap::len).sum()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.by_count.is_empty()
    }

    /// The highest leaf count seen.
    pub fn highest_count(&self) -> Option<u64> {
        self.by_count.keys().next_back().copied()
    }

    /// Whether `signature` by `member` (stored form) over `checkpoint` verifies under this
    /// committee, and the member's index.
    fn member_signature(&self, a: &Attestation) -> Option<u16> {
        let w = &self.watched;
        if a.kind != w.kind
            || a.committee_id != w.committee_id
            || a.epoch != w.epoch
            || a.checkpoint.source_chain != w.source
        {
            return None;
        }
        let index = u16::try_from(w.committee.members().position(|m| m == a.signer)?).ok()?;
        let one = Committee::from_members(1, vec![a.signer.clone()], a.signer.len()).ok()?;
        let message = a.checkpoint.sign_bytes(&w.committee_id, w.epoch);
        let ok = match w.kind {
            VerifierKind::ATTEST_ECDSA => {
                let sig = <[u8; ECDSA_SIGNATURE_LEN]>::try_from(a.signature.as_slice()).ok()?;
                verify_list::<Ecdsa, ECDSA_SIGNATURE_LEN>(&one, &message, vec![(0, sig)]).is_some()
            }
            VerifierKind::ATTEST_ED25519 => {
                let sig = <[u8; 64]>::try_from(a.signature.as_slice()).ok()?;
                verify_list::<Ed25519, 64>(&one, &message, vec![(0, sig)]).is_some()
            }
            VerifierKind::ATTEST_BLS => {
                let sig = <[u8; SIGNATURE_LEN]>::try_from(a.signature.as_slice()).ok()?;
                Bls::verify(&one, &message, &BlsCertificate::new(1, &[0], sig)).is_ok()
            }
            _ => false,
        };
        ok.then_some(index)
    }

    /// Keeps `attestation` if its signature verifies (anything else is dropped: boards are
    /// untrusted); returns the equivocations it proves against what was kept: the same member
    /// over a conflicting checkpoint of the same leaf count or height.
    pub fn add(&mut self, attestation: &Attestation) -> Vec<Equivocation> {
        let Some(member) = self.member_signature(attestation) else {
            return Vec::new();
        };
        let new = attestation.checkpoint;
        let known = self
            .by_count
            .get(&new.leaf_count)
            .and_then(|s| s.get(&new.encode()))
            .is_some_and(|signers| signers.contains_key(&member));
        if known {
            // Seen before: whatever it proves was reported then.
            return Vec::new();
        }
        let mut found = Vec::new();
        for signatures in self.by_count.values() {
            for (encoded, signers) in signatures {
                let Ok(old) = Checkpoint::decode(encoded) else {
                    continue;
                };
                let comparable =
                    old.leaf_count == new.leaf_count || old.source_height == new.source_height;
                if comparable && signers.contains_key(&member) && old.conflicts_with(&new) {
                    found.push(Equivocation {
                        member,
                        first: old,
                        second: new,
                    });
                }
            }
        }
        let count = new.leaf_count;
        if !self.by_count.contains_key(&count) && self.by_count.len() >= MAX_LEDGER_COUNTS {
            if self.by_count.keys().next().is_some_and(|&low| low > count) {
                return found;
            }
            self.by_count.pop_first();
        }
        let signatures = self.by_count.entry(count).or_default();
        let key = new.encode();
        if !signatures.contains_key(&key) && signatures.len() >= MAX_CHECKPOINTS_PER_COUNT {
            return found;
        }
        signatures
            .entry(key)
            .or_default()
            .insert(member, attestation.signature.clone());
        found
    }

    /// Checkpoints of leaf count `count` that the ledger holds.
    pub fn checkpoints(&self, count: u64) -> Vec<Checkpoint> {
        self.by_count
            .get(&count)
            .into_iter()
            .flat_map(|s| s.keys())
            .filter_map(|k| Checkpoint::decode(k).ok())
            .collect()
    }

    /// Every checkpoint held that conflicts with `checkpoint`.
    pub fn conflicting(&self, checkpoint: &Checkpoint) -> Vec<Checkpoint> {
        self.by_count
            .values()
            .flat_map(|s| s.keys())
            .filter_map(|k| Checkpoint::decode(k).ok())
            .filter(|c| c.conflicts_with(checkpoint))
            .collect()
    }

    fn certificate<S: Scheme<Certificate = SignatureList<N>>, const N: usize>(
        &self,
        checkpoint: &Checkpoint,
    ) -> Option<SignatureList<N>> {
        let signers = self
            .by_count
            .get(&checkpoint.leaf_count)?
            .get(&checkpoint.encode())?;
        let threshold = usize::from(self.watched.committee.threshold());
        let signatures: Vec<(u16, [u8; N])> = signers
            .iter()
            .filter_map(|(i, s)| Some((*i, <[u8; N]>::try_from(s.as_slice()).ok()?)))
            .take(threshold)
            .collect();
        let message = checkpoint.sign_bytes(&self.watched.committee_id, self.watched.epoch);
        // Verified as the chain will (`[STRAIT-ATTEST.6]`): never submit what it would refuse.
        verify_list::<S, N>(&self.watched.committee, &message, signatures)
    }

    /// The BLS certificate of `checkpoint`: the threshold of members that signed it (each verified
    /// when kept), in the bitmap, their signatures aggregated; verified as the chain will.
    fn bls_certificate(&self, checkpoint: &Checkpoint) -> Option<BlsCertificate> {
        let signers = self
            .by_count
            .get(&checkpoint.leaf_count)?
            .get(&checkpoint.encode())?;
        let threshold = usize::from(self.watched.committee.threshold());
        let (indices, signatures): (Vec<usize>, Vec<[u8; SIGNATURE_LEN]>) = signers
            .iter()
            .filter_map(|(i, s)| {
                Some((
                    usize::from(*i),
                    <[u8; SIGNATURE_LEN]>::try_from(s.as_slice()).ok()?,
                ))
            })
            .take(threshold)
            .unzip();
        let certificate = BlsCertificate::new(
            self.watched.committee.len(),
            &indices,
            aggregate_signatures(&signatures)?,
        );
        let message = checkpoint.sign_bytes(&self.watched.committee_id, self.watched.epoch);
        Bls::verify(&self.watched.committee, &message, &certificate)
            .ok()
            .map(|()| certificate)
    }

    /// A checkpoint update (`[STRAIT-ATTEST.8]`) certifying `checkpoint`, when the threshold of
    /// members signed it; verified.
    pub fn update(&self, checkpoint: &Checkpoint) -> Option<Vec<u8>> {
        match self.watched.kind {
            VerifierKind::ATTEST_ECDSA => self
                .certificate::<Ecdsa, ECDSA_SIGNATURE_LEN>(checkpoint)
                .map(|c| encode_checkpoint_update::<Ecdsa>(checkpoint, &c)),
            VerifierKind::ATTEST_ED25519 => self
                .certificate::<Ed25519, 64>(checkpoint)
                .map(|c| encode_checkpoint_update::<Ed25519>(checkpoint, &c)),
            VerifierKind::ATTEST_BLS => self
                .bls_certificate(checkpoint)
                .map(|c| encode_checkpoint_update::<Bls>(checkpoint, &c)),
            _ => None,
        }
    }

    /// Standalone evidence (`[STRAIT-ATTEST.7]`) that the committee certified both `a` and `b`,
    /// when they conflict and the threshold signed each; verified.
    pub fn evidence(&self, a: &Checkpoint, b: &Checkpoint) -> Option<Vec<u8>> {
        if !a.conflicts_with(b) {
            return None;
        }
        match self.watched.kind {
            VerifierKind::ATTEST_ECDSA => {
                let ca = self.certificate::<Ecdsa, ECDSA_SIGNATURE_LEN>(a)?;
                let cb = self.certificate::<Ecdsa, ECDSA_SIGNATURE_LEN>(b)?;
                Some(encode_evidence::<Ecdsa>(&(*a, ca), &(*b, cb)))
            }
            VerifierKind::ATTEST_ED25519 => {
                let ca = self.certificate::<Ed25519, 64>(a)?;
                let cb = self.certificate::<Ed25519, 64>(b)?;
                Some(encode_evidence::<Ed25519>(&(*a, ca), &(*b, cb)))
            }
            VerifierKind::ATTEST_BLS => {
                let ca = self.bls_certificate(a)?;
                let cb = self.bls_certificate(b)?;
                Some(encode_evidence::<Bls>(&(*a, ca), &(*b, cb)))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
