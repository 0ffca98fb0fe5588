//! Relaying under attester committees (`[STRAIT-ATTEST.10]`): the destination clients of the
//! ECDSA, ed25519 and BLS committee kinds the relayer keeps current, and the pure assembly of a
//! certificate update from attesters' published signatures (for BLS, an aggregate: `bls.rs`).

mod bls;

use std::collections::BTreeMap;
use std::sync::Arc;

use strait_attest::bls::Bls;
use strait_attest::ecdsa::{Ecdsa, ECDSA_SIGNATURE_LEN};
use strait_attest::ed25519::Ed25519;
use strait_attest::wire::encode_checkpoint_update;
use strait_attest::{AttestError, Checkpoint, Committee, Scheme, SignatureList};
use strait_chain_client::{Attestation, AttestationSource, VerifierKind};
use strait_primitives::{Address32, ChainId, ClientId, Hash32};

/// A committee client on a destination that the relayer updates with certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestedClient {
    /// The chain it follows.
    pub source: ChainId,
    /// The chain that holds it.
    pub destination: ChainId,
    /// Its id on the destination.
    pub client: ClientId,
    /// `ATTEST_ECDSA`, `ATTEST_ED25519` or `ATTEST_BLS`.
    pub kind: VerifierKind,
    /// Its committee at `epoch`, as the destination stores it.
    pub committee: Committee,
    /// Its committee id.
    pub committee_id: Hash32,
    /// Its committee's epoch.
    pub epoch: u64,
    /// The receivers that chose this client (`[STRAIT-VERIFIER.6]`). Empty: it is the destination's
    /// default verifier of the source, and every message of the pair goes under it.
    pub receivers: Vec<Address32>,
}

/// The committee clients a relayer keeps current, and where it finds the attesters' signatures.
#[derive(Clone, Default)]
pub struct Attested {
    /// Where the attesters publish; none: no committee client is relayed to.
    pub source: Option<Arc<dyn AttestationSource>>,
    /// The clients.
    pub clients: Vec<AttestedClient>,
    /// Receivers relayed under their own security config (`[STRAIT-ROUTE.7]`), each route on a
    /// path of its own.
    pub routes: Vec<crate::route::SecuredRoute>,
}

impl std::fmt::Debug for Attested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attested")
            .field("clients", &self.clients)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

/// One signature checked against the committee: a 1-of-1 committee of the signer verifies it.
fn verify_one<S: Scheme, const N: usize>(
    member: &[u8],
    message: &[u8],
    signature: [u8; N],
    verify: fn(&Committee, &[u8], &SignatureList<N>) -> Result<(), AttestError>,
) -> bool {
    let Ok(one) = Committee::from_members(1, vec![member.to_vec()], S::MEMBER_LEN) else {
        return false;
    };
    verify(
        &one,
        message,
        &SignatureList {
            signatures: vec![(0, signature)],
        },
    )
    .is_ok()
}

/// The valid signatures of `attestations` over `checkpoint`, by member index, at most the
/// committee's threshold of them (the fewest that certify).
fn collect<S: Scheme, const N: usize>(
    client: &AttestedClient,
    checkpoint: &Checkpoint,
    attestations: &[&Attestation],
    verify: fn(&Committee, &[u8], &SignatureList<N>) -> Result<(), AttestError>,
) -> Option<SignatureList<N>> {
    let message = checkpoint.sign_bytes(&client.committee_id, client.epoch);
    let mut by_member: BTreeMap<u16, [u8; N]> = BTreeMap::new();
    for a in attestations {
        let Some(index) = client.committee.members().position(|m| m == a.signer) else {
            continue;
        };
        let Ok(signature) = <[u8; N]>::try_from(a.signature.as_slice()) else {
            continue;
        };
        let Ok(index) = u16::try_from(index) else {
            continue;
        };
        if by_member.contains_key(&index)
            || !verify_one::<S, N>(&a.signer, &message, signature, verify)
        {
            continue;
        }
        by_member.insert(index, signature);
    }
    let threshold = usize::from(client.committee.threshold());
    (by_member.len() >= threshold).then(|| SignatureList {
        signatures: by_member.into_iter().take(threshold).collect(),
    })
}

