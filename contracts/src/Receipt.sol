// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {
    Truncated,
    TrailingBytes,
    TooLarge,
    ZeroNonce,
    UnknownOutcome,
    ReasonNotUtf8,
    UnsupportedVersion,
    Invalid
} from "./Errors.sol";

/// How a message ended on its destination ([STRAIT-EVENT.1]).
enum OutcomeKind {
    Executed,
    Failed,
    TimedOut
}

/// An outcome: `Executed` with the application's acknowledgement, `Failed` with its error code and
/// reason, or `TimedOut`. Fields of the other kinds are empty.
struct Outcome {
    OutcomeKind kind;
    bytes ack;
    uint32 code;
    bytes reason;
}

/// What the destination records for a received message ([STRAIT-EVENT.2]).
struct Receipt {
    bytes32 id;
    bytes32 route;
    uint64 nonce;
    uint64 height;
    Outcome outcome;
}

/// One entry of an outcome message ([STRAIT-SETTLE.3], [STRAIT-FEE.6]): the message it reports,
/// the gas its application used and its outcome.
struct OutcomeEntry {
    bytes32 id;
    uint64 gasUsed;
    Outcome outcome;
}

/// An outcome message's payload: who made the outcomes final (they pay the messages' fees) and the
/// outcomes of consecutive messages of one sender, in order.
struct OutcomePayload {
    bytes32 deliverer;
    OutcomeEntry[] entries;
}

