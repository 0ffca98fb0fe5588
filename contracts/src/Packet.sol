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

    /// The canonical encoding ([STRAIT-PACKET.1]) of a valid packet.
    function encode(Packet memory p) internal pure returns (bytes memory) {
        validate(p);
        return abi.encodePacked(
            VERSION,
            p.nonce,
            p.sourceChain,
            p.sender,
            p.destinationChain,
            p.receiver,
            p.ordered ? FLAG_ORDERED : 0,
            p.timeoutHeight,
            p.timeoutTimestamp,
            uint32(p.payload.length),
            p.payload
        );
    }

    /// Decode untrusted bytes, reading the fields in order and reverting with the first failing
    /// check's name ([STRAIT-PACKET.5], [STRAIT-ERR.2]).
    function decode(bytes calldata b) internal pure returns (Packet memory p) {
        uint256 n = b.length;
        if (n < 1) revert Truncated();
        if (uint8(b[0]) != VERSION) revert UnsupportedVersion();
        if (n < 9) revert Truncated();
        p.nonce = uint64(bytes8(b[1:9]));
        if (p.nonce == 0) revert ZeroNonce();
        // source, sender, destination, receiver, flags.
        if (n < 90) revert Truncated();
        p.sourceChain = uint64(bytes8(b[9:17]));
        p.sender = bytes32(b[17:49]);
        p.destinationChain = uint64(bytes8(b[49:57]));
        p.receiver = bytes32(b[57:89]);
        uint8 flags = uint8(b[89]);
        if (flags & ~FLAG_ORDERED != 0) revert UnknownFlags();
        p.ordered = flags == FLAG_ORDERED;
        // timeouts and payload length.
        if (n < HEADER_LEN) revert Truncated();
        p.timeoutHeight = uint64(bytes8(b[90:98]));
        p.timeoutTimestamp = uint64(bytes8(b[98:106]));
        uint256 len = uint32(bytes4(b[106:110]));
        if (len > MAX_PAYLOAD_LEN) revert TooLarge();
        if (n < HEADER_LEN + len) revert Truncated();
        if (n > HEADER_LEN + len) revert TrailingBytes();
        p.payload = b[HEADER_LEN:];
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
    function routeOf(Packet memory p) internal pure returns (bytes32) {
        return routeId(p.sourceChain, p.sender, p.destinationChain, p.receiver);
    }

    /// An EVM address as an `Address32`: left-padded with zeros ([STRAIT-ID], §1).
    function toAddress32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }
}
