// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import "../Errors.sol";

/// A route's security config (SPEC §12): required clients, optional clients of which `threshold`
/// must vouch, and the finality depth in source blocks. Clients are numbers: u64 client ids in the
/// encoding of [STRAIT-ROUTE.2], verifier addresses in `RouteSecurity`.
struct SecurityConfig {
    uint256[] required;
    uint256[] optional;
    uint8 threshold;
    uint64 finalityBlocks;
}

/// The bounds of [STRAIT-ROUTE.1] and the encoding of [STRAIT-ROUTE.2], as
/// `strait_endpoint::security::SecurityConfig` checks and encodes them.
library SecurityConfigCodec {
    /// Most verifiers, required plus optional.
    uint256 internal constant MAX_ROUTE_VERIFIERS = 8;
    /// Largest finality depth, in source blocks.
    uint64 internal constant MAX_FINALITY_BLOCKS = 100_000;
    /// Version byte of the encoding.
    uint8 internal constant VERSION = 1;

    /// [STRAIT-ROUTE.1] In this order: at most 8 clients (`TooManyVerifiers`); the threshold 0
    /// without optional clients and `1..=optional` with them (`ThresholdOutOfRange`); some client
    /// counts (`NoVerifier`); each list strictly increasing (`NotCanonical`); no client in both
    /// (`DuplicateVerifier`); finality at most 100,000 (`FinalityTooLarge`).
    function validate(SecurityConfig memory c) internal pure {
        uint256 total = c.required.length + c.optional.length;
        if (total > MAX_ROUTE_VERIFIERS) revert TooManyVerifiers(total, MAX_ROUTE_VERIFIERS);
        uint256 k = c.threshold;
        uint256 m = c.optional.length;
        if ((m == 0 && k != 0) || (m != 0 && (k == 0 || k > m))) revert ThresholdOutOfRange(k, m);
        if (c.required.length == 0 && k == 0) revert NoVerifier();
        if (!increasing(c.required) || !increasing(c.optional)) revert NotCanonical();
        for (uint256 i = 0; i < c.required.length; ++i) {
            for (uint256 j = 0; j < m; ++j) {
                if (c.required[i] == c.optional[j]) revert DuplicateVerifier(c.required[i]);
            }
        }
        if (c.finalityBlocks > MAX_FINALITY_BLOCKS) {
            revert FinalityTooLarge(c.finalityBlocks, MAX_FINALITY_BLOCKS);
        }
    }

    function increasing(uint256[] memory list) private pure returns (bool) {
        for (uint256 i = 1; i < list.length; ++i) {
            if (list[i - 1] >= list[i]) return false;
        }
        return true;
    }

    /// [STRAIT-ROUTE.2] `version u8 (= 1) | n u8 | n x client u64 | m u8 | m x client u64 |
    /// threshold u8 | finality_blocks u64`.
    function encode(SecurityConfig memory c) internal pure returns (bytes memory out) {
        out = abi.encodePacked(VERSION, uint8(c.required.length));
        for (uint256 i = 0; i < c.required.length; ++i) {
            out = bytes.concat(out, bytes8(uint64(c.required[i])));
        }
        out = bytes.concat(out, bytes1(uint8(c.optional.length)));
        for (uint256 i = 0; i < c.optional.length; ++i) {
            out = bytes.concat(out, bytes8(uint64(c.optional[i])));
        }
        out = bytes.concat(out, bytes1(c.threshold), bytes8(c.finalityBlocks));
    }

    /// [STRAIT-ROUTE.2] Decodes untrusted bytes, each field checked as it is read (a count above 8
    /// is `TooLarge` before its ids), nothing after the finality (`TrailingBytes`), then
    /// [STRAIT-ROUTE.1]'s bounds.
    function decode(bytes calldata b) internal pure returns (SecurityConfig memory c) {
        uint256 pos = 0;
        if (b.length < 1) revert Truncated();
        if (uint8(b[0]) != VERSION) revert UnsupportedVersion();
        pos = 1;
        (c.required, pos) = readList(b, pos);
        (c.optional, pos) = readList(b, pos);
        if (b.length < pos + 1) revert Truncated();
        c.threshold = uint8(b[pos]);
        if (b.length < pos + 9) revert Truncated();
        c.finalityBlocks = uint64(bytes8(b[pos + 1:pos + 9]));
        if (b.length > pos + 9) revert TrailingBytes();
        validate(c);
    }

    function readList(bytes calldata b, uint256 pos)
        private
        pure
        returns (uint256[] memory ids, uint256 next)
    {
        if (b.length < pos + 1) revert Truncated();
        uint256 n = uint8(b[pos]);
        if (n > MAX_ROUTE_VERIFIERS) revert TooLarge();
        next = pos + 1;
        ids = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            if (b.length < next + 8) revert Truncated();
            ids[i] = uint64(bytes8(b[next:next + 8]));
            next += 8;
        }
    }
}