/// Encode and decode outcomes and receipts exactly as `crates/core/endpoint/src/encoding.rs` does
/// (SPEC §4.4): the outcome a destination records and the one an outcome message carries back.
library ReceiptCodec {
    /// Longest acknowledgement in a receipt ([STRAIT-RECV.9]).
    uint256 internal constant MAX_ACK_LEN = 4096;
    /// Longest failure reason; a longer one is cut at a UTF-8 character boundary when encoded.
    uint256 internal constant MAX_REASON_LEN = 256;

    /// The canonical outcome encoding. The acknowledgement must be within `MAX_ACK_LEN` (the
    /// endpoint records a longer one as failed); a reason is cut to `MAX_REASON_LEN` bytes at a
    /// character boundary.
    function encodeOutcome(Outcome memory o) internal pure returns (bytes memory) {
        if (o.kind == OutcomeKind.Executed) {
            if (o.ack.length > MAX_ACK_LEN) revert TooLarge();
            return abi.encodePacked(uint8(0), uint32(o.ack.length), o.ack);
        }
        if (o.kind == OutcomeKind.Failed) {
            bytes memory reason = boundedReason(o.reason);
            return abi.encodePacked(uint8(1), o.code, uint32(reason.length), reason);
        }
        return abi.encodePacked(uint8(2));
    }

    /// The canonical receipt encoding: `id || route || nonce u64 || height u64 || outcome`.
    function encodeReceipt(Receipt memory r) internal pure returns (bytes memory) {
        return abi.encodePacked(r.id, r.route, r.nonce, r.height, encodeOutcome(r.outcome));
    }

    /// Version byte of an outcome message's payload ([STRAIT-SETTLE.3]).
    uint8 internal constant OUTCOME_PAYLOAD_VERSION = 3;
    /// `version u8 | deliverer [32] | count u16`, before the entries.
    uint256 internal constant OUTCOME_HEADER_LEN = 35;
    /// `message id [32] | gas_used u64`, before an entry's outcome.
    uint256 internal constant ENTRY_HEADER_LEN = 40;
    /// Most entries of one outcome message.
    uint256 internal constant MAX_OUTCOME_ENTRIES = 1024;

    /// `version u8 (= 3) | deliverer [32] | count u16 | count × (message id [32] | gas_used u64 |
    /// outcome)`.
    function encodeOutcomePayload(OutcomePayload memory q) internal pure returns (bytes memory b) {
        b = abi.encodePacked(OUTCOME_PAYLOAD_VERSION, q.deliverer, uint16(q.entries.length));
        for (uint256 i = 0; i < q.entries.length; ++i) {
            OutcomeEntry memory e = q.entries[i];
            b = abi.encodePacked(b, e.id, e.gasUsed, encodeOutcome(e.outcome));
        }
    }

    /// Check an outcome payload's framing in SPEC order ([STRAIT-SETTLE.3]) and return its entry
    /// count: the version present (`Truncated`) and 3 (`UnsupportedVersion`), the deliverer and
    /// count present (`Truncated`), the count at least 1 (`Invalid`) and at most 1,024
    /// (`TooLarge`), each entry's fields present (`Truncated`) and its outcome (its names),
    /// nothing after the last entry (`TrailingBytes`).
    function checkOutcomePayload(bytes calldata b) internal pure returns (uint256 count) {
        if (b.length < 1) revert Truncated();
        if (uint8(b[0]) != OUTCOME_PAYLOAD_VERSION) revert UnsupportedVersion();
        if (b.length < OUTCOME_HEADER_LEN) revert Truncated();
        count = uint16(bytes2(b[33:35]));
        if (count == 0) revert Invalid();
        if (count > MAX_OUTCOME_ENTRIES) revert TooLarge();
        uint256 off = OUTCOME_HEADER_LEN;
        for (uint256 i = 0; i < count; ++i) {
            if (b.length < off + ENTRY_HEADER_LEN) revert Truncated();
            (, off) = decodeOutcomeAt(b, off + ENTRY_HEADER_LEN);
        }
        if (off != b.length) revert TrailingBytes();
    }

    /// Decode an outcome payload, checking as `checkOutcomePayload`.
    function decodeOutcomePayload(bytes calldata b) internal pure returns (OutcomePayload memory q) {
        uint256 count = checkOutcomePayload(b);
        q.deliverer = bytes32(b[1:33]);
        q.entries = new OutcomeEntry[](count);
        uint256 off = OUTCOME_HEADER_LEN;
        for (uint256 i = 0; i < count; ++i) {
            (q.entries[i], off) = decodeEntryAt(b, off);
        }
    }

    /// The entry at `off` of a checked outcome payload and the offset after it.
    function decodeEntryAt(bytes calldata b, uint256 off)
        internal
        pure
        returns (OutcomeEntry memory e, uint256)
    {
        e.id = bytes32(b[off:off + 32]);
        e.gasUsed = uint64(bytes8(b[off + 32:off + ENTRY_HEADER_LEN]));
        (e.outcome, off) = decodeOutcomeAt(b, off + ENTRY_HEADER_LEN);
        return (e, off);
    }

    /// `reason` cut to at most `MAX_REASON_LEN` bytes, at a UTF-8 character boundary (a cut never
    /// lands on a continuation byte `10xxxxxx`).
    function boundedReason(bytes memory reason) internal pure returns (bytes memory out) {
        if (reason.length <= MAX_REASON_LEN) return reason;
        uint256 end = MAX_REASON_LEN;
        while (end > 0 && uint8(reason[end]) & 0xc0 == 0x80) --end;
        out = new bytes(end);
        for (uint256 i = 0; i < end; ++i) {
            out[i] = reason[i];
        }
    }

    /// Decode a receipt, checking in order (§4.4): each field present (`Truncated`), `nonce != 0`
    /// (`ZeroNonce`, right after it is read), the outcome, nothing follows (`TrailingBytes`).
    function decodeReceipt(bytes calldata b) internal pure returns (Receipt memory r) {
        if (b.length < 72) revert Truncated();
        r.id = bytes32(b[0:32]);
        r.route = bytes32(b[32:64]);
        r.nonce = uint64(bytes8(b[64:72]));
        if (r.nonce == 0) revert ZeroNonce();
        if (b.length < 80) revert Truncated();
        r.height = uint64(bytes8(b[72:80]));
        uint256 end;
        (r.outcome, end) = decodeOutcomeAt(b, 80);
        if (end != b.length) revert TrailingBytes();
    }

    /// Decode a whole outcome (nothing may follow).
    function decodeOutcome(bytes calldata b) internal pure returns (Outcome memory o) {
        uint256 end;
        (o, end) = decodeOutcomeAt(b, 0);
        if (end != b.length) revert TrailingBytes();
    }

    /// Decode the outcome at `off`; returns it and the offset after it. Checks in order: kind
    /// present (`Truncated`) and known (`UnknownOutcome`); each field present (`Truncated`), a
    /// length within its bound before its bytes are read (`TooLarge`), a reason in UTF-8
    /// (`ReasonNotUtf8`).
    function decodeOutcomeAt(bytes calldata b, uint256 off)
        internal
        pure
        returns (Outcome memory o, uint256)
    {
        if (b.length < off + 1) revert Truncated();
        uint8 kind = uint8(b[off]);
        off += 1;
        if (kind == 0) {
            uint256 len;
            (len, off) = lengthAt(b, off, MAX_ACK_LEN);
            if (b.length < off + len) revert Truncated();
            o.ack = b[off:off + len];
            return (o, off + len);
        }
        if (kind == 1) {
            o.kind = OutcomeKind.Failed;
            if (b.length < off + 4) revert Truncated();
            o.code = uint32(bytes4(b[off:off + 4]));
            uint256 len;
            (len, off) = lengthAt(b, off + 4, MAX_REASON_LEN);
            if (b.length < off + len) revert Truncated();
            o.reason = b[off:off + len];
            if (!isUtf8(o.reason)) revert ReasonNotUtf8();
            return (o, off + len);
        }
        if (kind == 2) {
            o.kind = OutcomeKind.TimedOut;
            return (o, off);
        }
        revert UnknownOutcome();
    }

    /// A u32 length at `off`, checked against `max` before the bytes it announces are read.
    function lengthAt(bytes calldata b, uint256 off, uint256 max)
        private
        pure
        returns (uint256 len, uint256)
    {
        if (b.length < off + 4) revert Truncated();
        len = uint32(bytes4(b[off:off + 4]));
        if (len > max) revert TooLarge();
        return (len, off + 4);
    }

    /// Whether `s` is well-formed UTF-8 (RFC 3629, as Rust's `str::from_utf8`): no overlong form,
    /// no surrogate (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence.
    function isUtf8(bytes memory s) internal pure returns (bool) {
        uint256 n = s.length;
        uint256 i = 0;
        while (i < n) {
            uint8 c = uint8(s[i]);
            if (c < 0x80) {
                ++i;
                continue;
            }
            uint256 width;
            uint8 lo = 0x80;
            uint8 hi = 0xbf;
            if (c >= 0xc2 && c <= 0xdf) {
                width = 2;
            } else if (c >= 0xe0 && c <= 0xef) {
                width = 3;
                if (c == 0xe0) lo = 0xa0;
                if (c == 0xed) hi = 0x9f;
            } else if (c >= 0xf0 && c <= 0xf4) {
                width = 4;
                if (c == 0xf0) lo = 0x90;
                if (c == 0xf4) hi = 0x8f;
            } else {
                return false;
            }
            if (i + width > n) return false;
            uint8 second = uint8(s[i + 1]);
            if (second < lo || second > hi) return false;
            for (uint256 j = 2; j < width; ++j) {
                if (uint8(s[i + j]) & 0xc0 != 0x80) return false;
            }
            i += width;
        }
        return true;
    }
}
