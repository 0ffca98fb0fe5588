// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NativeLcVectorTest} from "./lib/NativeLcVectors.sol";
import {NativeLcSigner} from "./lib/NativeLcSigner.sol";
import {NativeLcInit} from "./lib/NativeLcInit.sol";
import {NativeLightClient} from "../src/lc/NativeLightClient.sol";
import "../src/Errors.sol";

/// The native light client's creation in steps ([STRAIT-LC-BLS.EVM] rule 1) on
/// docs/vectors/bls_header.json (a set of 4): the constructor takes kind 5's init without the
/// proofs, `admitSetChunk` admits the proofs in order, and nothing is verified until all are in.
contract NativeLightClientCreationTest is NativeLcVectorTest {
    bytes internal init;
    bytes internal proofs;

    function setUp() public override {
        super.setUp();
        (init, proofs) = NativeLcInit.split(vm.parseJsonBytes(json, ".kind.init"));
    }

    function created() internal returns (NativeLightClient) {
        return new NativeLightClient(CHAIN, init);
    }

    function admit(NativeLightClient c, bytes memory chunk) internal returns (bool ok, bytes memory ret) {
        (ok, ret) = address(c).call(abi.encodeCall(c.admitSetChunk, (chunk)));
    }

    function test_creation_names_the_set_by_its_hash() public {
        NativeLightClient c = created();
        bytes32 h = vm.parseJsonBytes32(json, ".trusted_set.hash");
        vm.assertEq(c.initialSetHash(), h, "the set hash as Rust");
        (,, bytes32 next,) = c.consensusAt(TRUSTED);
        vm.assertEq(next, h, "the trusted next set");
        vm.assertTrue(c.setData(h) != address(0), "registered");
        vm.assertEq(c.initialSetCount(), 4, "count");
        vm.assertEq(c.initialSetAdmitted(), 0, "none admitted");
    }

    /// Updates, compact updates, `verifyAndCall` and evidence are refused until the last proof is
    /// admitted; then the kind's first update verifies.
    function test_updates_wait_for_the_set() public {
        NativeLightClient c = created();
        bytes memory u = vm.parseJsonBytes(json, ".kind.updates[0].update");
        bytes memory ev = vm.parseJsonBytes(json, ".kind.evidence[0].evidence");
        (bool ok, bytes memory ret) = tryUpdate(c, u);
        assertIncomplete(ok, ret, 0, "update, none admitted");
        c.admitSetChunk(NativeLcInit.chunk(proofs, 0, 3));
        (ok, ret) = tryUpdate(c, u);
        assertIncomplete(ok, ret, 3, "update, 3 of 4");
        (ok, ret) = address(c).call(abi.encodeCall(c.updateCompact, (u)));
        assertIncomplete(ok, ret, 3, "compact");
        (ok, ret) = address(c).call(abi.encodeCall(c.verifyAndCall, (u, address(this), "")));
        assertIncomplete(ok, ret, 3, "verifyAndCall");
        (ok, ret) = address(c).call(abi.encodeCall(c.verifyAndCallCompact, (u, address(this), "")));
        assertIncomplete(ok, ret, 3, "verifyAndCallCompact");
        (ok, ret) = address(c).call(abi.encodeCall(c.submitMisbehaviour, (ev)));
        assertIncomplete(ok, ret, 3, "evidence");
        vm.expectEmit(true, true, true, true);
        emit NativeLightClient.SetChunkAdmitted(c.initialSetHash(), 3, 1, true);
        c.admitSetChunk(NativeLcInit.chunk(proofs, 3, 1));
        vm.assertEq(c.initialSetAdmitted(), 4, "all admitted");
        vm.assertEq(uint256(c.update(u)), uint256(NativeLightClient.Updated.Verified), "then verified");
    }

    function assertIncomplete(bool ok, bytes memory ret, uint256 admitted, string memory label)
        internal
        pure
    {
        vm.assertTrue(!ok, label);
        vm.assertEq(ret, abi.encodeWithSelector(InitialSetIncomplete.selector, admitted, 4), label);
    }

    /// Anyone may admit a chunk; chunks are strictly ordered (a repeated or skipped one is refused,
    /// so is one past the set), each bounded, each proof checked against its registered key.
    function test_chunk_refusals() public {
        NativeLightClient c = created();
        (bool ok, bytes memory ret) = admit(c, hex"000000");
        assertLc(ok, ret, "Truncated", "no first index");
        (ok, ret) = admit(c, NativeLcInit.part(NativeLcInit.chunk(proofs, 0, 1), 0, 4 + 191));
        assertLc(ok, ret, "Truncated", "a proof cut");
        (ok, ret) = admit(c, hex"00000000");
        assertLc(ok, ret, "Empty", "no proof");
        (ok, ret) = admit(c, NativeLcInit.chunk(proofs, 1, 1));
        vm.assertEq(ret, abi.encodeWithSelector(SetChunkOutOfOrder.selector, 1, 0), "skips validator 0");
        (ok, ret) =
            admit(c, bytes.concat(NativeLcInit.chunk(proofs, 0, 4), NativeLcInit.part(proofs, 0, 192)));
        vm.assertEq(ret, abi.encodeWithSelector(SetChunkPastEnd.selector, 5, 4), "5 proofs of a set of 4");
        // A proof of another key: validator 2 gets validator 3's (the second of the chunk).
        bytes memory wrong = bytes.concat(
            NativeLcInit.chunk(proofs, 0, 2),
            NativeLcInit.part(proofs, 3 * 192, 192),
            NativeLcInit.part(proofs, 3 * 192, 192)
        );
        (ok, ret) = admit(c, wrong);
        vm.assertEq(ret, abi.encodeWithSelector(InvalidProofOfPossession.selector, 2), "validator 2's proof");
        vm.assertEq(c.initialSetAdmitted(), 0, "nothing admitted");

        vm.prank(address(0xbeef));
        c.admitSetChunk(NativeLcInit.chunk(proofs, 0, 2));
        (ok, ret) = admit(c, NativeLcInit.chunk(proofs, 0, 2));
        vm.assertEq(ret, abi.encodeWithSelector(SetChunkOutOfOrder.selector, 0, 2), "the same chunk again");
        (ok, ret) = admit(c, NativeLcInit.chunk(proofs, 2, 2));
        assertLc(ok, ret, "", "the rest");
        (ok, ret) = admit(c, NativeLcInit.chunk(proofs, 3, 1));
        vm.assertEq(ret, abi.encodeWithSelector(SetChunkOutOfOrder.selector, 3, 4), "after the last");
        (ok, ret) = admit(c, bytes.concat(abi.encodePacked(uint32(4)), NativeLcInit.part(proofs, 0, 192)));
        vm.assertEq(ret, abi.encodeWithSelector(SetChunkPastEnd.selector, 5, 4), "past the last");
    }
}

