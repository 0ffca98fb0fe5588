// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TestBase} from "./Vm.sol";
import "../../src/Errors.sol";

/// Reading the conformance vectors of docs/vectors (their conventions: docs/vectors/README.md),
/// the same files the Rust tests read and regenerate.
abstract contract VectorTest is TestBase {
    /// The text of `docs/vectors/<file>`.
    function vectors(string memory file) internal view returns (string memory) {
        return vm.readFile(string.concat(vm.projectRoot(), "/../docs/vectors/", file));
    }

    /// `key[i]`.
    function item(string memory key, uint256 i) internal pure returns (string memory) {
        return string.concat(key, "[", vm.toString(i), "]");
    }

    /// The length of the JSON array at `key`; fails on an empty or missing array, so that a
    /// renamed key cannot make a test pass by reading nothing.
    function count(string memory json, string memory key) internal view returns (uint256 n) {
        while (vm.keyExistsJson(json, item(key, n))) ++n;
        vm.assertTrue(n > 0, string.concat("no vectors at ", key));
    }

    /// The bytes of an encoding: a hex string, or a list of parts (a hex string, a list of parts,
    /// `{"repeat": n, "hex": h}` or `{"repeat": n, "parts": p}`), concatenated in order.
    function encoding(string memory json, string memory key) internal view returns (bytes memory out) {
        if (!vm.keyExistsJson(json, item(key, 0))) return vm.parseJsonBytes(json, key);
        for (uint256 i = 0; vm.keyExistsJson(json, item(key, i)); ++i) {
            string memory part = item(key, i);
            if (vm.keyExistsJson(json, string.concat(part, ".repeat"))) {
                uint256 n = vm.parseJsonUint(json, string.concat(part, ".repeat"));
                bytes memory unit = vm.keyExistsJson(json, string.concat(part, ".hex"))
                    ? vm.parseJsonBytes(json, string.concat(part, ".hex"))
                    : encoding(json, string.concat(part, ".parts"));
                out = bytes.concat(out, repeat(unit, n));
            } else {
                out = bytes.concat(out, encoding(json, part));
            }
        }
    }

    function repeat(bytes memory unit, uint256 n) internal pure returns (bytes memory out) {
        out = new bytes(unit.length * n);
        for (uint256 i = 0; i < n; ++i) {
            for (uint256 j = 0; j < unit.length; ++j) {
                out[i * unit.length + j] = unit[j];
            }
        }
    }

    /// The vectors' message id `id_i = keccak256(u64_be(i))` (docs/vectors/merkle.json).
    function idOf(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint64(i)));
    }

    /// A verify case's ids: a list `[i, ...]` or `{"range": [from, to]}`, of `id_i`.
    function ids(string memory json, string memory key) internal view returns (bytes32[] memory out) {
        uint256[] memory list;
        if (vm.keyExistsJson(json, string.concat(key, ".range"))) {
            uint256[] memory range = vm.parseJsonUintArray(json, string.concat(key, ".range"));
            list = new uint256[](range[1] - range[0]);
            for (uint256 i = 0; i < list.length; ++i) {
                list[i] = range[0] + i;
            }
        } else {
            list = vm.parseJsonUintArray(json, key);
        }
        out = new bytes32[](list.length);
        for (uint256 i = 0; i < list.length; ++i) {
            out[i] = idOf(list[i]);
        }
    }

    /// A case's `"error"`: the SPEC §0 name, or "" for `null` (the bytes are valid).
    function errorName(string memory json, string memory key) internal pure returns (string memory name) {
        name = vm.parseJsonString(json, string.concat(key, ".error"));
        if (keccak256(bytes(name)) == keccak256("null")) name = "";
    }

    /// The selector of the custom error named `name` (src/Errors.sol); fails on a name this port
    /// does not know, so a new error name in the vectors is noticed.
    function selectorOf(string memory name) internal pure returns (bytes4) {
        bytes32 n = keccak256(bytes(name));
        if (n == keccak256("Truncated")) return Truncated.selector;
        if (n == keccak256("TrailingBytes")) return TrailingBytes.selector;
        if (n == keccak256("TooLarge")) return TooLarge.selector;
        if (n == keccak256("UnsupportedVersion")) return UnsupportedVersion.selector;
        if (n == keccak256("Invalid")) return Invalid.selector;
        if (n == keccak256("ZeroNonce")) return ZeroNonce.selector;
        if (n == keccak256("UnknownFlags")) return UnknownFlags.selector;
        if (n == keccak256("PayloadTooLarge")) return PayloadTooLarge.selector;
        if (n == keccak256("IndexOutOfRange")) return IndexOutOfRange.selector;
        if (n == keccak256("RootMismatch")) return RootMismatch.selector;
        if (n == keccak256("NonCanonicalProof")) return NonCanonicalProof.selector;
        if (n == keccak256("EmptyMultiProof")) return EmptyMultiProof.selector;
        if (n == keccak256("IndicesNotIncreasing")) return IndicesNotIncreasing.selector;
        if (n == keccak256("HashCountMismatch")) return HashCountMismatch.selector;
        if (n == keccak256("IdCountMismatch")) return IdCountMismatch.selector;
        if (n == keccak256("TreeFull")) return TreeFull.selector;
        if (n == keccak256("AlreadyReceived")) return AlreadyReceived.selector;
        if (n == keccak256("OutOfOrder")) return OutOfOrder.selector;
        if (n == keccak256("OrderingBacklog")) return OrderingBacklog.selector;
        if (n == keccak256("UnknownOutcome")) return UnknownOutcome.selector;
        if (n == keccak256("ReasonNotUtf8")) return ReasonNotUtf8.selector;
        if (n == keccak256("Malformed")) return Malformed.selector;
        if (n == keccak256("EmptyCommittee")) return EmptyCommittee.selector;
        if (n == keccak256("ZeroThreshold")) return ZeroThreshold.selector;
        if (n == keccak256("ThresholdAboveSize")) return ThresholdAboveSize.selector;
        if (n == keccak256("ThresholdNotMajority")) return ThresholdNotMajority.selector;
        if (n == keccak256("MembersNotAscending")) return MembersNotAscending.selector;
        if (n == keccak256("InvalidMemberKey")) return InvalidMemberKey.selector;
        if (n == keccak256("InvalidProofOfPossession")) return InvalidProofOfPossession.selector;
        if (n == keccak256("SignerIndexOutOfRange")) return SignerIndexOutOfRange.selector;
        if (n == keccak256("BitmapLengthMismatch")) return BitmapLengthMismatch.selector;
        if (n == keccak256("InsufficientSigners")) return InsufficientSigners.selector;
        if (n == keccak256("InvalidRecoveryId")) return InvalidRecoveryId.selector;
        if (n == keccak256("HighS")) return HighS.selector;
        if (n == keccak256("InvalidSignature")) return InvalidSignature.selector;
        if (n == keccak256("Frozen")) return Frozen.selector;
        if (n == keccak256("SourceMismatch")) return SourceMismatch.selector;
        if (n == keccak256("NotMisbehaviour")) return NotMisbehaviour.selector;
        if (n == keccak256("EpochOverflow")) return EpochOverflow.selector;
        revert(string.concat("error name unknown to the Solidity port: ", name));
    }

    /// Assert the outcome of a call made for case `label`: success when `expected` is "", else a
    /// revert with the custom error of that name.
    function assertOutcome(bool ok, bytes memory ret, string memory expected, string memory label)
        internal
        pure
    {
        if (bytes(expected).length == 0) {
            vm.assertTrue(ok, string.concat(label, ": expected success, reverted"));
            return;
        }
        vm.assertTrue(!ok, string.concat(label, ": expected ", expected, ", succeeded"));
        vm.assertTrue(
            ret.length >= 4, string.concat(label, ": expected ", expected, ", reverted without data")
        );
        vm.assertEq(
            bytes32(bytes4(ret)), bytes32(selectorOf(expected)), string.concat(label, ": expected ", expected)
        );
    }
}
