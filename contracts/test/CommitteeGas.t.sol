// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {Committees} from "./lib/Committees.sol";
import {NoopApp} from "./lib/Fixtures.sol";
import {CommitteeVerifier} from "../src/attest/CommitteeVerifier.sol";
import {EcdsaCommitteeVerifier} from "../src/attest/EcdsaCommitteeVerifier.sol";
import {BlsCommitteeVerifier} from "../src/attest/BlsCommitteeVerifier.sol";
import {PacketCodec} from "../src/Packet.sol";

/// Gas per delivered message with the real committee verifiers (issue 10's gas report): a
/// checkpoint update (the certificate verified, the root stored) and the delivery under that
/// root, each its own transaction (intrinsic cost, calldata, cold storage), for one message and
/// for a batch of 64 under one root; the receiving application does nothing.
contract CommitteeGasTest is NetTest, Committees {
    uint256[] internal ecdsaSk;
    uint256[] internal blsSk;
    bytes32 internal noop;

    function setUp() public override {
        super.setUp();
        noop = addr32(address(new NoopApp()));
    }

    /// A certified checkpoint of A's outbox as it is now, at a fresh height.
    function checkpointUpdate(CommitteeVerifier v, bool isBls, uint256 signers)
        internal
        view
        returns (bytes memory u, uint64 h)
    {
        h = height + 1;
        bytes memory cp = abi.encodePacked(A_CHAIN, a.outboxRoot(), uint64(a.outboxCount()), h);
        bytes memory message = abi.encodePacked("STRAIT/ATTEST/CHECKPOINT/v1", v.committeeId(), v.epoch(), cp);
        bytes memory cert =
            isBls ? blsCertificate(blsSk, signers, message) : ecdsaCertificate(ecdsaSk, signers, message);
        u = bytes.concat(hex"01", cp, cert);
    }

    function sendN(uint256 n) internal returns (bytes[] memory packets, uint256[] memory indices) {
        uint256 from = sent[address(a)].length;
        for (uint256 i = 0; i < n; ++i) {
            a.send(B_CHAIN, noop, none, abi.encodePacked(uint64(i)));
        }
        collect();
        packets = new bytes[](n);
        indices = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            packets[i] = sent[address(a)][from + i];
            indices[i] = from + i;
        }
    }

    function certify(CommitteeVerifier v, bool isBls, uint256 signers, string memory name)
        internal
        returns (uint64 h)
    {
        bytes memory u;
        (u, h) = checkpointUpdate(v, isBls, signers);
        height = h;
        vm.assertEq(uint256(v.update(u)), uint256(CommitteeVerifier.Updated.Verified), "verified");
        vm.snapshotGasLastCall(name);
    }

    function measure(CommitteeVerifier v, bool isBls, uint256 signers, string memory label) internal {
        b.setDefaultVerifier(A_CHAIN, address(v));
        string[2] memory which = ["first of its route", "second of its route"];
        for (uint256 round = 0; round < 2; ++round) {
            (bytes[] memory one, uint256[] memory index) = sendN(1);
            uint64 h =
                certify(v, isBls, signers, string.concat(label, ": update for one message, ", which[round]));
            b.receiveMessage(one[0], inclusionProof(naiveLevels(leaves[address(a)]), index[0]), h);
            vm.snapshotGasLastCall(string.concat(label, ": receive one message, ", which[round]));
        }
        (bytes[] memory packets, uint256[] memory indices) = sendN(64);
        uint64 hb = certify(v, isBls, signers, string.concat(label, ": update for a batch of 64"));
        vm.assertEq(
            b.receiveBatch(packets, multiproof(naiveLevels(leaves[address(a)]), indices), hb),
            64,
            "all received"
        );
        vm.snapshotGasLastCall(string.concat(label, ": receive a batch of 64"));

        // Verified and delivered in one transaction, the root kept transiently.
        (bytes[] memory single, uint256[] memory leafAt) = sendN(1);
        (bytes memory u, uint64 h1) = checkpointUpdate(v, isBls, signers);
        height = h1;
        bytes memory call = abi.encodeCall(
            b.receiveMessage, (single[0], inclusionProof(naiveLevels(leaves[address(a)]), leafAt[0]), h1)
        );
        (CommitteeVerifier.Updated outcome,) = v.verifyAndCall(u, address(b), call);
        vm.snapshotGasLastCall(string.concat(label, ": verify and receive one message, one transaction"));
        vm.assertEq(uint256(outcome), uint256(CommitteeVerifier.Updated.Verified), "verified");
        vm.assertTrue(b.isReceived(routeOf(single[0]), nonceOf(single[0])), "received");
        (,, bytes32 kept) = v.rootAt(h1);
        vm.assertEq(kept, bytes32(0), "the root was not stored");
        (packets, indices) = sendN(64);
        (u, h1) = checkpointUpdate(v, isBls, signers);
        height = h1;
        call = abi.encodeCall(
            b.receiveBatch, (packets, multiproof(naiveLevels(leaves[address(a)]), indices), h1)
        );
        v.verifyAndCall(u, address(b), call);
        vm.snapshotGasLastCall(string.concat(label, ": verify and receive a batch of 64, one transaction"));
    }

    function routeOf(bytes memory packet) internal view returns (bytes32) {
        return PacketCodec.routeOf(codec.decode(packet));
    }

    function nonceOf(bytes memory packet) internal view returns (uint64) {
        return codec.decode(packet).nonce;
    }

    /// ECDSA, 6 of 10 members, 6 signatures.
    function test_gas_ecdsa_6_of_10() external {
        ecdsaSk = ecdsaKeys(0x5354524149540000, 10);
        bytes memory init = ecdsaCommittee(ecdsaSk, 6);
        uint256 before = gasleft();
        EcdsaCommitteeVerifier v = new EcdsaCommitteeVerifier(A_CHAIN, init);
        vm.snapshotValue(
            "ecdsa 6 of 10: create the client (execution, without the intrinsic cost)", before - gasleft()
        );
        measure(v, false, 6, "ecdsa 6 of 10");
    }

    /// BLS, 67 of 100 members, 67 signers (33 non-signers subtracted: the most a quorum leaves).
    function test_gas_bls_67_of_100() external {
        uint256[] memory sk;
        bytes[] memory wires;
        (sk, wires) = blsKeys(0x5354524149540000, 100);
        blsSk = sk;
        bytes memory init = blsCommittee(sk, wires, 67);
        uint256 before = gasleft();
        BlsCommitteeVerifier v = new BlsCommitteeVerifier(A_CHAIN, init);
        vm.snapshotValue(
            "bls 67 of 100: create the client, 100 proofs of possession (execution, without the intrinsic cost)",
            before - gasleft()
        );
        measure(v, true, 67, "bls 67 of 100, 67 signers");
        measureAll(v);
    }

    /// The same committee, every member signing (no non-signer).
    function measureAll(BlsCommitteeVerifier v) internal {
        (bytes[] memory one, uint256[] memory index) = sendN(1);
        uint64 h = certify(v, true, 100, "bls 67 of 100, 100 signers: update for one message");
        b.receiveMessage(one[0], inclusionProof(naiveLevels(leaves[address(a)]), index[0]), h);
    }
}
