// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {
    Truncated,
    TrailingBytes,
    TooLarge,
    UnsupportedVersion,
    ZeroNonce,
    UnknownFlags,
    PayloadTooLarge
} from "./Errors.sol";

/// A message on its route (docs/SPEC.md §2): the fields of the 110-byte header and the payload.
struct Packet {
    uint64 nonce;
    uint64 sourceChain;
    bytes32 sender;
    uint64 destinationChain;
    bytes32 receiver;
    bool ordered;
    /// Destination height at which the message times out; 0 = none.
    uint64 timeoutHeight;
    /// Destination time in ms at which the message times out; 0 = none.
    uint64 timeoutTimestamp;
    bytes payload;
}

/// Encode, decode and identify packets exactly as `crates/core/packet` does
/// ([STRAIT-PACKET.1]-[STRAIT-PACKET.5], [STRAIT-ID.1], [STRAIT-ROUTE.2]).
library PacketCodec {
    /// The only packet version ([STRAIT-PACKET.1]).
    uint8 internal constant VERSION = 1;
    /// Length of the fixed header before the payload.
    uint256 internal constant HEADER_LEN = 110;
    /// Largest payload: 64 KiB ([STRAIT-PACKET.3]).
    uint256 internal constant MAX_PAYLOAD_LEN = 65_536;
    /// Flag bit 0: ordered delivery ([STRAIT-PACKET.2]); every other bit must be 0.
    uint8 internal constant FLAG_ORDERED = 0x01;

    /// The checks of a packet built in memory, in field order: `ZeroNonce`, `PayloadTooLarge`.
    function validate(Packet memory p) internal pure {
        if (p.nonce == 0) revert ZeroNonce();
        if (p.payload.length > MAX_PAYLOAD_LEN) revert PayloadTooLarge();
    }

    /// The canonical encoding ([STRAIT-PACKET.1]) of a valid packet, written in place in
    /// assembly: the 110-byte header in five overlapping word stores (each later one overwrites
    /// the zeros past the end of the one before), then the payload copied after it.
    function encode(Packet memory p) internal pure returns (bytes memory out) {
        validate(p);
        assembly ("memory-safe") {
            let payload := mload(add(p, 256))
            let n := mload(payload)
            out := mload(0x40)
            let o := add(out, 32)
            // version u8 | nonce u64 | source u64 (bytes 0 to 16)
            mstore(o, or(shl(248, VERSION), or(shl(184, mload(p)), shl(120, mload(add(p, 32))))))
            mstore(add(o, 17), mload(add(p, 64))) // sender (17 to 48)
            mstore(add(o, 49), shl(192, mload(add(p, 96)))) // destination u64 (49 to 56)
            mstore(add(o, 57), mload(add(p, 128))) // receiver (57 to 88)
            // flags u8 | timeout height u64 | timeout timestamp u64 | payload length u32 (89 to 109)
            let flags := mul(iszero(iszero(mload(add(p, 160)))), FLAG_ORDERED)
            mstore(
                add(o, 89),
                or(
                    or(shl(248, flags), shl(184, mload(add(p, 192)))),
                    or(shl(120, mload(add(p, 224))), shl(88, n))
                )
            )
            mcopy(add(o, HEADER_LEN), add(payload, 32), n)
            let len := add(HEADER_LEN, n)
            mstore(out, len)
            mstore(0x40, and(add(add(o, len), 31), not(31)))
        }
    }

    /// Decode untrusted bytes, reading the fields in order and reverting with the first failing
    /// check's name ([STRAIT-PACKET.5], [STRAIT-ERR.2]).
    function decode(bytes calldata b) internal pure returns (Packet memory p) {
        // A well-formed packet (every check below passes) is decoded at once, in assembly, into
        // `p`'s words in the struct's field order; any other is decoded check by check, for the
        // first failing check's name.
        bool ok;
        assembly ("memory-safe") {
            let o := b.offset
            let n := b.length
            let len := shr(224, calldataload(add(o, 106)))
            ok := and(
                and(iszero(lt(n, 110)), eq(shr(248, calldataload(o)), 1)),
                and(
                    and(
                        iszero(iszero(shr(192, calldataload(add(o, 1))))),
                        lt(shr(248, calldataload(add(o, 89))), 2)
                    ),
                    and(iszero(gt(len, 65536)), eq(n, add(110, len)))
                )
            )
            if ok {
                mstore(p, shr(192, calldataload(add(o, 1))))
                mstore(add(p, 0x20), shr(192, calldataload(add(o, 9))))
                mstore(add(p, 0x40), calldataload(add(o, 17)))
                mstore(add(p, 0x60), shr(192, calldataload(add(o, 49))))
                mstore(add(p, 0x80), calldataload(add(o, 57)))
                mstore(add(p, 0xa0), shr(248, calldataload(add(o, 89))))
                mstore(add(p, 0xc0), shr(192, calldataload(add(o, 90))))
                mstore(add(p, 0xe0), shr(192, calldataload(add(o, 98))))
                let payload := mload(0x40)
                mstore(payload, len)
                calldatacopy(add(payload, 32), add(o, 110), len)
                mstore(add(add(payload, 32), len), 0)
                mstore(0x40, and(add(add(payload, 63), len), not(31)))
                mstore(add(p, 0x100), payload)
            }
        }
        if (!ok) p = decodeChecked(b);
    }

    /// `decode`, check by check (smaller code: for a contract that decodes a packet rarely).
    function decodeChecked(bytes calldata b) internal pure returns (Packet memory p) {
        // Fields are read with `calldataload` at their offsets, each only after the length check
        // that covers it (a word read past the packet's end reads the bytes after it).
        uint256 n = b.length;
        uint256 o;
        assembly ("memory-safe") {
            o := b.offset
        }
        if (n < 1) revert Truncated();
        if (word(o, 0) >> 248 != VERSION) revert UnsupportedVersion();
        if (n < 9) revert Truncated();
        uint64 nonce = uint64(word(o, 1) >> 192);
        if (nonce == 0) revert ZeroNonce();
        p.nonce = nonce;
        // source, sender, destination, receiver, flags.
        if (n < 90) revert Truncated();
        p.sourceChain = uint64(word(o, 9) >> 192);
        p.sender = bytes32(word(o, 17));
        p.destinationChain = uint64(word(o, 49) >> 192);
        p.receiver = bytes32(word(o, 57));
        uint256 flags = word(o, 89) >> 248;
        if (flags & ~uint256(FLAG_ORDERED) != 0) revert UnknownFlags();
        p.ordered = flags == FLAG_ORDERED;
        // timeouts and payload length.
        if (n < HEADER_LEN) revert Truncated();
        p.timeoutHeight = uint64(word(o, 90) >> 192);
        p.timeoutTimestamp = uint64(word(o, 98) >> 192);
        uint256 len = word(o, 106) >> 224;
        if (len > MAX_PAYLOAD_LEN) revert TooLarge();
        if (n < HEADER_LEN + len) revert Truncated();
        if (n > HEADER_LEN + len) revert TrailingBytes();
        bytes memory payload;
        assembly ("memory-safe") {
            payload := mload(0x40)
            mstore(payload, len)
            calldatacopy(add(payload, 32), add(o, HEADER_LEN), len)
            // The last word's padding is zeroed, as Solidity's own copies do.
            mstore(add(add(payload, 32), len), 0)
            mstore(0x40, and(add(add(payload, 63), len), not(31)))
        }
        p.payload = payload;
    }

    /// Where a decoded packet's payload starts in calldata.
    function payloadOffset(bytes calldata packet) internal pure returns (uint256 o) {
        assembly ("memory-safe") {
            o := add(packet.offset, HEADER_LEN)
        }
    }

    /// The calldata word at `offset + off`.
    function word(uint256 offset, uint256 off) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(offset, off))
        }
    }

    /// The message id `keccak256("STRAIT/MESSAGE/v1" || packet)` of an encoded packet ([STRAIT-ID.1]).
    /// Hashed just past the free memory pointer, which is left as it was (nothing allocated).
    function messageId(bytes memory encoded) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, "STRAIT/MESSAGE/v1")
            let n := mload(encoded)
            mcopy(add(p, 17), add(encoded, 32), n)
            h := keccak256(p, add(17, n))
        }
    }

    /// `messageId` of a packet in calldata, copied once, just past the free memory pointer.
    function messageIdOf(bytes calldata encoded) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, "STRAIT/MESSAGE/v1")
            calldatacopy(add(p, 17), encoded.offset, encoded.length)
            h := keccak256(p, add(17, encoded.length))
        }
    }

    /// The route id `keccak256("STRAIT/ROUTE/v1" || source || sender || destination || receiver)`
    /// ([STRAIT-ROUTE.2]).
    function routeId(uint64 sourceChain, bytes32 sender, uint64 destinationChain, bytes32 receiver)
        internal
        pure
        returns (bytes32 h)
    {
        // The 95 bytes are written just past the free memory pointer, in ascending order (each
        // word overwrites the unused tail of the one before); nothing is allocated.
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, "STRAIT/ROUTE/v1")
            mstore(add(p, 15), shl(192, sourceChain))
            mstore(add(p, 23), sender)
            mstore(add(p, 55), shl(192, destinationChain))
            mstore(add(p, 63), receiver)
            h := keccak256(p, 95)
        }
    }

    /// The route id of a packet.
    /// Whether `a` and `b` are of one route (source, sender, destination and receiver).
    function sameRoute(Packet memory a, Packet memory b) internal pure returns (bool) {
        return a.sourceChain == b.sourceChain && a.sender == b.sender
            && a.destinationChain == b.destinationChain && a.receiver == b.receiver;
    }

    function routeOf(Packet memory p) internal pure returns (bytes32) {
        return routeId(p.sourceChain, p.sender, p.destinationChain, p.receiver);
    }

    /// An EVM address as an `Address32`: left-padded with zeros ([STRAIT-ID], §1).
    function toAddress32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }
}
