// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {NativeLcSigner} from "./lib/NativeLcSigner.sol";
import {NativeLcInit} from "./lib/NativeLcInit.sol";
import {NoopApp} from "./lib/Fixtures.sol";
import {NativeLightClient} from "../src/lc/NativeLightClient.sol";
import {PacketCodec} from "../src/Packet.sol";

/// Gas of the native light client (issue 10): its creation in transactions under EIP-7825's cap
/// (the constructor, then the proofs of possession in chunks of 40); a header of chain A signed by a BLS validator set
/// of 100 and of 150 (equal powers), verified as a kind-5 update (the Rust encoding: the header,
/// the commit and both BLS sets with their proofs of possession in calldata) and as a compact
/// update, and one message delivered under its root, in two transactions and in one
/// (`verifyAndCall`). Each call is its own transaction (intrinsic cost, calldata, cold storage);
/// the receiving application does nothing.
contract NativeLightClientGasTest is NetTest, NativeLcSigner {
    uint64 internal lcHeight;
    uint64 internal lcTime;
    bytes32 internal noop;

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
        noop = addr32(address(new NoopApp()));
    }

    /// EIP-7825's transaction gas cap (Osaka) and EIP-3860's initcode limit.
    uint256 internal constant TX_GAS_CAP = 16_777_216;
    uint256 internal constant INITCODE_LIMIT = 49_152;

    /// A client of chain A trusting the set at height 1000, 100 s ago; with `record`, each of its
    /// creation's transactions measured and checked to fit under the transaction gas cap.
    function client(bool record) internal returns (NativeLightClient c) {
        lcHeight = 1000;
        lcTime = uint64(block.timestamp * 1000 - 100_000);
        (bytes memory init, bytes memory proofs) = NativeLcInit.split(clientInit(lcHeight, lcTime));
        uint256 n = sk.length;
        bytes memory initcode = bytes.concat(type(NativeLightClient).creationCode, abi.encode(A_CHAIN, init));
        uint256 before = gasleft();
        c = new NativeLightClient(A_CHAIN, init);
        uint256 used = before - gasleft();
        if (record) {
            vm.assertLe(initcode.length, INITCODE_LIMIT, "initcode");
            // Intrinsic, creation and initcode words; calldata at most 40 gas a byte (EIP-7623's floor).
            vm.assertLt(
                53_000 + used + 2 * ((initcode.length + 31) / 32) + 40 * initcode.length, TX_GAS_CAP, "create"
            );
            vm.snapshotValue(
                string.concat(
                    vm.toString(n),
                    " validators: create the client, the set without proofs (execution; initcode ",
                    vm.toString(initcode.length),
                    " bytes)"
                ),
                used
            );
        }
        for (uint256 first = 0; first < n; first += 40) {
            uint256 m = n - first < 40 ? n - first : 40;
            bytes memory chunk = NativeLcInit.chunk(proofs, first, m);
            c.admitSetChunk(chunk);
            if (!record) continue;
            uint256 gas = vm.snapshotGasLastCall(
                string.concat(
                    vm.toString(n),
                    " validators: admitSetChunk, proofs ",
                    vm.toString(first),
                    " to ",
                    vm.toString(first + m - 1)
                )
            );
            // The call's gas, intrinsic and calldata (at most 40 gas a byte): under the cap.
            bytes memory data = abi.encodeCall(c.admitSetChunk, (chunk));
            vm.assertLt(21_000 + gas + 40 * data.length, TX_GAS_CAP, "chunk");
        }
        vm.assertEq(c.initialSetAdmitted(), n, "complete");
    }

    /// An update of A's outbox as it is now at `lcHeight + skip`, signed by validators `0..signers`.
    function blockUpdate(uint256 signers, uint64 skip) internal returns (bytes memory u, uint64 h) {
        h = lcHeight + skip;
        lcTime += 1000;
        u = signedUpdate(A_CHAIN, lcHeight, h, lcTime, a.outboxRoot(), signers);
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
        NativeLightClient c = client(signers == n);
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

    function test_gas_native_lc_100() external {
        measure(100, 100);
    }

    function test_gas_native_lc_100_two_thirds() external {
        measure(100, 67);
    }

    function test_gas_native_lc_150() external {
        measure(150, 150);
    }

    /// Sets whose size is not a multiple of 8, so the bitmap's last byte is partly used (and its
    /// last validator does not sign): a full and a compact update verify. Bits past the set read
    /// as non-signers would subtract keys that are not the set's, and the signature would fail.
    function test_set_sizes_off_the_byte() external {
        uint256[3] memory sizes = [uint256(7), 9, 15];
        for (uint256 k = 0; k < sizes.length; ++k) {
            uint256 n = sizes[k];
            buildSet(n);
            NativeLightClient c = client(false);
            (bytes memory u,) = blockUpdate(n * 2 / 3 + 1, 1);
            vm.assertEq(uint256(c.update(u)), uint256(NativeLightClient.Updated.Verified), "full");
            (u,) = blockUpdate(n * 2 / 3 + 1, 1);
            vm.assertEq(
                uint256(c.updateCompact(compact(u))), uint256(NativeLightClient.Updated.Verified), "compact"
            );
        }
    }
}
