// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {NoopApp} from "./lib/Fixtures.sol";
import {FinalTestVerifier} from "./lib/RouteFixtures.sol";
import {IStraitVerifier} from "../src/IStrait.sol";
import {OptimisticVerifier} from "../src/optimistic/OptimisticVerifier.sol";
import {RouteSecurity} from "../src/route/RouteSecurity.sol";

/// Gas per delivered message under the optimistic verifier (a proposal settled, then the
/// delivery) and under a route security of "a verifier AND 2 of 3, 2 blocks final", each call its
/// own transaction, for one message and for a batch of 64 under one root; the receiving
/// application does nothing (as test/CommitteeGas.t.sol).
contract OptimisticGasTest is NetTest {
    uint64 internal constant WINDOW = 600_000;
    uint128 internal constant BOND = 1 ether;
    bytes32 internal noop;

    function setUp() public override {
        super.setUp();
        noop = addr32(address(new NoopApp()));
        vm.warp(1_700_000_000);
        vm.deal(address(this), 100 ether);
    }

    function sendN(uint256 n) internal returns (bytes[] memory packets, uint256[] memory indices) {
        uint256 from = sent[address(a)].length;
        for (uint256 i = 0; i < n; ++i) {
            a.send(B_CHAIN, noop, none, abi.encodePacked(uint64(i)));
        }
        collect();
        packets = new bytes[](n);
        indices = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            packets[i] = sent[address(a)][from + i];
            indices[i] = from + i;
        }
    }

    /// A's outbox as it is now, proposed at a fresh height and settled after the window.
    function proposeAndSettle(OptimisticVerifier v, string memory what) internal returns (uint64 h) {
        h = ++height;
        v.propose{value: BOND}(abi.encodePacked(h, a.outboxRoot(), uint64(a.outboxCount())));
        vm.snapshotGasLastCall(string.concat("optimistic: propose, ", what));
        vm.warp(block.timestamp + WINDOW / 1000);
        vm.assertTrue(v.settle(h), "settled");
        vm.snapshotGasLastCall(string.concat("optimistic: settle, ", what));
    }

    function test_gas_optimistic() external {
        bytes memory config = abi.encodePacked(WINDOW, BOND, uint16(0), uint16(0));
        OptimisticVerifier v = new OptimisticVerifier(A_CHAIN, address(vb), address(this), config);
        b.setDefaultVerifier(A_CHAIN, address(v));
        string[2] memory which = ["first of its route", "second of its route"];
        for (uint256 round = 0; round < 2; ++round) {
            (bytes[] memory one, uint256[] memory index) = sendN(1);
            uint64 h = proposeAndSettle(v, string.concat("one message, ", which[round]));
            b.receiveMessage(one[0], inclusionProof(naiveLevels(leaves[address(a)]), index[0]), h);
            vm.snapshotGasLastCall(string.concat("optimistic: receive one message, ", which[round]));
        }
        (bytes[] memory packets, uint256[] memory indices) = sendN(64);
        uint64 hb = proposeAndSettle(v, "a batch of 64");
        vm.assertEq(
            b.receiveBatch(packets, multiproof(naiveLevels(leaves[address(a)]), indices), hb),
            64,
            "all received"
        );
        vm.snapshotGasLastCall("optimistic: receive a batch of 64");
        v.withdraw(address(this));
        vm.snapshotGasLastCall("optimistic: withdraw the bonds");
    }

    /// Route security with four test verifiers (roots set by hand, so this is the composition's
    /// own cost: eight member calls per message, `rootAt` and `latestHeight`).
    function test_gas_route_security() external {
        FinalTestVerifier[4] memory m;
        for (uint256 i = 0; i < 4; ++i) {
            m[i] = new FinalTestVerifier(A_CHAIN);
        }
        for (uint256 i = 0; i < 4; ++i) {
            for (uint256 j = i + 1; j < 4; ++j) {
                if (address(m[j]) < address(m[i])) (m[i], m[j]) = (m[j], m[i]);
            }
        }
        address[] memory required = new address[](1);
        required[0] = address(m[0]);
        address[] memory optional = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            optional[i] = address(m[i + 1]);
        }
        RouteSecurity route = new RouteSecurity(A_CHAIN, required, optional, 2, 2);
        b.setDefaultVerifier(A_CHAIN, address(route));
        string[2] memory which = ["first of its route", "second of its route"];
        for (uint256 round = 0; round < 3; ++round) {
            bool batch = round == 2;
            (bytes[] memory packets, uint256[] memory indices) = sendN(batch ? 64 : 1);
            uint64 h = ++height;
            for (uint256 i = 0; i < 3; ++i) {
                m[i].record(h, a.outboxRoot());
                m[i].record(h + 2, bytes32(uint256(1)));
            }
            bytes32[][] memory levels = naiveLevels(leaves[address(a)]);
            if (batch) {
                vm.assertEq(b.receiveBatch(packets, multiproof(levels, indices), h), 64, "all received");
                vm.snapshotGasLastCall(
                    "route security, 1 required and 2 of 3, 2 blocks final: receive a batch of 64"
                );
            } else {
                b.receiveMessage(packets[0], inclusionProof(levels, indices[0]), h);
                vm.snapshotGasLastCall(
                    string.concat(
                        "route security, 1 required and 2 of 3, 2 blocks final: receive one message, ",
                        which[round]
                    )
                );
            }
        }
    }

    receive() external payable {}
}
