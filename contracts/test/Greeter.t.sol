// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {Greeter} from "../src/app/Greeter.sol";
import {StraitApp} from "../src/app/StraitApp.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {Receipt, OutcomeKind} from "../src/Receipt.sol";
import {IStraitEndpoint} from "../src/IStrait.sol";

/// The example application on the StraitApp base: greetings both ways, acknowledged, refused,
/// timed out, and messages from strangers refused.
contract GreeterTest is NetTest {
    Greeter internal ga;
    Greeter internal gb;

    function setUp() public override {
        super.setUp();
        ga = new Greeter(IStraitEndpoint(address(a)), address(this));
        gb = new Greeter(IStraitEndpoint(address(b)), address(this));
        ga.setPeer(B_CHAIN, addr32(address(gb)));
        gb.setPeer(A_CHAIN, addr32(address(ga)));
    }

    function greet(bytes memory greeting, uint64 timeoutHeight) internal returns (bytes32 id, uint256 index) {
        id = ga.greet(B_CHAIN, greeting, timeoutHeight);
        collect();
        index = sent[address(a)].length - 1;
    }

    function test_a_greeting_is_acknowledged() external {
        (bytes32 id, uint256 index) = greet("bonjour", 0);
        vm.assertEq(uint256(ga.status(id)), uint256(Greeter.Status.Pending), "pending");
        relay(a, index);
        vm.assertEq(gb.lastGreeting(A_CHAIN), "bonjour", "received");
        (, uint256 back) = lastSent(b);
        relay(b, back);
        vm.assertEq(uint256(ga.status(id)), uint256(Greeter.Status.Acknowledged), "acknowledged");
        vm.assertEq(ga.reply(id), "hello, bonjour", "reply");
    }

    function test_an_empty_greeting_fails_and_its_failure_comes_back() external {
        (bytes32 id, uint256 index) = greet("", 0);
        Receipt memory r = relay(a, index);
        vm.assertEq(r.outcome.code, 1, "refused");
        vm.prank(address(gb));
        b.finalizeFailed(
            sent[address(a)][index], abi.encodePacked(uint8(1), uint32(1), uint32(14), "empty greeting")
        );
        collect();
        (, uint256 back) = lastSent(b);
        relay(b, back);
        vm.assertEq(uint256(ga.status(id)), uint256(Greeter.Status.Failed), "failed");
        vm.assertEq(ga.reply(id), "empty greeting", "reason");
    }

    function test_a_late_greeting_times_out() external {
        (bytes32 id, uint256 index) = greet("late", 5);
        vm.roll(5);
        relay(a, index);
        (, uint256 back) = lastSent(b);
        relay(b, back);
        vm.assertEq(uint256(ga.status(id)), uint256(Greeter.Status.TimedOut), "timed out");
    }

    function test_a_stranger_is_refused() external {
        // appA is not gb's peer.
        appA.send(B_CHAIN, addr32(address(gb)), none, "hi");
        collect();
        Receipt memory r = relay(a, sent[address(a)].length - 1);
        vm.assertEq(r.outcome.code, gb.UNKNOWN_PEER(), "unknown peer");
        vm.expectRevert(abi.encodeWithSelector(StraitApp.NotEndpoint.selector, address(this)));
        gb.straitReceive(bytes32(0), A_CHAIN, addr32(address(ga)), 1, "x");
    }
}
