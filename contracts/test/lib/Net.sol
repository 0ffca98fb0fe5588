// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {deployEndpoint} from "./Deploy.sol";
import {VectorTest} from "./Vectors.sol";
import {Vm} from "./Vm.sol";
import {TreeBuilder} from "./Tree.sol";
import {TestVerifier, ProbeApp} from "./Fixtures.sol";
import {PacketHarness, ReceiptHarness} from "./Harness.sol";
import {EndpointCore} from "../../src/EndpointCore.sol";
import {StraitEndpoint} from "../../src/StraitEndpoint.sol";
import {EndpointBase, DeliveryOptions} from "../../src/EndpointBase.sol";
import {Packet, PacketCodec} from "../../src/Packet.sol";
import {MerkleHash} from "../../src/MerkleHash.sol";
import {Receipt, Outcome, OutcomeKind} from "../../src/Receipt.sol";
import {StraitGuardians, IPausable} from "../../src/StraitGuardians.sol";
import {StraitFees, FeeOracle} from "../../src/StraitFees.sol";

/// Two endpoints (chains 1 and 2) on one EVM, each trusting a test verifier of the other, with a
/// probe application on each, and a relayer's helpers: the Sent packets and each outbox's leaves
/// collected from the logs, proofs built from a naive tree, roots set on the verifier.
abstract contract NetTest is VectorTest, TreeBuilder {
    uint64 internal constant A_CHAIN = 1;
    uint64 internal constant B_CHAIN = 2;

    StraitEndpoint internal a;
    StraitEndpoint internal b;
    TestVerifier internal va; // on A, follows B
    TestVerifier internal vb; // on B, follows A
    ProbeApp internal appA;
    ProbeApp internal appB;
    PacketHarness internal codec = new PacketHarness();
    ReceiptHarness internal receipts = new ReceiptHarness();

    mapping(address endpoint => bytes32[]) internal leaves;
    /// Packets sent by each endpoint, by leaf index.
    mapping(address endpoint => bytes[]) internal sent;
    /// Receipts emitted by `Received` since the last `collect`, in order.
    bytes[] internal lastReceipts;
    bytes32[] internal lastSkipped;
    /// Ids of `Settled` events since the last `collect`, in order.
    bytes32[] internal lastSettled;
    uint64 internal height = 100;

    DeliveryOptions internal none;

    function setUp() public virtual {
        vm.chainId(A_CHAIN);
        a = deployEndpoint(address(this), address(this));
        vm.chainId(B_CHAIN);
        b = deployEndpoint(address(this), address(this));
        a.setRemoteChain(B_CHAIN, true);
        b.setRemoteChain(A_CHAIN, true);
        va = new TestVerifier(B_CHAIN);
        vb = new TestVerifier(A_CHAIN);
        a.setDefaultVerifier(B_CHAIN, address(va));
        b.setDefaultVerifier(A_CHAIN, address(vb));
        appA = new ProbeApp(a);
        appB = new ProbeApp(b);
        vm.recordLogs();
    }

    function addr32(address x) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(x)));
    }

    /// Read the logs since the last call: Sent packets and leaves, Received receipts, Skipped and
    /// Settled ids.
    function collect() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        delete lastReceipts;
        delete lastSkipped;
        delete lastSettled;
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.topics.length == 0) continue;
            if (l.topics[0] == EndpointBase.Sent.selector) {
                leaves[l.emitter].push(MerkleHash.leaf(l.topics[1]));
                (, bytes memory packet) = abi.decode(l.data, (uint32, bytes));
                sent[l.emitter].push(packet);
            } else if (l.topics[0] == EndpointCore.Received.selector) {
                bytes memory receipt = abi.decode(l.data, (bytes));
                // Every receipt is canonical: what the codec encodes from what it decodes (the
                // endpoint writes an executed or timed-out message's receipt in place).
                vm.assertEq(
                    receipts.encodeReceipt(receipts.decodeReceipt(receipt)), receipt, "canonical receipt"
                );
                Receipt memory r = receipts.decodeReceipt(receipt);
                vm.assertEq(r.id, l.topics[1], "the receipt's id");
                vm.assertEq(r.height, block.number, "the receipt's height");
                lastReceipts.push(receipt);
            } else if (l.topics[0] == EndpointCore.Skipped.selector) {
                lastSkipped.push(l.topics[1]);
            } else if (l.topics[0] == EndpointCore.Settled.selector) {
                lastSettled.push(l.topics[1]);
            }
        }
    }

    /// appA sends `payload` to appB; returns the packet and its leaf index.
    function sendAB(bytes memory payload, DeliveryOptions memory options)
        internal
        returns (bytes memory packet, uint256 index)
    {
        appA.send(B_CHAIN, addr32(address(appB)), options, payload);
        collect();
        index = sent[address(a)].length - 1;
        packet = sent[address(a)][index];
    }

    /// The verifier on the other side of `src`.
    function verifierFor(StraitEndpoint src) internal view returns (TestVerifier) {
        return address(src) == address(a) ? vb : va;
    }

    /// A proof of leaf `index` of `src`'s outbox against its current root, which the destination's
    /// verifier now holds at a fresh height.
    function prove(StraitEndpoint src, uint256 index) internal returns (bytes memory proof, uint64 h) {
        h = ++height;
        verifierFor(src).setRoot(h, src.outboxRoot());
        proof = inclusionProof(naiveLevels(leaves[address(src)]), index);
    }

    /// Relay leaf `index` of `src` to the other endpoint; returns its receipt.
    function relay(StraitEndpoint src, uint256 index) internal returns (Receipt memory) {
        (bytes memory proof, uint64 h) = prove(src, index);
        StraitEndpoint dst = address(src) == address(a) ? b : a;
        dst.receiveMessage(sent[address(src)][index], proof, h);
        collect();
        return receipts.decodeReceipt(lastReceipts[0]);
    }

    /// The last packet `src` sent (an outcome message after a delivery to `src`'s chain).
    function lastSent(StraitEndpoint src) internal view returns (bytes memory packet, uint256 index) {
        index = sent[address(src)].length - 1;
        packet = sent[address(src)][index];
    }

    /// Deliver a hand-made packet to `dst` under a root of its own (a one-leaf tree) that `dst`'s
    /// verifier trusts: for outcome messages and packets no endpoint would send.
    function deliverCrafted(StraitEndpoint dst, Packet memory p) internal returns (bytes memory packet) {
        packet = codec.encode(p);
        bytes32[] memory one = new bytes32[](1);
        one[0] = MerkleHash.leaf(PacketCodec.messageId(packet));
        bytes32[][] memory levels = naiveLevels(one);
        uint64 h = ++height;
        (address(dst) == address(a) ? va : vb).setRoot(h, naiveRoot(levels));
        dst.receiveMessage(packet, inclusionProof(levels, 0), h);
        collect();
    }

    function outcomeKind(Receipt memory r) internal pure returns (uint256) {
        return uint256(r.outcome.kind);
    }

    /// A fee oracle for A to B, set by a one-guardian `StraitGuardians`; this contract funded.
    function paidRoute() internal returns (StraitFees fees) {
        StraitGuardians g = new StraitGuardians(IPausable(address(a)), address(this));
        address[] memory set = new address[](1);
        set[0] = address(this);
        g.setGuardians(set, 1, 1);
        a.setPauser(address(g));
        g.approveFeeOracle(
            B_CHAIN, FeeOracle({gasPrice: 3, baseDelivery: 100, perByte: 1, ackFee: 50}), g.counter()
        );
        vm.deal(address(this), 1 ether);
        return a.fees();
    }
}