/// Keys proven ahead (`proveKeys`, [STRAIT-LC-BLS.EVM] rule 3): a skipping update's new signers
/// then need no pairing in its transaction, and the verdicts stay kind 5's.
contract NativeLightClientProveKeysTest is NativeLcVectorTest {
    /// The first `m` entries (`key | proof`) of the block's BLS set in a kind-5 update (a set of 4:
    /// the set starts after the trusted height, header, bitmap length, 1-byte bitmap, signature).
    function entriesOf(bytes memory u, uint256 m) internal pure returns (bytes memory out) {
        for (uint256 i = 0; i < m; ++i) {
            out = bytes.concat(out, NativeLcInit.part(u, 8 + 185 + 1 + 1 + 192 + 4 + i * 296, 288));
        }
    }

    function test_proven_keys_skip_their_pairing() public {
        bytes memory u = vm.parseJsonBytes(json, ".kind.updates[1].update"); // skipping to 3..6
        NativeLightClient plain = fresh();
        vm.assertEq(uint256(plain.update(u)), 0, "verified, proofs in the update");
        uint256 unproven = vm.snapshotGasLastCall("skipping to a set with 2 new signers, proofs checked");
        NativeLightClient c = fresh();
        c.proveKeys(entriesOf(u, 4));
        vm.assertEq(uint256(c.update(u)), 0, "verified, keys proven ahead");
        uint256 proven_ = vm.snapshotGasLastCall("skipping to a set with 2 new signers, keys proven ahead");
        vm.assertLt(proven_ + 300_000, unproven, "two pairings fewer");
        (,, bytes32 root) = c.rootAt(50);
        (,, bytes32 same) = plain.rootAt(50);
        vm.assertEq(root, same, "same root");
        // Signer 6 with 5's proof is refused as before: that key and proof were never proven.
        NativeLightClient d = fresh();
        d.proveKeys(entriesOf(u, 4));
        (bool ok, bytes memory ret) = tryUpdate(d, vm.parseJsonBytes(json, ".kind.updates[2].update"));
        assertLc(ok, ret, "InvalidProofOfPossession", "another key's proof");
    }

    function test_prove_keys_refusals() public {
        NativeLightClient c = fresh();
        bytes memory e = entriesOf(vm.parseJsonBytes(json, ".kind.updates[1].update"), 4);
        (bool ok, bytes memory ret) = address(c).call(abi.encodeCall(c.proveKeys, ("")));
        assertLc(ok, ret, "Empty", "none");
        (ok, ret) = address(c).call(abi.encodeCall(c.proveKeys, (NativeLcInit.part(e, 0, 287))));
        assertLc(ok, ret, "Truncated", "cut");
        // Entry 1 with entry 2's proof.
        bytes memory wrong =
            bytes.concat(NativeLcInit.part(e, 0, 288 + 96), NativeLcInit.part(e, 2 * 288 + 96, 192));
        (ok, ret) = address(c).call(abi.encodeCall(c.proveKeys, (wrong)));
        vm.assertEq(ret, abi.encodeWithSelector(InvalidProofOfPossession.selector, 1), "entry 1");
        bytes memory forty;
        for (uint256 i = 0; i < 40; ++i) {
            forty = bytes.concat(forty, NativeLcInit.part(e, 0, 288));
        }
        (ok, ret) =
            address(c).call(abi.encodeCall(c.proveKeys, (bytes.concat(forty, NativeLcInit.part(e, 0, 288)))));
        vm.assertEq(ret, abi.encodeWithSelector(SetChunkTooLarge.selector, 41, 40), "41 keys");
        c.proveKeys(forty);
        vm.assertTrue(c.proven(keccak256(NativeLcInit.part(e, 0, 288))), "40 keys (one, 40 times)");
    }
}

