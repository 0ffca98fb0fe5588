// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Packet, PacketCodec} from "../../src/Packet.sol";
import {EndpointBase} from "../../src/EndpointBase.sol";
import {EndpointCore} from "../../src/EndpointCore.sol";
import {StraitFees} from "../../src/StraitFees.sol";
import {MerkleTree} from "../../src/MerkleTree.sol";
import {MerkleProof} from "../../src/MerkleProof.sol";
import {MerkleMultiProof} from "../../src/MerkleMultiProof.sol";
import {ReplayBitmap} from "../../src/ReplayBitmap.sol";
import {Receipt, Outcome, OutcomeEntry, OutcomePayload, ReceiptCodec} from "../../src/Receipt.sol";

/// An outcome payload with one entry, flattened (`ReceiptHarness.decodeSingleOutcome`).
struct SingleOutcome {
    bytes32 id;
    bytes32 deliverer;
    uint64 gasUsed;
    Outcome outcome;
}

/// The libraries behind external functions, so that tests pass them calldata and see their reverts.
contract PacketHarness {
    function decode(bytes calldata b) external pure returns (Packet memory) {
        return PacketCodec.decode(b);
    }

    function decodeChecked(bytes calldata b) external pure returns (Packet memory) {
        return PacketCodec.decodeChecked(b);
    }

    function encode(Packet memory p) external pure returns (bytes memory) {
        return PacketCodec.encode(p);
    }
}

contract MerkleHarness {
    using MerkleTree for MerkleTree.Tree;

    MerkleTree.Tree internal tree;
    uint256 public count;

    function append(bytes32 id) external returns (uint256 leafIndex) {
        leafIndex = count;
        tree.append(leafIndex, id);
        count = leafIndex + 1;
    }

    function root() external view returns (bytes32) {
        return tree.root(count);
    }

    function load(bytes calldata encoded) external {
        count = tree.load(encoded);
    }

    function state() external view returns (bytes memory) {
        return tree.encodeState(count);
    }

    function proofRoot(bytes32 id, bytes calldata proof)
        external
        pure
        returns (bytes32 root_, uint256 index)
    {
        return MerkleProof.rootOf(id, proof);
    }

    function verifyProof(bytes32 id, bytes calldata proof, bytes32 root_) external pure returns (uint256) {
        return MerkleProof.verify(id, proof, root_);
    }

    function rootOfPath(bytes32 id, uint256 index, bytes32[32] memory siblings)
        external
        pure
        returns (bytes32)
    {
        return MerkleProof.rootOfPath(id, index, siblings);
    }

    function checkMultiProof(bytes calldata proof) external pure {
        MerkleMultiProof.check(proof);
    }

    function verifyMultiProof(bytes calldata proof, bytes32[] calldata ids, bytes32 root_) external pure {
        MerkleMultiProof.verify(proof, ids, root_);
    }
}

contract BitmapHarness {
    using ReplayBitmap for ReplayBitmap.Bitmap;

    mapping(bytes32 route => ReplayBitmap.Bitmap) internal received;
    /// Scan bounds of this harness: the endpoint's, or smaller ones that tests cross cheaply.
    uint256 internal immutable scanWords;
    uint256 internal immutable advanceWords;

    constructor(uint256 scanWords_, uint256 advanceWords_) {
        scanWords = scanWords_;
        advanceWords = advanceWords_;
    }

    function markReceived(bytes32 route, uint64 nonce) external {
        received[route].markReceived(nonce, scanWords);
    }

    function checkOrder(bytes32 route, uint64 nonce) external view {
        received[route].checkOrder(nonce, scanWords);
    }

    function advance(bytes32 route) external returns (uint64, uint64) {
        return received[route].advance(advanceWords);
    }

    function isReceived(bytes32 route, uint64 nonce) external view returns (bool) {
        return received[route].isReceived(nonce);
    }

    function contiguous(bytes32 route) external view returns (uint64) {
        return received[route].contiguous;
    }

    function wordAt(bytes32 route, uint256 word) external view returns (uint256) {
        return received[route].wordAt(word);
    }

    /// Test setup only: write a whole bitmap word (256 nonces at once), raising the highest
    /// nonce received to the word's last (bits above the highest nonce are read as clear).
    function setWord(bytes32 route, uint256 word, uint256 bits) external {
        received[route].words[word] = bits;
        uint256 last = word * 256 + 255;
        if (last > type(uint64).max) last = type(uint64).max;
        if (last > received[route].highest) received[route].highest = uint64(last);
    }

    function lowestBit(uint256 x) external pure returns (uint256) {
        return ReplayBitmap.lowestBit(x);
    }
}

contract ReceiptHarness {
    function decodeReceipt(bytes calldata b) external pure returns (Receipt memory) {
        return ReceiptCodec.decodeReceipt(b);
    }

    function encodeReceipt(Receipt memory r) external pure returns (bytes memory) {
        return ReceiptCodec.encodeReceipt(r);
    }

    function decodeOutcomePayload(bytes calldata b) external pure returns (OutcomePayload memory) {
        return ReceiptCodec.decodeOutcomePayload(b);
    }

    function encodeOutcomePayload(OutcomePayload memory q) external pure returns (bytes memory) {
        return ReceiptCodec.encodeOutcomePayload(q);
    }

    /// The entry of an outcome payload that has exactly one.
    function decodeSingleOutcome(bytes calldata b) external pure returns (SingleOutcome memory q) {
        OutcomePayload memory p = ReceiptCodec.decodeOutcomePayload(b);
        require(p.entries.length == 1, "not one entry");
        OutcomeEntry memory e = p.entries[0];
        return SingleOutcome(e.id, p.deliverer, e.gasUsed, e.outcome);
    }

    function decodeOutcome(bytes calldata b) external pure returns (Outcome memory) {
        return ReceiptCodec.decodeOutcome(b);
    }

    function isUtf8(bytes calldata s) external pure returns (bool) {
        return ReceiptCodec.isUtf8(s);
    }

    function boundedReason(bytes calldata s) external pure returns (bytes memory) {
        return ReceiptCodec.boundedReason(s);
    }
}

/// The endpoint's shared code (`EndpointCore`) behind external calls, over dirty free memory: what
/// it writes in place, to be compared with Solidity's own encodings.
contract CoreHarness is EndpointCore {
    constructor() EndpointBase(StraitFees(address(0))) {}

    function settleMessage(Packet memory, bytes calldata) internal pure override returns (Outcome memory o) {}

    function hasOpenEntry(Checked memory) internal pure override returns (bool) {}

    function receiveCallOf(Packet memory p, bytes32 id) external pure returns (bytes memory) {
        dirty();
        return receiveCall(p, id);
    }

    /// Fill the free memory past the free memory pointer with ones (it is not moved): what is
    /// written in place must not depend on free memory being zero.
    function dirty() internal pure {
        assembly ("memory-safe") {
            let q := mload(0x40)
            for { let i := 0 } lt(i, 5000) { i := add(i, 32) } { mstore(add(q, i), not(0)) }
        }
    }

    function receiptOfOutcome(bytes32 id, bytes32 route, uint64 nonce, Outcome memory o)
        external
        view
        returns (bytes memory)
    {
        Checked memory c;
        c.p.nonce = nonce;
        (c.id, c.route) = (id, route);
        dirty();
        return receiptOf(c, o);
    }
}
