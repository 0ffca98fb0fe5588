//! A client store in memory, and committees of each scheme signing deterministically.

use strait_attest::bls::{Bls, BlsCertificate, BlsSigner};
use strait_attest::ecdsa::{Ecdsa, EcdsaSigner};
use strait_attest::ed25519::Ed25519;
use strait_attest::{Checkpoint, Committee, Scheme, SignatureList};
use strait_light_client::Signer;
use strait_primitives::{ChainId, Hash32, Height};
/// A client's store: an ordered map.
pub use strait_verifier::MemStore as Store;

/// A scheme whose members can sign in tests.
pub trait TestScheme: Scheme {
    /// A member's signer.
    type Signer: Clone;
    /// Signer number `i` (deterministic).
    fn signer(i: u8) -> Self::Signer;
    /// Signer number `i` of many (deterministic).
    fn signer_wide(i: u16) -> Self::Signer;
    /// The member's stored form.
    fn member(signer: &Self::Signer) -> Vec<u8>;
    /// The member's wire form.
    fn wire(signer: &Self::Signer) -> Vec<u8>;
    /// A certificate of `message` by `signers` (committee order of the given committee).
    fn certify(
        committee: &Committee,
        signers: &[&Self::Signer],
        message: &[u8],
    ) -> Self::Certificate;
}

/// Signers with their indices in `committee`, ascending.
fn indexed<'a, S: TestScheme>(
    committee: &Committee,
    signers: &[&'a S::Signer],
) -> Vec<(u16, &'a S::Signer)> {
    let mut out: Vec<(u16, &S::Signer)> = signers
        .iter()
        .map(|s| {
            let member = S::member(s);
            let index = committee
                .members()
                .position(|m| m == &member[..])
                .expect("a member");
            (index as u16, *s)
        })
        .collect();
    out.sort_by_key(|(i, _)| *i);
    out
}

impl TestScheme for Ecdsa {
    type Signer = EcdsaSigner;
    fn signer(i: u8) -> EcdsaSigner {
        EcdsaSigner::from_secret([i.max(1); 32]).unwrap()
    }
    fn signer_wide(i: u16) -> EcdsaSigner {
        EcdsaSigner::from_secret(seed(i)).unwrap()
    }
    fn member(s: &EcdsaSigner) -> Vec<u8> {
        s.address().to_vec()
    }
    fn wire(s: &EcdsaSigner) -> Vec<u8> {
        s.address().to_vec()
    }
    fn certify(c: &Committee, signers: &[&EcdsaSigner], message: &[u8]) -> SignatureList<65> {
        SignatureList {
            signatures: indexed::<Self>(c, signers)
                .into_iter()
                .map(|(i, s)| (i, s.sign(message)))
                .collect(),
        }
    }
}

impl TestScheme for Ed25519 {
    type Signer = Signer;
    fn signer(i: u8) -> Signer {
        Signer::from_seed([i; 32])
    }
    fn signer_wide(i: u16) -> Signer {
        Signer::from_seed(seed(i))
    }
    fn member(s: &Signer) -> Vec<u8> {
        s.public_key().0.to_vec()
    }
    fn wire(s: &Signer) -> Vec<u8> {
        s.public_key().0.to_vec()
    }
    fn certify(c: &Committee, signers: &[&Signer], message: &[u8]) -> SignatureList<64> {
        SignatureList {
            signatures: indexed::<Self>(c, signers)
                .into_iter()
                .map(|(i, s)| (i, s.sign(message)))
                .collect(),
        }
    }
}

impl TestScheme for Bls {
    type Signer = BlsSigner;
    fn signer(i: u8) -> BlsSigner {
        BlsSigner::from_ikm(&[i; 32])
    }
    fn signer_wide(i: u16) -> BlsSigner {
        BlsSigner::from_ikm(&seed(i))
    }
    fn member(s: &BlsSigner) -> Vec<u8> {
        s.public_key().to_vec()
    }
    fn wire(s: &BlsSigner) -> Vec<u8> {
        s.member_wire()
    }
    fn certify(c: &Committee, signers: &[&BlsSigner], message: &[u8]) -> BlsCertificate {
        let indexed = indexed::<Self>(c, signers);
        let signatures: Vec<[u8; 192]> = indexed.iter().map(|(_, s)| s.sign(message)).collect();
        let signature = strait_attest::bls::aggregate_signatures(&signatures).unwrap();
        let indices: Vec<usize> = indexed.iter().map(|(i, _)| usize::from(*i)).collect();
        BlsCertificate::new(c.len(), &indices, signature)
    }
}

/// A committee of `signers` with threshold `m`: the committee, and its wire form.
pub fn committee<S: TestScheme>(m: u16, signers: &[S::Signer]) -> (Committee, Vec<u8>) {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> =
        signers.iter().map(|s| (S::member(s), S::wire(s))).collect();
    pairs.sort();
    let mut wire = m.to_be_bytes().to_vec();
    wire.extend_from_slice(&(pairs.len() as u16).to_be_bytes());
    for (_, w) in &pairs {
        wire.extend_from_slice(w);
    }
    let committee = Committee::from_members(
        m,
        pairs.into_iter().map(|(s, _)| s).collect(),
        S::MEMBER_LEN,
    )
    .unwrap();
    (committee, wire)
}

/// `n` signers numbered from `first`.
pub fn signers<S: TestScheme>(first: u8, n: u8) -> Vec<S::Signer> {
    (first..first + n).map(S::signer).collect()
}

/// The checkpoint of chain 1 at `height` with `count` leaves and root `[root; 32]`.
pub fn checkpoint(height: u64, count: u64, root: u8) -> Checkpoint {
    Checkpoint {
        source_chain: ChainId(1),
        outbox_root: Hash32([root; 32]),
        leaf_count: count,
        source_height: Height(height),
    }
}

/// A 32-byte seed for signer `i` of many: `0x01`, then `i` big-endian, then `0x01`s.
fn seed(i: u16) -> [u8; 32] {
    let mut out = [1u8; 32];
    out[1..3].copy_from_slice(&i.to_be_bytes());
    out
}

/// A valid update of a 1-of-1 committee of signer 1: a checkpoint (tag 1) or a rotation to
/// signer 2 (tag 2); for mutation tests.
pub trait Sample: TestScheme + Sized {
    /// The update.
    fn sample(tag: u8) -> Vec<u8> {
        let one = Self::signer(1);
        let (c, _) = committee::<Self>(1, std::slice::from_ref(&one));
        let id = strait_attest::committee_id(Self::KIND.get(), &c.encode());
        if tag == 1 {
            let cp = checkpoint(3, 3, 3);
            let cert = Self::certify(&c, &[&one], &cp.sign_bytes(&id, 0));
            strait_attest::wire::encode_checkpoint_update::<Self>(&cp, &cert)
        } else {
            let (next, next_wire) = committee::<Self>(1, &[Self::signer(2)]);
            let message = strait_attest::rotation_sign_bytes(&id, 0, &next.hash());
            let cert = Self::certify(&c, &[&one], &message);
            strait_attest::wire::encode_rotation::<Self>(&next_wire, &cert)
        }
    }
}

impl<S: TestScheme> Sample for S {}
