// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// A transfer message's payload ([STRAIT-TOKEN.1]), the denom as named on the sending chain.
struct Transfer {
    string denom;
    uint128 amount;
    bytes32 sender;
    bytes32 recipient;
}

/// The token application's encodings, as the native token application
/// (`crates/chain/node/src/apps/token.rs`) and `docs/vectors/token.json`:
/// `transfer = version u8 (= 1) | denom_len u8 (<= 128) | denom | amount u128 | sender [32] |
/// recipient [32]`, denominations (`base` or `chain/.../base`), their pause topics
/// ([STRAIT-PAUSE.4]) and limit buckets ([STRAIT-LIMIT.1]).
library TokenCodec {
    uint8 internal constant VERSION = 1;
    uint256 internal constant MAX_DENOM_LEN = 128;
    uint256 internal constant MAX_BASE_DENOM_LEN = 16;
    /// Payload bytes after the denom: amount, sender, recipient.
    uint256 internal constant TAIL_LEN = 16 + 32 + 32;

    function encode(Transfer memory t) internal pure returns (bytes memory) {
        return
            abi.encodePacked(VERSION, uint8(bytes(t.denom).length), t.denom, t.amount, t.sender, t.recipient);
    }

    /// Decodes a payload; `why` is empty on success, else why it is malformed (every such
    /// payload is `BAD_TRANSFER`): a version other than 1, a denom length over 128, a truncated
    /// payload, an invalid denom, trailing bytes.
    function decode(bytes calldata b) internal pure returns (Transfer memory t, string memory why) {
        if (b.length < 2) return (t, "malformed transfer: truncated");
        if (uint8(b[0]) != VERSION) return (t, "transfer version");
        uint256 n = uint8(b[1]);
        if (n > MAX_DENOM_LEN) return (t, "malformed denom: denom length");
        if (b.length < 2 + n) return (t, "malformed denom: truncated");
        t.denom = string(b[2:2 + n]);
        if (!validDenom(bytes(t.denom))) return (t, "invalid denom");
        if (b.length < 2 + n + TAIL_LEN) return (t, "malformed transfer: truncated");
        if (b.length > 2 + n + TAIL_LEN) return (t, "malformed transfer: trailing bytes");
        uint256 o = 2 + n;
        t.amount = uint128(bytes16(b[o:o + 16]));
        t.sender = bytes32(b[o + 16:o + 48]);
        t.recipient = bytes32(b[o + 48:o + 80]);
        return (t, "");
    }

    /// `base` (1 to 16 lowercase ASCII letters or digits) or `chain/.../base`, each chain a u64 in
    /// decimal without leading zeros, at most 128 bytes in all.
    function validDenom(bytes memory d) internal pure returns (bool) {
        uint256 len = d.length;
        if (len == 0 || len > MAX_DENOM_LEN) return false;
        uint256 start = 0;
        for (uint256 i = 0; i <= len; ++i) {
            if (i < len && d[i] != "/") continue;
            uint256 partLen = i - start;
            if (partLen == 0) return false;
            if (i == len) {
                if (partLen > MAX_BASE_DENOM_LEN) return false;
                for (uint256 j = start; j < i; ++j) {
                    bytes1 c = d[j];
                    if (!((c >= "a" && c <= "z") || (c >= "0" && c <= "9"))) return false;
                }
            } else {
                if (d[start] == "0" || partLen > 20) return false;
                uint256 v = 0;
                for (uint256 j = start; j < i; ++j) {
                    bytes1 c = d[j];
                    if (c < "0" || c > "9") return false;
                    v = v * 10 + uint8(c) - 48;
                }
                if (v > type(uint64).max) return false;
            }
            start = i + 1;
        }
        return true;
    }

    /// A base denomination: valid and without a path.
    function validBase(bytes memory d) internal pure returns (bool) {
        if (d.length > MAX_BASE_DENOM_LEN || !validDenom(d)) return false;
        for (uint256 i = 0; i < d.length; ++i) {
            if (d[i] == "/") return false;
        }
        return true;
    }

    /// `chain` in decimal followed by `/`: the prefix of a denom that came from `chain`.
    function prefix(uint64 chain) internal pure returns (bytes memory) {
        return abi.encodePacked(Strings.toString(chain), "/");
    }

    function startsWith(bytes memory s, bytes memory p) internal pure returns (bool) {
        if (s.length < p.length) return false;
        for (uint256 i = 0; i < p.length; ++i) {
            if (s[i] != p[i]) return false;
        }
        return true;
    }

    /// The denomination on `chain` of a transfer of `denom` (as named on `source`), and whether it
    /// returns home (released from escrow) rather than arriving (a voucher `<source>/<denom>`).
    function localDenom(uint64 chain, uint64 source, string memory denom)
        internal
        pure
        returns (string memory local, bool home)
    {
        bytes memory d = bytes(denom);
        bytes memory p = prefix(chain);
        if (startsWith(d, p)) {
            bytes memory rest = new bytes(d.length - p.length);
            for (uint256 i = 0; i < rest.length; ++i) {
                rest[i] = d[p.length + i];
            }
            return (string(rest), true);
        }
        return (string(abi.encodePacked(prefix(source), denom)), false);
    }

    /// The pause topic of a local denomination: `keccak256("STRAIT/TOKEN/TOPIC/v1" || denom)`.
    function topic(string memory denom) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("STRAIT/TOKEN/TOPIC/v1", denom));
    }

    /// A limit bucket: `direction u8 (0 out, 1 in) | remote u64 | denom_len u8 | denom`.
    function bucket(uint8 direction, uint64 remote, string memory denom)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(direction, remote, uint8(bytes(denom).length), denom);
    }
}