/// `[STRAIT-ATTEST.10]` A checkpoint update of `client` from attesters' signatures: of the
/// checkpoints they signed for the client's source, committee id and epoch, the one with the most
/// leaves that at least the threshold of distinct members signed validly, with exactly the
/// threshold of signatures (for BLS: the threshold's bits in the signer bitmap and their
/// signatures aggregated into one, each checked alone first). Signatures from non-members, for
/// another committee or epoch, or that do not verify are ignored. `None` when no checkpoint
/// reaches the threshold.
pub fn certify(
    client: &AttestedClient,
    attestations: &[Attestation],
) -> Option<(Checkpoint, Vec<u8>)> {
    let mut by_checkpoint: BTreeMap<(u64, [u8; 56]), Vec<&Attestation>> = BTreeMap::new();
    for a in attestations.iter().filter(|a| {
        a.kind == client.kind
            && a.committee_id == client.committee_id
            && a.epoch == client.epoch
            && a.checkpoint.source_chain == client.source
    }) {
        by_checkpoint
            .entry((a.checkpoint.leaf_count, a.checkpoint.encode()))
            .or_default()
            .push(a);
    }
    by_checkpoint
        .iter()
        .rev()
        .find_map(|((_, encoded), group)| {
            let checkpoint = Checkpoint::decode(encoded).ok()?;
            let body = match client.kind {
                VerifierKind::ATTEST_ECDSA => {
                    let cert = collect::<Ecdsa, ECDSA_SIGNATURE_LEN>(
                        client,
                        &checkpoint,
                        group,
                        Ecdsa::verify,
                    )?;
                    encode_checkpoint_update::<Ecdsa>(&checkpoint, &cert)
                }
                VerifierKind::ATTEST_ED25519 => {
                    let cert = collect::<Ed25519, 64>(client, &checkpoint, group, Ed25519::verify)?;
                    encode_checkpoint_update::<Ed25519>(&checkpoint, &cert)
                }
                VerifierKind::ATTEST_BLS => {
                    let cert = bls::collect(client, &checkpoint, group)?;
                    encode_checkpoint_update::<Bls>(&checkpoint, &cert)
                }
                _ => return None,
            };
            Some((checkpoint, body))
        })
}

/// Which messages of a pair a path relays, by receiver.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum ReceiverFilter {
    /// All of them.
    #[default]
    All,
    /// Only these receivers' (a committee client they chose).
    Only(Vec<Address32>),
    /// All but these receivers' (relayed under their own clients).
    Except(Vec<Address32>),
}

impl ReceiverFilter {
    pub(crate) fn admits(&self, receiver: &Address32) -> bool {
        match self {
            Self::All => true,
            Self::Only(r) => r.contains(receiver),
            Self::Except(r) => !r.contains(receiver),
        }
    }
}

#[cfg(test)]
mod tests {
    use strait_attest::ecdsa::EcdsaSigner;
    use strait_attest::wire::{decode_update, Update};
    use strait_light_client::Signer;
    use strait_primitives::Height;

    use super::*;

    fn checkpoint(count: u64, root: u8) -> Checkpoint {
        Checkpoint {
            source_chain: ChainId(1),
            outbox_root: Hash32([root; 32]),
            leaf_count: count,
            source_height: Height(count + 10),
        }
    }

    fn client(kind: VerifierKind, members: Vec<Vec<u8>>, len: usize) -> AttestedClient {
        AttestedClient {
            source: ChainId(1),
            destination: ChainId(2),
            client: ClientId(5),
            kind,
            committee: Committee::from_members(3, members, len).unwrap(),
            committee_id: Hash32([9; 32]),
            epoch: 4,
            receivers: Vec::new(),
        }
    }

    fn ecdsa(
        signer: &EcdsaSigner,
        client: &AttestedClient,
        checkpoint: Checkpoint,
        epoch: u64,
    ) -> Attestation {
        Attestation {
            checkpoint,
            kind: VerifierKind::ATTEST_ECDSA,
            committee_id: client.committee_id,
            epoch,
            signer: signer.address().to_vec(),
            signature: signer
                .sign(&checkpoint.sign_bytes(&client.committee_id, epoch))
                .to_vec(),
        }
    }

