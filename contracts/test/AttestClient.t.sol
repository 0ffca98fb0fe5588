// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Committees} from "./lib/Committees.sol";
import {CommitteeVerifier} from "../src/attest/CommitteeVerifier.sol";
import {EcdsaCommitteeVerifier} from "../src/attest/EcdsaCommitteeVerifier.sol";
import "../src/Errors.sol";

/// Reads a verifier's root while it is called (by `verifyAndCall`); reverts on demand.
contract RootReader {
    bytes32 public seen;

    function read(CommitteeVerifier v, uint64 height) external returns (bytes32) {
        (,, seen) = v.rootAt(height);
        return seen;
    }

    function fail() external pure {
        revert("delivery failed");
    }

    /// Returns 33 raw bytes (not a whole number of words): `0x01..0x21`.
    function raw() external pure {
        assembly {
            mstore(0, 0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20)
            mstore(32, shl(248, 0x21))
            return(0, 33)
        }
    }
}

/// The committee client's store ([STRAIT-ATTEST.7], [STRAIT-ATTEST.8]): checkpoints out of height
/// order, conflicts found through updates (they freeze, with the evidence emitted), bounds.
contract AttestClientTest is Committees {
    uint64 internal constant SOURCE = 1;
    uint256[] internal keys;
    EcdsaCommitteeVerifier internal v;

    function setUp() public {
        keys = ecdsaKeys(0xc0ffee, 4);
        v = new EcdsaCommitteeVerifier(SOURCE, ecdsaCommittee(keys, 3));
    }

    function cp(uint64 height, uint64 count, bytes32 root) internal pure returns (bytes memory) {
        return abi.encodePacked(SOURCE, root, count, height);
    }

    function certified(bytes memory checkpoint) internal view returns (bytes memory) {
        bytes memory message =
            abi.encodePacked("STRAIT/ATTEST/CHECKPOINT/v1", v.committeeId(), v.epoch(), checkpoint);
        return bytes.concat(checkpoint, ecdsaCertificate(keys, 3, message));
    }

    function update(uint64 height, uint64 count, bytes32 root) internal returns (CommitteeVerifier.Updated) {
        return v.update(bytes.concat(hex"01", certified(cp(height, count, root))));
    }

    function assertRoot(uint64 height, bytes32 root) internal view {
        (uint64 chain, bool frozen, bytes32 got) = v.rootAt(height);
        vm.assertEq(chain, SOURCE, "chain");
        vm.assertTrue(!frozen, "not frozen");
        vm.assertEq(got, root, "root");
    }

    function test_checkpoints_out_of_height_order() external {
        vm.assertEq(uint256(update(10, 5, "a")), 0, "10");
        vm.assertEq(uint256(update(30, 9, "c")), 0, "30");
        vm.assertEq(uint256(update(20, 7, "b")), 0, "20 between");
        vm.assertEq(uint256(update(5, 5, "a")), 0, "5 below all, same count and root as 10");
        vm.assertEq(uint256(update(40, 9, "c")), 0, "40: nothing sent since 30");
        vm.assertEq(uint256(update(20, 7, "b")), 1, "20 again: duplicate");
        assertRoot(5, "a");
        assertRoot(10, "a");
        assertRoot(20, "b");
        assertRoot(30, "c");
        assertRoot(40, "c");
        assertRoot(25, 0);
        vm.assertEq(v.latestHeight(), 40, "latest");
        // The links still find the neighbours: 25 between 20 and 30.
        vm.assertEq(uint256(update(25, 8, "d")), 0, "25");
        assertRoot(25, "d");
    }

    /// Each kind of conflict, found through an update at each position: the client freezes and
    /// emits the stored and the new checkpoint.
    function test_conflicting_updates_freeze() external {
        bytes[6] memory cases = [
            cp(20, 7, "x"), // same height, another root
            cp(25, 6, "x"), // fewer leaves than at 20 (below)
            cp(15, 7, "x"), // same leaf count as 20 (above), another root
            cp(35, 9, "x"), // same leaf count as 30 (below, the latest), another root
            cp(1, 8, "x"), // more leaves than at 10 (above), lower height
            cp(35, 8, "x") // fewer leaves than at 30 (below, the latest)
        ];
        bytes[6] memory stored =
            [cp(20, 7, "b"), cp(20, 7, "b"), cp(20, 7, "b"), cp(30, 9, "c"), cp(10, 5, "a"), cp(30, 9, "c")];
        for (uint256 i = 0; i < cases.length; ++i) {
            setUp();
            update(10, 5, "a");
            update(20, 7, "b");
            update(30, 9, "c");
            vm.expectEmit(false, false, false, true);
            emit CommitteeVerifier.FrozenBy(bytes.concat(stored[i], cases[i]));
            vm.assertEq(uint256(v.update(bytes.concat(hex"01", certified(cases[i])))), 3, "misbehaviour");
            vm.assertTrue(v.frozen(), "frozen");
            (, bool frozen,) = v.rootAt(10);
            vm.assertTrue(frozen, "rootAt says frozen");
            bytes memory next = bytes.concat(hex"01", certified(cp(50, 10, "z")));
            vm.expectRevert(Frozen.selector);
            v.update(next);
        }
    }

    function test_leaf_count_at_and_past_its_bound() external {
        vm.assertEq(uint256(update(10, uint64(1 << 32), "a")), 0, "2^32 leaves");
        bytes memory past = bytes.concat(hex"01", certified(cp(11, uint64(1 << 32) + 1, "a")));
        vm.expectRevert(Malformed.selector);
        v.update(past);
    }

    /// Where the client keeps epoch `e`'s members: created by its proxy for `e` (`CREATE2`, salt
    /// `e`), which it created first.
    function membersAt(uint64 e) internal view returns (address) {
        bytes32 proxyInit = keccak256(abi.encodePacked(bytes16(0x67363d3d37363d34f03d5260086018f3)));
        return
            vm.computeCreateAddress(vm.computeCreate2Address(bytes32(uint256(e)), proxyInit, address(v)), 1);
    }

    function test_members_are_where_their_epoch_says() external view {
        // A STOP byte, then the members' addresses.
        vm.assertEq(membersAt(0).code.length, 1 + 20 * keys.length, "epoch 0");
        vm.assertEq(membersAt(1).code.length, 0, "no epoch 1 yet");
    }

    function test_rotation_at_the_last_epoch_is_epoch_overflow() external {
        // Slot 0: latest height (64 bits) | latest count (64) | epoch (64) | threshold (16) | size
        // (16) | frozen (8) | any stored (8).
        bytes32 slot = vm.load(address(v), 0);
        uint64 last = type(uint64).max - 1;
        vm.store(address(v), 0, bytes32(uint256(slot) | (uint256(last) << 128)));
        vm.assertEq(v.epoch(), last, "epoch set");
        vm.assertEq(v.threshold(), 3, "threshold unchanged");
        // That epoch's member data, where the client finds it.
        vm.etch(membersAt(last), membersAt(0).code);
        bytes memory next = ecdsaCommittee(keys, 3);
        bytes memory message =
            abi.encodePacked("STRAIT/ATTEST/ROTATION/v1", v.committeeId(), v.epoch(), keccak256(next));
        v.update(bytes.concat(hex"02", next, ecdsaCertificate(keys, 3, message)));
        vm.assertEq(v.epoch(), type(uint64).max, "rotated to the last epoch");
        vm.assertEq(membersAt(type(uint64).max).code, membersAt(0).code, "its members, where they are read");
        message = abi.encodePacked("STRAIT/ATTEST/ROTATION/v1", v.committeeId(), v.epoch(), keccak256(next));
        vm.expectRevert(EpochOverflow.selector);
        v.update(bytes.concat(hex"02", next, ecdsaCertificate(keys, 3, message)));
    }

    function test_committee_size_at_its_bound() external {
        uint256[] memory many = ecdsaKeys(0xabc, 256);
        EcdsaCommitteeVerifier big = new EcdsaCommitteeVerifier(SOURCE, ecdsaCommittee(many, 129));
        vm.assertEq(big.size(), 256, "256 members");
    }

    /// Signers past the committee (4 members): the error names the first of them in the
    /// certificate's order, whichever entries follow, and is checked before the count.
    function test_the_first_signer_out_of_range_is_named() external {
        bytes memory checkpoint = cp(10, 5, "a");
        bytes memory sig = new bytes(65);
        for (uint256 k = 0; k < 3; ++k) {
            uint16[3] memory signers = [[uint16(1), 5, 9], [uint16(4), 5, 6], [uint16(0), 2, 4]][k];
            uint16 first = [uint16(5), 4, 4][k];
            bytes memory cert = abi.encodePacked(uint16(3));
            for (uint256 i = 0; i < 3; ++i) {
                cert = bytes.concat(cert, abi.encodePacked(signers[i]), sig);
            }
            vm.expectRevert(
                abi.encodeWithSelector(SignerIndexOutOfRange.selector, uint256(first), uint256(4))
            );
            v.update(bytes.concat(hex"01", checkpoint, cert));
        }
        // In range, but two of four where three are needed.
        bytes memory two = abi.encodePacked(uint16(2), uint16(0), sig, uint16(3), sig);
        vm.expectRevert(abi.encodeWithSelector(InsufficientSigners.selector, uint256(2), uint256(3)));
        v.update(bytes.concat(hex"01", checkpoint, two));
    }

    /// `verifyAndCall`: the root is verified for the call only; a failing call reverts it all; a
    /// conflict freezes and calls nothing; only checkpoint updates.
    function test_verify_and_call() external {
        RootReader reader = new RootReader();
        bytes memory u = bytes.concat(hex"01", certified(cp(10, 5, "a")));
        (CommitteeVerifier.Updated outcome, bytes memory ret) =
            v.verifyAndCall(u, address(reader), abi.encodeCall(reader.read, (v, 10)));
        vm.assertEq(uint256(outcome), 0, "verified");
        vm.assertEq(abi.decode(ret, (bytes32)), bytes32("a"), "the call saw the root");
        assertRoot(10, 0); // another transaction: not kept
        vm.assertEq(v.latestHeight(), 0, "nothing stored");

        vm.expectRevert(abi.encodeWithSignature("Error(string)", "delivery failed"));
        v.verifyAndCall(u, address(reader), abi.encodeCall(reader.fail, ()));

        // The call's return data comes back as it was, whatever its length.
        (outcome, ret) = v.verifyAndCall(u, address(reader), abi.encodeCall(reader.raw, ()));
        vm.assertEq(uint256(outcome), 0, "verified again");
        vm.assertEq(
            ret, hex"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021", "33 bytes returned"
        );
        (bool ok, bytes memory encoded) = address(v)
            .call(abi.encodeCall(v.verifyAndCall, (u, address(reader), abi.encodeCall(reader.raw, ()))));
        vm.assertTrue(ok, "returned");
        vm.assertEq(encoded.length, 32 * 5, "outcome, offset, length, two words of data");
        vm.assertEq(abi.encode(CommitteeVerifier.Updated.Verified, ret), encoded, "the standard encoding");

        update(20, 7, "b");
        bytes memory conflicting = bytes.concat(hex"01", certified(cp(30, 6, "x")));
        (outcome, ret) = v.verifyAndCall(conflicting, address(reader), abi.encodeCall(reader.read, (v, 30)));
        vm.assertEq(uint256(outcome), 3, "misbehaviour");
        vm.assertEq(ret.length, 0, "nothing called");
        vm.assertEq(reader.seen(), bytes32("a"), "the reader was not called again");
        vm.assertTrue(v.frozen(), "frozen");

        bytes memory rotation = bytes.concat(hex"02", ecdsaCommittee(keys, 3));
        vm.expectRevert(Malformed.selector);
        v.verifyAndCall(rotation, address(reader), "");
    }

    /// `verifyAndCallPacked` ([STRAIT-ATTEST.EVM]): `target | update length u16 | update | data`
    /// does what `verifyAndCall` does with the same parts; a head or an update cut short, or an
    /// update whose certificate ends before or after its length, is `Malformed`.
    function test_verify_and_call_packed() external {
        RootReader reader = new RootReader();
        bytes memory u = bytes.concat(hex"01", certified(cp(10, 5, "a")));
        bytes memory data = abi.encodeCall(reader.read, (v, 10));
        bytes memory sel = abi.encodePacked(v.verifyAndCallPacked.selector);
        bytes memory packed = bytes.concat(sel, bytes20(address(reader)), bytes2(uint16(u.length)), u, data);
        (bool ok, bytes memory encoded) = address(v).call(packed);
        vm.assertTrue(ok, "delivered");
        (CommitteeVerifier.Updated outcome, bytes memory ret) =
            abi.decode(encoded, (CommitteeVerifier.Updated, bytes));
        vm.assertEq(uint256(outcome), 0, "verified");
        vm.assertEq(abi.decode(ret, (bytes32)), bytes32("a"), "the call saw the root");
        vm.assertEq(reader.seen(), bytes32("a"), "called");
        (ok, ret) = address(v).call(abi.encodeCall(v.verifyAndCall, (u, address(reader), data)));
        vm.assertEq(ret, encoded, "the same return as verifyAndCall");

        // Empty data: the target is called with none (a contract without fallback reverts).
        (ok,) = address(v).call(bytes.concat(sel, bytes20(address(reader)), bytes2(uint16(u.length)), u));
        vm.assertTrue(!ok, "RootReader has no fallback");

        bytes memory fail = bytes.concat(
            sel, bytes20(address(reader)), bytes2(uint16(u.length)), u, abi.encodeCall(reader.fail, ())
        );
        (ok, ret) = address(v).call(fail);
        vm.assertTrue(!ok, "a failing call reverts");
        vm.assertEq(ret, abi.encodeWithSignature("Error(string)", "delivery failed"), "its reason bubbled up");

        bytes memory malformed = abi.encodeWithSelector(Malformed.selector);
        // Cut in the head: no length, half a length.
        (ok, ret) = address(v).call(bytes.concat(sel, bytes20(address(reader))));
        vm.assertEq(ret, malformed, "no length");
        (ok, ret) = address(v).call(bytes.concat(sel, bytes20(address(reader)), hex"00"));
        vm.assertEq(ret, malformed, "half a length");
        (ok, ret) = address(v).call(sel);
        vm.assertEq(ret, malformed, "the selector alone");
        // An update one byte shorter than its length says (the data cannot make up for it).
        (ok, ret) =
            address(v).call(bytes.concat(sel, bytes20(address(reader)), bytes2(uint16(u.length + 1)), u));
        vm.assertEq(ret, malformed, "update past the end");
        // A length that cuts the certificate, or leaves a byte of the data in the update.
        (ok, ret) = address(v)
            .call(bytes.concat(sel, bytes20(address(reader)), bytes2(uint16(u.length - 1)), u, data));
        vm.assertEq(ret, malformed, "certificate cut");
        (ok, ret) = address(v)
            .call(bytes.concat(sel, bytes20(address(reader)), bytes2(uint16(u.length + 1)), u, data));
        vm.assertEq(ret, malformed, "a byte of data in the update");
        vm.assertEq(v.latestHeight(), 0, "nothing stored");
    }

    /// `cert` with entries `i` and `j` swapped (67 bytes each after the count).
    function swapped(bytes memory cert, uint256 i, uint256 j) internal pure returns (bytes memory out) {
        out = bytes.concat(cert);
        for (uint256 k = 0; k < 67; ++k) {
            (out[2 + 67 * i + k], out[2 + 67 * j + k]) = (cert[2 + 67 * j + k], cert[2 + 67 * i + k]);
        }
    }

    /// Checkpoint 10 and two certificates of it by signers 0, 1, 2: in order, and with the
    /// entries of 1 and 2 swapped.
    function orderCases()
        internal
        view
        returns (bytes memory checkpoint, bytes memory good, bytes memory bad)
    {
        checkpoint = cp(10, 5, "a");
        good = ecdsaCertificate(
            keys, 3, abi.encodePacked("STRAIT/ATTEST/CHECKPOINT/v1", v.committeeId(), v.epoch(), checkpoint)
        );
        bad = swapped(good, 1, 2);
    }

    /// Signers that do not ascend make a certificate `Malformed` before anything else is checked,
    /// as the Rust kind decodes before it checks; in `update`, `verifyAndCall` and its packed
    /// form (the delivery path checks the order in the loop that verifies).
    function test_signers_out_of_order_are_malformed_in_every_entry_point() external {
        (bytes memory checkpoint,, bytes memory bad) = orderCases();
        bytes memory u = bytes.concat(hex"01", checkpoint, bad);
        vm.expectRevert(Malformed.selector);
        v.update(u);
        RootReader reader = new RootReader();
        bytes memory read = abi.encodeCall(reader.read, (v, 10));
        vm.expectRevert(Malformed.selector);
        v.verifyAndCall(u, address(reader), read);
        bytes memory packed = bytes.concat(
            abi.encodePacked(v.verifyAndCallPacked.selector),
            bytes20(address(reader)),
            bytes2(uint16(u.length)),
            u,
            read
        );
        (bool ok, bytes memory ret) = address(v).call(packed);
        vm.assertTrue(!ok, "packed refused");
        vm.assertEq(ret, abi.encodeWithSelector(Malformed.selector), "packed: malformed");
    }

    /// ... before a bad signature of an earlier entry, a signer out of range and too few signers.
    function test_signers_out_of_order_are_malformed_before_the_signatures() external {
        (bytes memory checkpoint, bytes memory good, bytes memory bad) = orderCases();
        bytes memory badFirst = bytes.concat(bad);
        badFirst[2 + 66] = 0x1d;
        vm.expectRevert(Malformed.selector);
        v.update(bytes.concat(hex"01", checkpoint, badFirst));
        // In order, the bad recovery id is named.
        bytes memory goodBadFirst = bytes.concat(good);
        goodBadFirst[2 + 66] = 0x1d;
        vm.expectRevert(abi.encodeWithSelector(InvalidRecoveryId.selector, uint256(0)));
        v.update(bytes.concat(hex"01", checkpoint, goodBadFirst));
        // Signers 0, 9, 1: 9 is out of range, the last is not, and the order is broken.
        bytes memory sig = new bytes(65);
        vm.expectRevert(Malformed.selector);
        v.update(
            bytes.concat(
                hex"01",
                checkpoint,
                abi.encodePacked(uint16(3), uint16(0), sig, uint16(9), sig, uint16(1), sig)
            )
        );
        // Two signers of three needed, out of order.
        vm.expectRevert(Malformed.selector);
        v.update(
            bytes.concat(hex"01", checkpoint, abi.encodePacked(uint16(2), uint16(1), sig, uint16(0), sig))
        );
    }

    /// ... before another source chain, a duplicate checkpoint, evidence that does not conflict
    /// and a frozen client.
    function test_signers_out_of_order_are_malformed_before_the_state() external {
        (bytes memory checkpoint, bytes memory good, bytes memory bad) = orderCases();
        bytes memory other = abi.encodePacked(SOURCE + 1, bytes32("a"), uint64(5), uint64(10));
        vm.expectRevert(Malformed.selector);
        v.update(bytes.concat(hex"01", other, bad));
        vm.expectRevert(abi.encodeWithSelector(SourceMismatch.selector, SOURCE + 1, SOURCE));
        v.update(bytes.concat(hex"01", other, good));

        vm.assertEq(uint256(update(10, 5, "a")), 0, "stored");
        vm.expectRevert(Malformed.selector);
        v.update(bytes.concat(hex"01", checkpoint, bad));
        vm.assertEq(uint256(v.update(bytes.concat(hex"01", checkpoint, good))), 1, "duplicate");

        bytes memory second = certified(cp(20, 7, "b"));
        vm.expectRevert(Malformed.selector);
        v.submitMisbehaviour(
            bytes.concat(checkpoint, good, cp(20, 7, "b"), swapped(slice(second, 56, 203), 0, 2))
        );
        vm.expectRevert(NotMisbehaviour.selector);
        v.submitMisbehaviour(bytes.concat(checkpoint, good, second));

        update(20, 7, "b");
        vm.assertEq(uint256(update(30, 6, "x")), 3, "misbehaviour: frozen");
        vm.expectRevert(Malformed.selector);
        v.update(bytes.concat(hex"01", cp(40, 9, "c"), bad));
        vm.expectRevert(Frozen.selector);
        v.update(bytes.concat(hex"01", checkpoint, good));
    }
}
