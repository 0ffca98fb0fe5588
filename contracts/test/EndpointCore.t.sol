// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TestBase} from "./lib/Vm.sol";
import {CoreHarness} from "./lib/Harness.sol";
import {Packet} from "../src/Packet.sol";
import {Outcome, OutcomeKind, Receipt, ReceiptCodec} from "../src/Receipt.sol";
import {IStraitReceiver} from "../src/IStrait.sol";

/// What the endpoint writes in place on its delivery path is what Solidity's encoders and the
/// receipt codec write: the application's call and a receipt.
contract EndpointCoreTest is TestBase {
    CoreHarness internal core = new CoreHarness();

    /// `straitReceive`'s calldata for any payload length (0, within a word, at and past a word
    /// boundary, over dirty memory) is `abi.encodeCall`'s.
    function testFuzz_receive_call_is_abi(
        bytes32 id,
        uint64 source,
        bytes32 sender,
        uint64 nonce,
        bytes memory payload
    ) external view {
        Packet memory p;
        (p.sourceChain, p.sender, p.nonce, p.payload) = (source, sender, nonce, payload);
        vm.assertEq(
            core.receiveCallOf(p, id),
            abi.encodeCall(IStraitReceiver.straitReceive, (id, source, sender, nonce, payload)),
            "straitReceive calldata"
        );
    }

    function test_receive_call_at_word_boundaries() external view {
        uint256[7] memory lens = [uint256(0), 1, 31, 32, 33, 64, 100];
        for (uint256 i = 0; i < lens.length; ++i) {
            bytes memory payload = new bytes(lens[i]);
            for (uint256 j = 0; j < payload.length; ++j) {
                payload[j] = bytes1(uint8(j + 1));
            }
            Packet memory p;
            (p.sourceChain, p.sender, p.nonce, p.payload) = (7, bytes32(uint256(8)), 9, payload);
            vm.assertEq(
                core.receiveCallOf(p, bytes32(uint256(6))),
                abi.encodeCall(
                    IStraitReceiver.straitReceive, (bytes32(uint256(6)), 7, bytes32(uint256(8)), 9, payload)
                ),
                "straitReceive calldata"
            );
        }
    }

    /// An executed (any acknowledgement up to 4,096 bytes) or timed-out message's receipt, written
    /// in place, is the codec's; a failed one is the codec's own.
    function testFuzz_receipt_is_the_codecs(
        bytes32 id,
        bytes32 route,
        uint64 nonce,
        uint8 kind,
        bytes memory data
    ) external view {
        vm.assume(data.length <= ReceiptCodec.MAX_ACK_LEN);
        Outcome memory o;
        o.kind = OutcomeKind(kind % 3);
        if (o.kind == OutcomeKind.Executed) o.ack = data;
        if (o.kind == OutcomeKind.Failed) (o.code, o.reason) = (5, "no");
        vm.assertEq(
            core.receiptOfOutcome(id, route, nonce, o),
            ReceiptCodec.encodeReceipt(Receipt(id, route, nonce, uint64(block.number), o)),
            "receipt"
        );
    }
}
