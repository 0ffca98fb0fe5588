// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {Committees} from "./lib/Committees.sol";
import {NoopApp} from "./lib/Fixtures.sol";
import {NativeLightClient} from "../src/lc/NativeLightClient.sol";
import {Bls} from "../src/attest/Bls.sol";
import {PacketCodec} from "../src/Packet.sol";

/// Gas of the native light client (issue 10): a header of chain A signed by a BLS validator set
/// of 100 and of 150 (equal powers), verified as a kind-5 update (the Rust encoding: the header,
/// the commit and both BLS sets with their proofs of possession in calldata), and one message
/// delivered under its root, in two transactions and in one (`verifyAndCall`). Each call is its
/// own transaction (intrinsic cost, calldata, cold storage); the receiving application does nothing.
contract NativeLightClientGasTest is NetTest, Committees {
    uint256[] internal sk;
    bytes internal setWire;
    bytes32 internal setHash;
    uint64 internal lcHeight;
    uint64 internal lcTime;
    bytes32 internal noop;

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
        noop = addr32(address(new NoopApp()));
    }

    /// The BLS set of `n` validators of power 10 (wire form, with proofs of possession) and its
    /// [STRAIT-LC-BLS.1] hash.
    function buildSet(uint256 n) internal {
        (uint256[] memory keys, bytes[] memory wires) = blsKeys(0x4e4154495645, n);
        sk = keys;
        bytes memory wire = abi.encodePacked(uint32(n));
        bytes memory hashed = abi.encodePacked("STRAIT/BLS-VALSET/v1", uint32(n));
        for (uint256 i = 0; i < n; ++i) {
            bytes memory key = blsKey(keys[i]);
            uint256 k;
            assembly ("memory-safe") {
                k := add(key, 32)
            }
            bytes memory pop = blsSign(keys[i], Bls.g1Compressed(k), POP_DST);
            wire = bytes.concat(wire, wires[i], pop, abi.encodePacked(uint64(10)));
            hashed = bytes.concat(hashed, wires[i], abi.encodePacked(uint64(10)));
        }
        setWire = wire;
        setHash = keccak256(hashed);
    }

    /// A client of chain A trusting the set at height 1000, 100 s ago.
    function client() internal returns (NativeLightClient c) {
        lcHeight = 1000;
        lcTime = uint64(block.timestamp * 1000 - 100_000);
        bytes memory init = abi.encodePacked(
            uint64(1),
            uint64(3),
            uint64(14 days * 1000),
            uint64(10_000),
            lcHeight,
            lcTime,
            bytes32(0),
            bytes32(0)
        );
        init = bytes.concat(init, bytes32(0), setWire);
        c = new NativeLightClient(A_CHAIN, init);
    }

    /// `trusted u64 | BLS light block` of A's outbox as it is now at `lcHeight + skip`, signed by
    /// validators `0..signers`.
    function blockUpdate(uint256 signers, uint64 skip) internal returns (bytes memory u, uint64 h) {
        uint64 trusted = lcHeight;
        h = trusted + skip;
        lcTime += 1000;
        bytes memory header = abi.encodePacked(
            uint8(1), A_CHAIN, h, lcTime, bytes32(uint256(1)), bytes32(uint256(2)), a.outboxRoot()
        );
        header = bytes.concat(header, bytes32(uint256(3)), bytes32(uint256(4)));
        bytes32 headerHash = keccak256(abi.encodePacked("STRAIT/HEADER/v1", header));
        bytes memory message =
            abi.encodePacked("STRAIT/BFT/BLS-COMMIT/v1", A_CHAIN, h, headerHash, setHash, setHash);
        bytes memory bitmap = new bytes((sk.length + 7) / 8);
        uint256 sum;
        for (uint256 i = 0; i < signers; ++i) {
            bitmap[i / 8] = bytes1(uint8(bitmap[i / 8]) | uint8(1 << (i % 8)));
            sum = addmod(sum, sk[i], BLS_R);
        }
        bytes memory commit =
            bytes.concat(abi.encodePacked(uint8(bitmap.length)), bitmap, blsSign(sum, message, SIG_DST));
        u = bytes.concat(abi.encodePacked(trusted), header, commit, setWire, setWire);
        lcHeight = h;
    }

    function sendOne() internal returns (bytes memory packet, uint256 index) {
        a.send(B_CHAIN, noop, none, hex"01");
        collect();
        index = sent[address(a)].length - 1;
        packet = sent[address(a)][index];
    }

    function measure(uint256 n, uint256 signers) internal {
        buildSet(n);
        uint256 before = gasleft();
        NativeLightClient c = client();
        if (signers == n) {
            vm.snapshotValue(
                string.concat(
                    vm.toString(n),
                    " validators: create the client, ",
                    vm.toString(n),
                    " proofs of possession (execution, without the intrinsic cost)"
                ),
                before - gasleft()
            );
        }
        b.setDefaultVerifier(A_CHAIN, address(c));
        string memory label = string.concat(vm.toString(n), " validators, ", vm.toString(signers), " signers");

        (bytes memory packet, uint256 index) = sendOne();
        (bytes memory u, uint64 h) = blockUpdate(signers, 1);
        NativeLightClient.Updated outcome = c.update(u);
        vm.snapshotGasLastCall(
            string.concat(label, ": update, adjacent header (calldata ", vm.toString(u.length), " bytes)")
        );
        vm.assertEq(uint256(outcome), uint256(NativeLightClient.Updated.Verified), "verified");
        b.receiveMessage(packet, inclusionProof(naiveLevels(leaves[address(a)]), index), h);
        vm.snapshotGasLastCall(string.concat(label, ": receive one message"));

        (packet, index) = sendOne();
        (u, h) = blockUpdate(signers, 1000);
        vm.assertEq(uint256(c.update(u)), uint256(NativeLightClient.Updated.Verified), "skipping");
        vm.snapshotGasLastCall(string.concat(label, ": update, skipping 1000 heights"));
        b.receiveMessage(packet, inclusionProof(naiveLevels(leaves[address(a)]), index), h);

        (packet, index) = sendOne();
        (u, h) = blockUpdate(signers, 1);
        bytes memory call = abi.encodeCall(
            b.receiveMessage, (packet, inclusionProof(naiveLevels(leaves[address(a)]), index), h)
        );
        (outcome,) = c.verifyAndCall(u, address(b), call);
        vm.snapshotGasLastCall(string.concat(label, ": verify and receive one message, one transaction"));
        vm.assertEq(uint256(outcome), uint256(NativeLightClient.Updated.Verified), "verified in one");
        (,, bytes32 kept) = c.rootAt(h);
        vm.assertEq(kept, bytes32(0), "the root was not stored");
        lcHeight = h - 1; // the last stored height

        measureCompact(c, signers, label);
    }

    /// The compact update (the set named by the hash the client keeps).
    function measureCompact(NativeLightClient c, uint256 signers, string memory label) internal {
        (bytes memory packet, uint256 index) = sendOne();
        (bytes memory u, uint64 h) = blockUpdate(signers, 1);
        u = compact(u);
        vm.assertEq(uint256(c.updateCompact(u)), uint256(NativeLightClient.Updated.Verified), "compact");
        vm.snapshotGasLastCall(string.concat(label, ": compact update, adjacent header"));
        b.receiveMessage(packet, inclusionProof(naiveLevels(leaves[address(a)]), index), h);
        (u, h) = blockUpdate(signers, 1000);
        vm.assertEq(uint256(c.updateCompact(compact(u))), uint256(NativeLightClient.Updated.Verified), "skip");
        vm.snapshotGasLastCall(string.concat(label, ": compact update, skipping 1000 heights"));
        (packet, index) = sendOne();
        (u, h) = blockUpdate(signers, 1);
        bytes memory call = abi.encodeCall(
            b.receiveMessage, (packet, inclusionProof(naiveLevels(leaves[address(a)]), index), h)
        );
        (NativeLightClient.Updated outcome,) = c.verifyAndCallCompact(compact(u), address(b), call);
        vm.snapshotGasLastCall(
            string.concat(label, ": compact verify and receive one message, one transaction")
        );
        vm.assertEq(uint256(outcome), uint256(NativeLightClient.Updated.Verified), "compact in one");
        vm.assertTrue(
            b.isReceived(PacketCodec.routeOf(codec.decode(packet)), codec.decode(packet).nonce), "received"
        );
    }

    /// The compact form of a full update: up to the signature, then the next set's hash (here the
    /// same set).
    function compact(bytes memory u) internal view returns (bytes memory) {
        uint256 len = 8 + 185 + 1 + (sk.length + 7) / 8 + 192;
        bytes memory out = new bytes(len);
        for (uint256 i = 0; i < len; ++i) {
            out[i] = u[i];
        }
        return bytes.concat(out, setHash);
    }

    function test_gas_native_lc_100() external {
        measure(100, 100);
    }

    function test_gas_native_lc_100_two_thirds() external {
        measure(100, 67);
    }

    function test_gas_native_lc_150() external {
        measure(150, 150);
    }
}