    #[test]
    fn a_certificate_needs_the_threshold_of_distinct_valid_members() {
        let signers: Vec<EcdsaSigner> = (1..=5u8)
            .map(|i| EcdsaSigner::from_secret([i; 32]).unwrap())
            .collect();
        let c = client(
            VerifierKind::ATTEST_ECDSA,
            signers[..4].iter().map(|s| s.address().to_vec()).collect(),
            20,
        );
        let cp = checkpoint(3, 1);
        let mut atts = vec![ecdsa(&signers[0], &c, cp, 4), ecdsa(&signers[1], &c, cp, 4)];
        // A duplicate, a non-member, another epoch, a corrupted signature: none counts.
        atts.push(atts[0].clone());
        atts.push(ecdsa(&signers[4], &c, cp, 4));
        atts.push(ecdsa(&signers[2], &c, cp, 3));
        let mut bad = ecdsa(&signers[3], &c, cp, 4);
        bad.signature[10] ^= 1;
        atts.push(bad);
        assert_eq!(certify(&c, &atts), None);
        // A third member over another root does not combine with them.
        atts.push(ecdsa(&signers[2], &c, checkpoint(3, 2), 4));
        assert_eq!(certify(&c, &atts), None);
        // A third member over the same checkpoint: exactly three signatures, verifying.
        atts.push(ecdsa(&signers[2], &c, cp, 4));
        atts.push(ecdsa(&signers[3], &c, cp, 4));
        let (got, body) = certify(&c, &atts).unwrap();
        assert_eq!(got, cp);
        let Update::Checkpoint(decoded, cert) = decode_update::<Ecdsa>(&body).unwrap() else {
            panic!("not a checkpoint update");
        };
        assert_eq!(decoded, cp);
        assert_eq!(cert.signatures.len(), 3);
        let message = cp.sign_bytes(&c.committee_id, 4);
        Ecdsa::verify(&c.committee, &message, &cert).unwrap();
    }

    #[test]
    fn the_highest_certified_leaf_count_wins_and_an_uncertified_higher_one_is_skipped() {
        let signers: Vec<Signer> = (1..=4u8).map(|i| Signer::from_seed([i; 32])).collect();
        let c = client(
            VerifierKind::ATTEST_ED25519,
            signers.iter().map(|s| s.public_key().0.to_vec()).collect(),
            32,
        );
        let sign = |s: &Signer, cp: Checkpoint| Attestation {
            checkpoint: cp,
            kind: VerifierKind::ATTEST_ED25519,
            committee_id: c.committee_id,
            epoch: 4,
            signer: s.public_key().0.to_vec(),
            signature: s.sign(&cp.sign_bytes(&c.committee_id, 4)).to_vec(),
        };
        let (low, mid, high) = (checkpoint(2, 1), checkpoint(5, 1), checkpoint(9, 1));
        let mut atts: Vec<Attestation> = signers[..3].iter().map(|s| sign(s, low)).collect();
        atts.extend(signers.iter().map(|s| sign(s, mid)));
        atts.extend(signers[..2].iter().map(|s| sign(s, high)));
        assert_eq!(certify(&c, &atts).unwrap().0, mid);
        // The wrong kind is never assembled: the signatures are ed25519, the client BLS.
        let mut other = c.clone();
        other.kind = VerifierKind::ATTEST_BLS;
        assert_eq!(certify(&other, &atts), None);
    }

    #[test]
    fn filters_admit_their_receivers() {
        let (a, b) = (Address32([1; 32]), Address32([2; 32]));
        assert!(ReceiverFilter::All.admits(&a));
        assert!(ReceiverFilter::Only(vec![a]).admits(&a));
        assert!(!ReceiverFilter::Only(vec![a]).admits(&b));
        assert!(!ReceiverFilter::Except(vec![a]).admits(&a));
        assert!(ReceiverFilter::Except(vec![a]).admits(&b));
    }
}
