// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {StraitCounter} from "../src/app/StraitCounter.sol";
import {Receipt, OutcomeKind} from "../src/Receipt.sol";
import {IStraitEndpoint} from "../src/IStrait.sol";

/// The devnet's EVM counter: counts what it receives per source, acknowledges with the count, and
/// counts the outcomes of what it sent; only the endpoint calls its callbacks.
contract StraitCounterTest is NetTest {
    StraitCounter internal ca;
    StraitCounter internal cb;

    function setUp() public override {
        super.setUp();
        ca = new StraitCounter(IStraitEndpoint(address(a)));
        cb = new StraitCounter(IStraitEndpoint(address(b)));
    }

    function test_counts_received_messages_and_their_outcomes() external {
        for (uint256 i = 0; i < 3; i++) {
            ca.send(B_CHAIN, addr32(address(cb)), "tick");
            collect();
            Receipt memory r = relay(a, sent[address(a)].length - 1);
            vm.assertEq(uint256(r.outcome.kind), uint256(OutcomeKind.Executed), "executed");
            vm.assertEq(r.outcome.ack, abi.encodePacked(uint64(i + 1)), "ack is the count");
            (, uint256 back) = lastSent(b);
            relay(b, back);
        }
        vm.assertEq(cb.received(A_CHAIN), 3, "received from a");
        vm.assertEq(cb.receivedTotal(), 3, "received in total");
        vm.assertEq(ca.acked(), 3, "outcomes back");
        vm.assertEq(ca.failedOutcomes() + ca.timedOut(), 0, "no other outcome");
    }

    function test_only_the_endpoint_calls_back() external {
        vm.expectRevert(abi.encodeWithSelector(StraitCounter.NotEndpoint.selector, address(this)));
        ca.straitReceive(bytes32(0), B_CHAIN, bytes32(0), 1, "");
    }
}
