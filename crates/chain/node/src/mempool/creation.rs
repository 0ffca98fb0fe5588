//! Client creation is charged by its kind at admission (`[STRAIT-VERIFIER.2]`): a BLS committee
//! pays one pairing per member, at and past the devnet's bound on an initial trust.

use strait_attest::bls::Bls;
use strait_attest::Scheme;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{SignedTx, Tx, TxBody, MAX_CLIENT_INIT_LEN};
use strait_light_client::bls::BlsSigner;
use strait_primitives::{ChainId, Hash32};
use strait_verifier::VerifierKind;

use super::*;

/// The wire form of a BLS committee of `n` members, threshold a majority (`[STRAIT-ATTEST.3]`).
fn bls_committee(n: usize) -> Vec<u8> {
    let mut members: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let mut ikm = [0x5au8; 32];
            ikm[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let signer = BlsSigner::from_ikm(&ikm);
            [
                signer.public_key().as_slice(),
                &signer.proof_of_possession(),
            ]
            .concat()
        })
        .collect();
    members.sort();
    let mut wire = ((n / 2 + 1) as u16).to_be_bytes().to_vec();
    wire.extend_from_slice(&(n as u16).to_be_bytes());
    for m in members {
        wire.extend_from_slice(&m);
    }
    wire
}

fn create(key: &AccountKey, nonce: u64, members: usize) -> SignedTx {
    Tx {
        chain_id: ChainId(1),
        signer: key.address(),
        nonce,
        body: TxBody::CreateClient {
            kind: VerifierKind::ATTEST_BLS,
            source: ChainId(2),
            init: bls_committee(members),
        },
    }
    .sign(key)
}

/// The most BLS members an initial trust of the devnet holds.
const MOST_MEMBERS: usize = (MAX_CLIENT_INIT_LEN - 4) / Bls::MEMBER_WIRE_LEN;

#[test]
fn a_bls_committee_pays_one_pairing_per_member_at_and_past_the_init_bound() {
    assert_eq!(MOST_MEMBERS, 71);
    let key = AccountKey::devnet("alice");
    let verifiers = &crate::extensions::Extensions::builtin().verifiers;
    let at_bound = create(&key, 0, MOST_MEMBERS);
    let pending = PendingTx::new(at_bound.clone(), Hash32::ZERO, 100, verifiers).unwrap();
    assert_eq!(pending.cost.signatures, MOST_MEMBERS);
    // The transaction decodes (its init fills the bound) ...
    assert!(SignedTx::decode(&at_bound.encode()).is_ok());
    // ... and one more member does not: refused before any proof of possession is checked.
    let past = create(&key, 0, MOST_MEMBERS + 1);
    assert_eq!(
        SignedTx::decode(&past.encode()).unwrap_err().name(),
        "TooLarge"
    );
    // Admission costs a committee without admitting a member: garbage keys cost the same.
    let mut garbage = at_bound.tx.clone();
    if let TxBody::CreateClient { init, .. } = &mut garbage.body {
        init[4 + 96 + 40] ^= 1;
    }
    let garbage = PendingTx::new(garbage.sign(&key), Hash32::ZERO, 100, verifiers).unwrap();
    assert_eq!(garbage.cost.signatures, MOST_MEMBERS);
    // Bytes that are not a committee are refused at admission.
    let mut short = at_bound.tx.clone();
    if let TxBody::CreateClient { init, .. } = &mut short.body {
        init.truncate(10);
    }
    assert!(matches!(
        PendingTx::new(short.sign(&key), Hash32::ZERO, 100, verifiers),
        Err(VerifierError::Malformed { .. })
    ));
}

#[test]
fn two_committee_creations_do_not_share_a_block_they_cannot_both_afford() {
    let key = AccountKey::devnet("alice");
    let verifiers = &crate::extensions::Extensions::builtin().verifiers;
    let mempool = Mempool::new(Limits {
        txs: 10,
        memory: usize::MAX,
        block: Budget {
            txs: 10,
            bytes: usize::MAX,
            signatures: 2 * 40 - 1,
        },
    });
    for nonce in 0..2 {
        let tx = PendingTx::new(create(&key, nonce, 40), Hash32::ZERO, 100, verifiers).unwrap();
        mempool
            .admit(tx, || Ok::<_, std::convert::Infallible>(0))
            .unwrap()
            .unwrap();
    }
    assert_eq!(mempool.take_block().len(), 1);
    assert_eq!(mempool.take_block().len(), 1);
    // A committee above a whole block's budget is refused at admission.
    let over = PendingTx::new(create(&key, 2, 80), Hash32::ZERO, 100, verifiers).unwrap();
    assert_eq!(
        mempool
            .admit(over, || Ok::<_, std::convert::Infallible>(2))
            .unwrap(),
        Err(AdmitError::OverBudget {
            what: "signatures",
            got: 80,
            max: 79
        })
    );
}
