// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import "../Errors.sol";

/// An optimistic client's configuration ([STRAIT-OPT.1]): the dispute window in ms, the bond (in
/// wei on an EVM), who may propose (empty: anyone who bonds) and who may pause (empty: nobody), as
/// 32-byte addresses (an EVM account left-padded).
struct OptimisticConfig {
    uint64 windowMs;
    uint128 bond;
    bytes32[] proposers;
    bytes32[] watchers;
}

/// A proposal ([STRAIT-OPT.2]): at source height `height` the source's outbox held `leafCount`
/// ids under `root`.
struct Proposal {
    uint64 height;
    bytes32 root;
    uint64 leafCount;
}

/// The encodings of SPEC §13, as `strait_optimistic::{Config, Proposal}` decode them.
library OptimisticCodec {
    uint256 internal constant MAX_PROPOSERS = 16;
    uint256 internal constant MAX_WATCHERS = 16;
    /// 30 days.
    uint64 internal constant MAX_WINDOW_MS = 2_592_000_000;
    uint64 internal constant MAX_LEAF_COUNT = 1 << 32;
    uint256 internal constant PROPOSAL_LEN = 48;

    /// [STRAIT-OPT.1] `window_ms u64 | bond u128 | n u16 (<= 16) | n x address [32] | m u16 (<= 16)
    /// | m x address [32]`: each field present (`Truncated`), each count at most 16 as it is read
    /// (`TooLarge`), nothing after (`TrailingBytes`); then `ZeroWindow`, `WindowTooLong`,
    /// `ZeroBond`, proposers then watchers strictly ascending (`NotAscending`).
    function decodeConfig(bytes memory b) internal pure returns (OptimisticConfig memory c) {
        if (b.length < 8) revert Truncated();
        c.windowMs = uint64(bytes8(word(b, 0)));
        if (b.length < 24) revert Truncated();
        c.bond = uint128(bytes16(word(b, 8)));
        uint256 next;
        (c.proposers, next) = addresses(b, 24, MAX_PROPOSERS);
        (c.watchers, next) = addresses(b, next, MAX_WATCHERS);
        if (b.length > next) revert TrailingBytes();
        if (c.windowMs == 0) revert ZeroWindow();
        if (c.windowMs > MAX_WINDOW_MS) revert WindowTooLong(c.windowMs, MAX_WINDOW_MS);
        if (c.bond == 0) revert ZeroBond();
        ascending(c.proposers);
        ascending(c.watchers);
    }

    function encodeConfig(OptimisticConfig memory c) internal pure returns (bytes memory out) {
        out = abi.encodePacked(c.windowMs, c.bond, uint16(c.proposers.length));
        for (uint256 i = 0; i < c.proposers.length; ++i) {
            out = bytes.concat(out, c.proposers[i]);
        }
        out = bytes.concat(out, bytes2(uint16(c.watchers.length)));
        for (uint256 i = 0; i < c.watchers.length; ++i) {
            out = bytes.concat(out, c.watchers[i]);
        }
    }

    /// [STRAIT-OPT.2] `height u64 | root [32] | leaf_count u64` (`leaf_count <= 2^32`, `TooLarge`).
    function decodeProposal(bytes calldata b) internal pure returns (Proposal memory p) {
        if (b.length < 8) revert Truncated();
        p.height = uint64(bytes8(b[0:8]));
        if (b.length < 40) revert Truncated();
        p.root = bytes32(b[8:40]);
        if (b.length < 48) revert Truncated();
        p.leafCount = uint64(bytes8(b[40:48]));
        if (p.leafCount > MAX_LEAF_COUNT) revert TooLarge();
        if (b.length > PROPOSAL_LEN) revert TrailingBytes();
    }

    function encodeProposal(Proposal memory p) internal pure returns (bytes memory) {
        return abi.encodePacked(p.height, p.root, p.leafCount);
    }

    /// The 32 bytes of `b` from `offset` (zeros past its end; callers check the length first).
    function word(bytes memory b, uint256 offset) private pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(add(b, 32), offset))
        }
        uint256 left = b.length - offset;
        if (left < 32) w &= bytes32(~(type(uint256).max >> (8 * left)));
    }

    function addresses(bytes memory b, uint256 offset, uint256 max)
        private
        pure
        returns (bytes32[] memory out, uint256 next)
    {
        if (b.length < offset + 2) revert Truncated();
        uint256 n = uint16(bytes2(word(b, offset)));
        if (n > max) revert TooLarge();
        next = offset + 2;
        out = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            if (b.length < next + 32) revert Truncated();
            out[i] = word(b, next);
            next += 32;
        }
    }

    function ascending(bytes32[] memory list) private pure {
        for (uint256 i = 1; i < list.length; ++i) {
            if (list[i - 1] >= list[i]) revert NotAscending(i);
        }
    }
}
