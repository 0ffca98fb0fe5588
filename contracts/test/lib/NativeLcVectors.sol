// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {VectorTest} from "./Vectors.sol";
import {NativeLightClient} from "../../src/lc/NativeLightClient.sol";
import {NativeLcInit} from "./NativeLcInit.sol";
import "../../src/Errors.sol";

/// The native light client against docs/vectors/bls_header.json (the Rust BLS mode and kind 5):
/// the kind's creation bytes, its updates and evidence, and every block case verified from the
/// trusted state at height 41 as a kind-5 update (`41 u64 | block`).
abstract contract NativeLcVectorTest is VectorTest {
    uint64 internal constant CHAIN = 1;
    uint64 internal constant TRUSTED = 41;

    string internal json;

    function setUp() public virtual {
        json = vectors("bls_header.json");
        // The vectors' `now` (ms) is a whole second.
        vm.warp(vm.parseJsonUint(json, ".now") / 1000);
    }

    /// A fresh client of chain 1 created from the kind's `init`, every proof admitted.
    function fresh() internal returns (NativeLightClient) {
        return NativeLcInit.create(CHAIN, vm.parseJsonBytes(json, ".kind.init"));
    }

    /// A client created from the constructor's `init` (the set without its proofs).
    function create(uint64 chain, bytes calldata init) external returns (address) {
        return address(new NativeLightClient(chain, init));
    }

    /// The SPEC names of the light client's errors, then the shared ones.
    function lcSelectorOf(string memory name) internal pure returns (bytes4) {
        bytes32 n = keccak256(bytes(name));
        if (n == keccak256("ChainIdMismatch")) return ChainIdMismatch.selector;
        if (n == keccak256("EmptyCommit")) return EmptyCommit.selector;
        if (n == keccak256("TrustingPeriodExpired")) return TrustingPeriodExpired.selector;
        if (n == keccak256("HeaderTimeUnreachable")) return HeaderTimeUnreachable.selector;
        if (n == keccak256("HeaderFromFuture")) return HeaderFromFuture.selector;
        if (n == keccak256("NonIncreasingHeight")) return NonIncreasingHeight.selector;
        if (n == keccak256("NonIncreasingTime")) return NonIncreasingTime.selector;
        if (n == keccak256("AdjacentValidatorsMismatch")) return AdjacentValidatorsMismatch.selector;
        if (n == keccak256("NotEnoughTrust")) return NotEnoughTrust.selector;
        if (n == keccak256("InsufficientSigningPower")) return InsufficientSigningPower.selector;
        if (n == keccak256("InvalidAggregateSignature")) return InvalidAggregateSignature.selector;
        if (n == keccak256("ConsensusStateNotFound")) return ConsensusStateNotFound.selector;
        if (n == keccak256("Empty")) return Empty.selector;
        if (n == keccak256("NotSorted")) return NotSorted.selector;
        if (n == keccak256("ZeroPower")) return ZeroPower.selector;
        if (n == keccak256("TotalPowerTooLarge")) return TotalPowerTooLarge.selector;
        if (n == keccak256("InvalidKey")) return InvalidKey.selector;
        if (n == keccak256("InvalidTrustThreshold")) return InvalidTrustThreshold.selector;
        if (n == keccak256("ZeroTrustingPeriod")) return ZeroTrustingPeriod.selector;
        if (n == keccak256("InitialSetIncomplete")) return InitialSetIncomplete.selector;
        if (n == keccak256("SetChunkTooLarge")) return SetChunkTooLarge.selector;
        if (n == keccak256("SetChunkOutOfOrder")) return SetChunkOutOfOrder.selector;
        if (n == keccak256("SetChunkPastEnd")) return SetChunkPastEnd.selector;
        return selectorOf(name);
    }

    /// A revert with the error named `expected` ("" for success).
    function assertLc(bool ok, bytes memory ret, string memory expected, string memory label) internal pure {
        if (bytes(expected).length == 0) {
            vm.assertTrue(ok, string.concat(label, ": expected success, reverted"));
            return;
        }
        vm.assertTrue(!ok, string.concat(label, ": expected ", expected, ", succeeded"));
        vm.assertTrue(ret.length >= 4, string.concat(label, ": expected ", expected, ", no data"));
        vm.assertEq(
            bytes32(bytes4(ret)),
            bytes32(lcSelectorOf(expected)),
            string.concat(label, ": expected ", expected)
        );
    }

    /// `update(u)` on `c`, as a call that may revert.
    function tryUpdate(NativeLightClient c, bytes memory u) internal returns (bool ok, bytes memory ret) {
        (ok, ret) = address(c).call(abi.encodeCall(c.update, (u)));
    }

    /// The height and outbox root of a block's header (after the 8-byte trusted height of `u`).
    function headerOf(bytes memory u) internal pure returns (uint64 height, bytes32 root) {
        assembly ("memory-safe") {
            height := shr(192, mload(add(u, add(32, 17))))
            root := mload(add(u, add(32, 97)))
        }
    }
}