/// The chunk bound, at and past it, on a set of 41 signed in the test.
contract NativeLightClientChunkBoundTest is NativeLcSigner {
    function test_chunk_bound() public {
        vm.warp(1_700_000_000);
        buildSet(41);
        (bytes memory init, bytes memory proofs) = NativeLcInit.split(clientInit(100, 1_699_999_900_000));
        NativeLightClient c = new NativeLightClient(1, init);
        vm.assertEq(c.MAX_CHUNK(), 40, "bound");
        (bool ok, bytes memory ret) =
            address(c).call(abi.encodeCall(c.admitSetChunk, (NativeLcInit.chunk(proofs, 0, 41))));
        vm.assertTrue(!ok, "41 refused");
        vm.assertEq(ret, abi.encodeWithSelector(SetChunkTooLarge.selector, 41, 40), "41 refused by name");
        c.admitSetChunk(NativeLcInit.chunk(proofs, 0, 40));
        vm.assertEq(c.initialSetAdmitted(), 40, "40 admitted");
        c.admitSetChunk(NativeLcInit.chunk(proofs, 40, 1));
        vm.assertEq(c.initialSetAdmitted(), 41, "complete");
        vm.assertEq(
            uint256(c.update(signedUpdate(1, 100, 101, 1_699_999_901_000, bytes32(uint256(1)), 41))),
            uint256(NativeLightClient.Updated.Verified),
            "verified"
        );
    }
}

/// The largest set a client keeps (its keys and powers as one contract's code, EIP-170), at and
/// past it.
contract NativeLightClientSetSizeTest is NativeLcSigner {
    function setWireOf(bytes[] memory keys, uint256 n) internal pure returns (bytes memory wire) {
        wire = abi.encodePacked(uint32(n));
        for (uint256 i = 0; i < n; ++i) {
            // The proofs are not read by registerSet (a skipping update or proveKeys checks them).
            wire = bytes.concat(wire, keys[i], new bytes(192), abi.encodePacked(uint64(10)));
        }
    }

    function test_set_size_bound() public {
        vm.warp(1_700_000_000);
        buildSet(4);
        NativeLightClient c = newClient(1, 100, 1_699_999_900_000);
        vm.assertEq(c.MAX_STORED_SET(), 235, "bound");
        (, bytes[] memory keys) = blsKeys(0x53495a45, 236);
        bytes32 h = c.registerSet(setWireOf(keys, 235));
        vm.assertTrue(c.setData(h) != address(0), "235 registered");
        // STOP, the aggregate key, 235 × (key 96 | power 8): within EIP-170's 24,576 bytes.
        vm.assertEq(c.setData(h).code.length, 1 + 128 + 235 * 104, "code");
        (bool ok, bytes memory ret) = address(c).call(abi.encodeCall(c.registerSet, (setWireOf(keys, 236))));
        vm.assertTrue(!ok, "236 refused");
        vm.assertEq(ret, abi.encodeWithSelector(SetTooLargeForCode.selector, 236, 235), "236 refused by name");
    }
}
