// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// How a verifier's `verifyAndCall` makes its call (ADR 0027): the delivery, from calldata.
library DeliveryCall {
    /// Calls `target` with `data` (all gas, no value) and ends the current call: returns
    /// `abi.encode(outcome, returndata)`, the verifier's `(Updated outcome, bytes result)`, or
    /// reverts with the call's revert data. The call's data is copied once to free memory and its
    /// return data once to the output, never into a `bytes` to be encoded again.
    function callAndReturn(uint256 outcome, address target, bytes calldata data) internal {
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, data.offset, data.length)
            let ok := call(gas(), target, 0, p, data.length, 0, 0)
            let n := returndatasize()
            if iszero(ok) {
                returndatacopy(p, 0, n)
                revert(p, n)
            }
            mstore(p, outcome)
            mstore(add(p, 32), 64)
            mstore(add(p, 64), n)
            returndatacopy(add(p, 96), 0, n)
            // The zero padding of `result` to whole words.
            mstore(add(add(p, 96), n), 0)
            return(p, add(96, and(add(n, 31), not(31))))
        }
    }
}
