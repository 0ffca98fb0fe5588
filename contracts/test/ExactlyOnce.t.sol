// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {PacketCodec} from "../src/Packet.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {StraitFees} from "../src/StraitFees.sol";

/// [STRAIT-SETTLE.5] as a property: whatever mix of batches and single deliveries, repeated and
/// overlapping, relayers make, each message executes once, sends one outcome back, and each
/// outcome settles once at the source, splitting its locked payment once ([STRAIT-FEE.8]).
contract ExactlyOnceTest is NetTest {
    uint256 internal constant N = 8;

    /// forge-config: default.fuzz.runs = 64
    function testFuzz_each_message_executes_and_settles_once(uint256 seed) external {
        StraitFees fees = paidRoute();
        uint256 price = fees.quote(B_CHAIN, 50_000, 1);
        for (uint256 i = 0; i < N; ++i) {
            appA.sendPaid{value: price}(
                B_CHAIN, addr32(address(appB)), none, abi.encodePacked(uint8(i)), 50_000
            );
        }
        collect();
        bool[N] memory delivered;
        uint256 count;
        for (uint256 round = 0; round < 6; ++round) {
            uint256 r = uint256(keccak256(abi.encode(seed, round)));
            uint256 mask = r & ((1 << N) - 1);
            if (mask == 0) continue;
            if ((r >> 8) & 1 == 0) {
                // One single delivery (possibly a replay: then AlreadyReceived).
                uint256 i = (r >> 9) % N;
                (bytes memory proof, uint64 h) = prove(a, i);
                (bool ok,) =
                    address(b).call(abi.encodeCall(b.receiveMessage, (sent[address(a)][i], proof, h)));
                vm.assertEq(ok, !delivered[i], "a single delivery succeeds iff not yet received");
                if (ok && !delivered[i]) ++count;
                delivered[i] = true;
            } else {
                (bytes[] memory packets, bytes memory proof, uint64 h) = subset(a, 0, mask);
                uint256 fresh;
                for (uint256 i = 0; i < N; ++i) {
                    if (mask >> i & 1 == 1 && !delivered[i]) {
                        delivered[i] = true;
                        ++fresh;
                    }
                }
                vm.assertEq(b.receiveBatch(packets, proof, h), fresh, "a batch receives the new ones");
                count += fresh;
            }
            collect();
        }
        vm.assertEq(appB.received(), count, "each delivered message executed once");
        // One outcome entry per delivered message, over one outcome message per delivery that
        // executed something (all from appA).
        uint256 messages = b.outboxCount();
        uint256 entries;
        for (uint256 k = 0; k < messages; ++k) {
            entries += receipts.decodeOutcomePayload(codec.decode(sent[address(b)][k]).payload).entries.length;
        }
        vm.assertEq(entries, count, "one outcome each");
        if (count == 0) return;
        // Every outcome message back in one batch, then again: each outcome settles once.
        (bytes[] memory outcomes, bytes memory outProof, uint64 outH) = subset(b, 0, (1 << messages) - 1);
        vm.assertEq(a.receiveBatch(outcomes, outProof, outH), messages, "outcomes received");
        uint256 owed = fees.feesOwed(tx.origin) + fees.feesOwed(address(appA));
        vm.assertEq(owed, count * price, "each settled payment split once, in full");
        vm.assertEq(a.receiveBatch(outcomes, outProof, outH), 0, "and not again");
        vm.assertEq(fees.feesOwed(tx.origin) + fees.feesOwed(address(appA)), owed, "nothing split again");
        vm.assertEq(address(fees).balance, N * price, "every payment held");
        for (uint256 i = 0; i < N; ++i) {
            bytes32 id = PacketCodec.messageId(sent[address(a)][i]);
            vm.assertEq(appA.outcomes(id), delivered[i] ? 1 : 0, "settled once, or awaiting");
            vm.assertEq(a.isAwaiting(id), !delivered[i], "the record");
            vm.assertEq(fees.feeLock(id).amount, delivered[i] ? 0 : price, "the lock");
        }
    }

    /// The packets of `src`'s leaves `from + i` for the bits `i` of `mask`, with their multiproof
    /// against `src`'s root, held by the other side's verifier.
    function subset(StraitEndpoint src, uint256 from, uint256 mask)
        internal
        returns (bytes[] memory packets, bytes memory proof, uint64 h)
    {
        uint256 k;
        for (uint256 m = mask; m != 0; m &= m - 1) {
            ++k;
        }
        packets = new bytes[](k);
        uint256[] memory indices = new uint256[](k);
        uint256 j;
        for (uint256 i = 0; mask >> i != 0; ++i) {
            if (mask >> i & 1 == 1) {
                indices[j] = from + i;
                packets[j++] = sent[address(src)][from + i];
            }
        }
        proof = multiproof(naiveLevels(leaves[address(src)]), indices);
        h = ++height;
        verifierFor(src).setRoot(h, src.outboxRoot());
    }
}
