// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {StraitCounter} from "../src/app/StraitCounter.sol";
import {Receipt, OutcomeKind} from "../src/Receipt.sol";
import {IStraitEndpoint} from "../src/IStrait.sol";
import {TestVerifier} from "./lib/Fixtures.sol";
import {RootNotVerified} from "../src/Errors.sol";

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

    /// Its deployer, and no one else, chooses the verifier it trusts per source; 0 is the default.
    function test_the_owner_sets_its_security_config() external {
        TestVerifier own = new TestVerifier(A_CHAIN);
        vm.assertTrue(cb.owner() == address(this), "the deployer owns it");
        vm.assertTrue(b.verifierOf(addr32(address(cb)), A_CHAIN) == address(vb), "the default at first");
        cb.setSecurityConfig(A_CHAIN, address(own));
        vm.assertTrue(b.verifierOf(addr32(address(cb)), A_CHAIN) == address(own), "its own verifier");
        vm.assertTrue(b.verifierOf(addr32(address(cb)), 7) == address(0), "other sources untouched");

        // A message proven only to the default verifier is not delivered to it now.
        ca.send(B_CHAIN, addr32(address(cb)), "tick");
        collect();
        uint256 index = sent[address(a)].length - 1;
        (bytes memory proof, uint64 h) = prove(a, index);
        vm.expectRevert(abi.encodeWithSelector(RootNotVerified.selector, address(own), h));
        b.receiveMessage(sent[address(a)][index], proof, h);
        vm.assertEq(cb.received(A_CHAIN), 0, "nothing counted");

        address stranger = address(0xbad);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(StraitCounter.NotOwner.selector, stranger));
        cb.setSecurityConfig(A_CHAIN, address(0));

        cb.setSecurityConfig(A_CHAIN, address(0));
        vm.assertTrue(b.verifierOf(addr32(address(cb)), A_CHAIN) == address(vb), "back to the default");
        relay(a, index);
        vm.assertEq(cb.received(A_CHAIN), 1, "delivered under the default");
    }
}
