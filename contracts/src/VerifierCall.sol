// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {IStraitVerifier} from "./IStrait.sol";

/// How every contract reads a verifier (SPEC §4.8): `rootAt(height)` as a plain static call under a
/// gas cap, without the ABI decoder, so that a verifier cannot make its reader revert or spend
/// more than the cap.
library VerifierCall {
    /// `v.rootAt(height)` with at most `gasCap` gas. `ok` is false when the call reverts, `v` has no
    /// code, the answer is shorter than three words, or its chain is not a u64 or its flag not 0
    /// or 1; the other values are then meaningless. `frozen` is the flag's word (1: frozen), `chain`
    /// a u64 in a word: the callers' comparisons read them as they come.
    function rootAt(address v, uint64 height, uint256 gasCap)
        internal
        view
        returns (bool ok, uint256 chain, uint256 frozen, bytes32 root)
    {
        bytes4 selector = IStraitVerifier.rootAt.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 4), height)
            ok := staticcall(gasCap, v, m, 36, m, 96)
            chain := mload(m)
            frozen := mload(add(m, 32))
            root := mload(add(m, 64))
            ok := and(and(ok, gt(returndatasize(), 95)), and(iszero(shr(64, chain)), lt(frozen, 2)))
        }
    }
}
