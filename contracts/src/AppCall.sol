// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {InsufficientGas} from "./Errors.sol";
import {StraitAppError} from "./IStrait.sol";

/// Calling an application with a gas limit, reading at most a bounded amount of what it returns,
/// so that a failing, gas-hungry or return-bombing application cannot block a delivery
/// ([STRAIT-RECV.9]). Every failure becomes an error code and a reason.
library AppCall {
    /// Longest acknowledgement ([STRAIT-RECV.9]).
    uint256 internal constant MAX_ACK_LEN = 4096;
    /// The code of an acknowledgement above `MAX_ACK_LEN` (as the Rust core) or not ABI `bytes`.
    uint32 internal constant ACK_TOO_LARGE = 0xffffffff;
    /// The code of a revert that is neither `StraitAppError` nor `Error(string)` (a custom error,
    /// a panic, running out of gas).
    uint32 internal constant APP_REVERTED = 0xfffffffd;
    /// The code of a receiver that is not a contract (not an EVM address, or no code there).
    uint32 internal constant NO_RECEIVER = 0xfffffffc;
    /// Gas kept by the endpoint beyond the application's limit, to finish the delivery.
    uint256 internal constant RESERVE = 50_000;

    struct Result {
        bool ok;
        bytes data; // the acknowledgement when ok
        uint32 code;
        bytes reason;
        uint64 gasUsed; // gas the call took (0 when no call was made) ([STRAIT-FEE.6])
    }

    /// Call `app` with `data` and at most `gasLimit` gas. Reverts `InsufficientGas` (the whole
    /// delivery) if less than the limit would reach the application (EIP-150 keeps 1/64).
    function call(bytes32 app32, uint256 gasLimit, bytes memory data) internal returns (Result memory r) {
        if (uint256(app32) >> 160 != 0) return fail(NO_RECEIVER, "receiver is not an EVM address");
        address app = address(uint160(uint256(app32)));
        if (app.code.length == 0) return fail(NO_RECEIVER, "receiver has no code");
        uint256 needed = gasLimit + gasLimit / 63 + RESERVE;
        if (gasleft() < needed) revert InsufficientGas(gasleft(), needed);
        bool ok;
        uint256 size;
        uint256 used;
        assembly ("memory-safe") {
            used := gas()
            ok := call(gasLimit, app, 0, add(data, 32), mload(data), 0, 0)
            used := sub(used, gas())
            size := returndatasize()
        }
        if (ok) {
            ack(r, size);
        } else {
            // At most 68 bytes: a revert selector and the head of its reason.
            bytes memory head = new bytes(68);
            assembly ("memory-safe") {
                let n := size
                if gt(n, 68) { n := 68 }
                returndatacopy(add(head, 32), 0, n)
            }
            r = reverted(head, size);
        }
        r.gasUsed = uint64(used);
    }

    /// Into `r`: the acknowledgement an ABI `bytes` return of `size` bytes carries (its head read
    /// into scratch space); empty if nothing was returned.
    function ack(Result memory r, uint256 size) private pure {
        if (size == 0) {
            r.ok = true;
            return;
        }
        uint256 offset;
        uint256 len;
        if (size >= 64) {
            assembly ("memory-safe") {
                returndatacopy(0, 0, 64)
                offset := mload(0)
                len := mload(32)
            }
        }
        if (size < 64 || offset != 32) return failInto(r, ACK_TOO_LARGE, "acknowledgement is not ABI bytes");
        if (len > MAX_ACK_LEN) return failInto(r, ACK_TOO_LARGE, "acknowledgement exceeds 4096 bytes");
        if (size < 64 + len) return failInto(r, ACK_TOO_LARGE, "acknowledgement is not ABI bytes");
        r.ok = true;
        r.data = copy(64, len);
    }

    /// The code and reason of a revert: `StraitAppError(code, reason)`, `Error(reason)` (code 0),
    /// anything else `APP_REVERTED`. A reason is read up to 257 bytes (the endpoint cuts it to 256
    /// at a character boundary).
    function reverted(bytes memory head, uint256 size) private pure returns (Result memory r) {
        bytes4 selector = size >= 4 ? bytes4(bytes32(word(head, 0))) : bytes4(0);
        uint256 lenAt;
        if (selector == StraitAppError.selector && size >= 100) {
            r.code = uint32(word(head, 4));
            if (word(head, 36) != 64) return fail(APP_REVERTED, "malformed StraitAppError");
            lenAt = 68;
        } else if (selector == bytes4(keccak256("Error(string)")) && size >= 68) {
            if (word(head, 4) != 32) return fail(APP_REVERTED, "malformed Error(string)");
            lenAt = 36;
        } else {
            return fail(APP_REVERTED, size == 0 ? bytes("reverted without reason") : bytes("reverted"));
        }
        uint256 len = readLen(lenAt, size);
        if (len == type(uint256).max) return fail(APP_REVERTED, "malformed revert reason");
        r.reason = copy(lenAt + 32, len > 257 ? 257 : len);
    }

    /// The length word offset `offset` of the return data, or `type(uint256).max` if the data is shorter
    /// than it announces.
    function readLen(uint256 offset, uint256 size) private pure returns (uint256 len) {
        if (size < offset + 32) return type(uint256).max;
        assembly ("memory-safe") {
            let p := mload(0x40)
            returndatacopy(p, offset, 32)
            len := mload(p)
        }
        if (len > size - offset - 32) return type(uint256).max;
    }

    /// `len` bytes of the return data from `offset` (in bounds: checked by the caller).
    function copy(uint256 offset, uint256 len) private pure returns (bytes memory out) {
        out = new bytes(len);
        assembly ("memory-safe") {
            returndatacopy(add(out, 32), offset, len)
        }
    }

    function word(bytes memory b, uint256 offset) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(add(b, 32), offset))
        }
    }

    function fail(uint32 code, bytes memory reason) internal pure returns (Result memory r) {
        r.code = code;
        r.reason = reason;
    }

    function failInto(Result memory r, uint32 code, bytes memory reason) private pure {
        r.code = code;
        r.reason = reason;
    }
}
