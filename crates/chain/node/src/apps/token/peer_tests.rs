//! `[STRAIT-TOKEN.7]` The token application's peer on a foreign remote (an EVM chain): none until
//! the guardians set one; transfers go to it and are accepted from it, from no one else; native
//! remotes keep this application's own address.

use std::collections::BTreeSet;

use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Nonce};

use super::limit_tests::{Chain, A, ALICE, B, BOB, MALLORY};
use super::*;

/// An EVM chain the native chain `A` knows as a foreign remote.
const EVM: ChainId = ChainId(31337);

/// The token application's address on `EVM` (an EVM address, left-padded).
fn evm_peer() -> Address32 {
    let mut out = [0u8; 32];
    out[12..].copy_from_slice(&[0x7a; 20]);
    Address32(out)
}

fn native_with_evm_remote() -> Chain {
    let mut a = Chain::new(A);
    a.foreign_remotes = BTreeSet::from([EVM]);
    a
}

fn set_peer_call(remote: ChainId, peer: Address32, counter: u64, signers: &[usize]) -> Vec<u8> {
    let digest = peer_digest(A, remote, &peer, counter);
    SetPeerCall {
        remote,
        peer,
        approvals: crate::guardians::guardian_approvals(signers, &digest),
    }
    .encode()
}

fn call(a: &mut Chain, data: &[u8]) -> Result<Vec<Packet>, AppCallError> {
    a.run(Some(ALICE), |ctx| TokenTransfer.call(ctx, data))
        .map(|((), p)| p)
}

fn transfer_to(destination: ChainId, denom: &str, amount: u128) -> Vec<u8> {
    TransferCall {
        destination,
        recipient: BOB,
        denom: denom.into(),
        amount,
        timeout_height: None,
        timeout_timestamp: None,
        gas_limit: 0,
    }
    .encode()
}

/// A transfer of `amount` `denom` from `sender` on `source` to ALICE on `A`.
fn incoming(source: ChainId, sender: Address32, denom: &str, amount: u128) -> Packet {
    Packet {
        nonce: Nonce(1),
        source_chain: source,
        sender,
        destination_chain: A,
        receiver: strait_devnet_api::apps::token(),
        options: DeliveryOptions::default(),
        payload: Transfer {
            denom: denom.into(),
            amount,
            sender: MALLORY,
            recipient: ALICE,
        }
        .encode(),
    }
}

#[test]
fn a_foreign_remote_has_a_peer_only_once_the_guardians_set_one() {
    let mut a = native_with_evm_remote();
    // No peer yet: nothing is sent there (and nothing is debited), nothing is accepted from there.
    let to_evm = transfer_to(EVM, NATIVE_DENOM, 10);
    match call(&mut a, &to_evm) {
        Err(AppCallError::Refused(e)) => assert_eq!(e.code, UNKNOWN_PEER, "{e:?}"),
        other => panic!("sent without a peer: {other:?}"),
    }
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 1_000_000);
    let refused = a.deliver(&incoming(EVM, evm_peer(), "usd", 5)).unwrap();
    assert_eq!(refused.unwrap_err().code, UNKNOWN_PEER);
    // Two approvals are not enough; three are, once (the guardian counter moves).
    assert!(call(&mut a, &set_peer_call(EVM, evm_peer(), 0, &[0, 1])).is_err());
    let three = set_peer_call(EVM, evm_peer(), 0, &[0, 2, 4]);
    assert_eq!(SetPeerCall::decode(&three).unwrap().peer, evm_peer());
    call(&mut a, &three).unwrap();
    assert!(call(&mut a, &three).is_err(), "approvals are single-use");
    // A native remote's peer is this application, fixed; the zero address is no peer.
    for refused in [
        set_peer_call(B, evm_peer(), 1, &[0, 1, 2]),
        set_peer_call(EVM, Address32::ZERO, 1, &[0, 1, 2]),
    ] {
        match call(&mut a, &refused) {
            Err(AppCallError::Refused(e)) => assert_eq!(e.code, UNKNOWN_PEER, "{e:?}"),
            other => panic!("peer set: {other:?}"),
        }
    }
    // A chain that is no remote at all has no peer either.
    let nowhere = set_peer_call(ChainId(99), evm_peer(), 1, &[0, 1, 2]);
    assert!(call(&mut a, &nowhere).is_err());
}

#[test]
fn transfers_go_to_the_foreign_peer_and_are_accepted_from_it_alone() {
    let mut a = native_with_evm_remote();
    call(&mut a, &set_peer_call(EVM, evm_peer(), 0, &[0, 1, 2])).unwrap();

    // Sent to the peer, escrowed here.
    let to_evm = transfer_to(EVM, NATIVE_DENOM, 10);
    let sent = call(&mut a, &to_evm).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].destination_chain, sent[0].receiver),
        (EVM, evm_peer())
    );
    assert_eq!(sent[0].sender, strait_devnet_api::apps::token());
    assert_eq!(a.get(&escrow_key(NATIVE_DENOM)), 10);
    // To a native remote: still this application's own address.
    let to_b = transfer_to(B, NATIVE_DENOM, 1);
    let sent_b = call(&mut a, &to_b).unwrap();
    assert_eq!(sent_b[0].receiver, strait_devnet_api::apps::token());

    // From the peer: accepted, the EVM token arrives as a voucher; the sat comes home.
    a.deliver(&incoming(EVM, evm_peer(), "usd", 7))
        .unwrap()
        .unwrap();
    assert_eq!(a.balance(&ALICE, "31337/usd"), 7);
    assert_eq!(a.get(&supply_key("31337/usd")), 7);
    a.deliver(&incoming(EVM, evm_peer(), "1/sat", 4))
        .unwrap()
        .unwrap();
    assert_eq!(a.get(&escrow_key(NATIVE_DENOM)), 10 + 1 - 4);

    // From anyone else on the EVM chain (this application's native address included): refused,
    // nothing minted or released.
    for sender in [strait_devnet_api::apps::token(), MALLORY, Address32::ZERO] {
        for denom in ["usd", "1/sat"] {
            let error = a
                .deliver(&incoming(EVM, sender, denom, 3))
                .unwrap()
                .unwrap_err();
            assert_eq!(error.code, UNKNOWN_PEER, "{sender} {denom}");
        }
    }
    // The EVM peer is no peer on a native remote.
    let error = a
        .deliver(&incoming(B, evm_peer(), "usd", 3))
        .unwrap()
        .unwrap_err();
    assert_eq!(error.code, UNKNOWN_PEER);
    assert_eq!(a.get(&supply_key("31337/usd")), 7);
    assert_eq!(a.get(&supply_key("2/usd")), 0);
    assert_eq!(a.get(&escrow_key(NATIVE_DENOM)), 7);
    // A native remote's token application is still accepted.
    a.deliver(&incoming(B, strait_devnet_api::apps::token(), "usd", 2))
        .unwrap()
        .unwrap();
    assert_eq!(a.get(&supply_key("2/usd")), 2);

    // The voucher goes back to the peer, burned here.
    let back = transfer_to(EVM, "31337/usd", 7);
    let sent = a
        .run(Some(ALICE), |ctx| TokenTransfer.call(ctx, &back))
        .unwrap()
        .1;
    assert_eq!(sent[0].receiver, evm_peer());
    assert_eq!(a.get(&supply_key("31337/usd")), 0);
}
