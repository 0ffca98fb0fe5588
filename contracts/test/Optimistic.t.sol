// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {VectorTest} from "./lib/Vectors.sol";
import {TestVerifier} from "./lib/Fixtures.sol";
import {OptimisticVerifier} from "../src/optimistic/OptimisticVerifier.sol";
import {OptimisticCodec, OptimisticConfig, Proposal} from "../src/optimistic/OptimisticCodec.sol";
import "../src/Errors.sol";

/// The optimistic verifier (SPEC §13): docs/vectors/optimistic.json (configurations, proposals,
/// conflict evidence) and the Rust core's cases (crates/core/optimistic/src/tests.rs).
contract OptimisticTest is VectorTest {
    uint64 internal constant SOURCE = 1;
    uint64 internal constant WINDOW = 600_000; // ms: 10 minutes
    uint128 internal constant BOND = 1_000_000;
    address internal constant GUARDIAN = address(0x6a);
    address internal constant WATCHER = address(0x99);

    TestVerifier internal lc = new TestVerifier(SOURCE);

    function setUp() public {
        vm.warp(1);
    }

    function addr(uint256 x) internal pure returns (address) {
        return address(uint160(x));
    }

    function config(address[] memory proposers, address[] memory watchers)
        internal
        pure
        returns (bytes memory c)
    {
        c = abi.encodePacked(WINDOW, BOND, uint16(proposers.length));
        for (uint256 i = 0; i < proposers.length; ++i) {
            c = bytes.concat(c, bytes32(uint256(uint160(proposers[i]))));
        }
        c = bytes.concat(c, bytes2(uint16(watchers.length)));
        for (uint256 i = 0; i < watchers.length; ++i) {
            c = bytes.concat(c, bytes32(uint256(uint160(watchers[i]))));
        }
    }

    function none() internal pure returns (address[] memory) {
        return new address[](0);
    }

    function two(address x, address y) internal pure returns (address[] memory l) {
        l = new address[](2);
        (l[0], l[1]) = (x, y);
    }

    function one(address x) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = x;
    }

    function client(address[] memory proposers, address[] memory watchers)
        internal
        returns (OptimisticVerifier)
    {
        return new OptimisticVerifier(SOURCE, address(lc), GUARDIAN, config(proposers, watchers));
    }

    function proposal(uint64 height, uint256 root) internal pure returns (bytes memory) {
        return abi.encodePacked(height, bytes32(root), uint64(3));
    }

    function propose(OptimisticVerifier v, address who, uint64 height, uint256 root) internal {
        vm.deal(who, BOND);
        vm.prank(who);
        v.propose{value: BOND}(proposal(height, root));
    }

    function rootOf(OptimisticVerifier v, uint64 height) internal view returns (bytes32 r) {
        (,, r) = v.rootAt(height);
    }

    /// Seconds at which a proposal made at `t` seconds matures.
    function matured(uint256 t) internal pure returns (uint256) {
        return t + WINDOW / 1000;
    }

    /// The vectors' names, this suite's first.
    function nameToSelector(string memory name) internal pure returns (bytes4) {
        bytes32 n = keccak256(bytes(name));
        if (n == keccak256("ZeroWindow")) return ZeroWindow.selector;
        if (n == keccak256("WindowTooLong")) return WindowTooLong.selector;
        if (n == keccak256("ZeroBond")) return ZeroBond.selector;
        if (n == keccak256("NotAscending")) return NotAscending.selector;
        return selectorOf(name);
    }

    function assertNamed(bool ok, bytes memory ret, string memory expected, string memory label)
        internal
        pure
    {
        if (bytes(expected).length == 0) {
            vm.assertTrue(ok, string.concat(label, ": expected success"));
            return;
        }
        vm.assertTrue(!ok && ret.length >= 4, string.concat(label, ": expected ", expected));
        vm.assertEq(
            bytes32(bytes4(ret)), bytes32(nameToSelector(expected)), string.concat(label, ": ", expected)
        );
    }

    function createWith(bytes memory c) external returns (address) {
        return address(new OptimisticVerifier(SOURCE, address(lc), GUARDIAN, c));
    }

    function test_vectors_configs() external {
        string memory json = vectors("optimistic.json");
        uint256 n = count(json, ".configs");
        for (uint256 i = 0; i < n; ++i) {
            string memory key = item(".configs", i);
            bytes memory enc = encoding(json, string.concat(key, ".encoding"));
            string memory label = vm.parseJsonString(json, string.concat(key, ".name"));
            (bool ok, bytes memory ret) = address(this).call(abi.encodeCall(this.createWith, (enc)));
            assertNamed(ok, ret, errorName(json, key), label);
            if (!ok) continue;
            OptimisticVerifier v = OptimisticVerifier(abi.decode(ret, (address)));
            vm.assertEq(v.config(), enc, label);
            OptimisticConfig memory c = OptimisticCodec.decodeConfig(enc);
            vm.assertEq(OptimisticCodec.encodeConfig(c), enc, string.concat(label, ": re-encodes"));
            vm.assertEq(uint256(v.windowMs()), c.windowMs, "window");
            vm.assertEq(uint256(v.bond()), c.bond, "bond");
            vm.assertEq(v.anyoneProposes(), c.proposers.length == 0, "anyone proposes");
        }
    }

    function test_vectors_proposals() external {
        string memory json = vectors("optimistic.json");
        uint256 n = count(json, ".proposals");
        for (uint256 i = 0; i < n; ++i) {
            string memory key = item(".proposals", i);
            bytes memory enc = encoding(json, string.concat(key, ".encoding"));
            string memory label = vm.parseJsonString(json, string.concat(key, ".name"));
            OptimisticVerifier v = client(none(), none());
            vm.deal(address(this), BOND);
            (bool ok, bytes memory ret) = address(v).call{value: BOND}(abi.encodeCall(v.propose, (enc)));
            assertNamed(ok, ret, errorName(json, key), label);
            if (!ok) continue;
            uint64 height = uint64(bytes8(enc));
            (bytes32 r, uint64 leaves,,) = v.pendingProposal(height);
            bytes32 expected;
            assembly ("memory-safe") {
                expected := mload(add(enc, 40))
            }
            vm.assertEq(r, expected, label);
            vm.assertEq(abi.encodePacked(height, r, leaves), enc, string.concat(label, ": re-encodes"));
        }
    }

    /// The evidence vector ([STRAIT-CONFLICT.4]): its claim replayed against a pending proposal of
    /// the accused root (discarded, the bond paid to the submitter) and against a settled one
    /// (frozen), with the reference holding the reference root.
    function test_vectors_evidence() external {
        string memory json = vectors("optimistic.json");
        uint256 n = count(json, ".evidence");
        for (uint256 i = 0; i < n; ++i) {
            string memory key = item(".evidence", i);
            bytes memory e = encoding(json, string.concat(key, ".encoding"));
            if (bytes(errorName(json, key)).length != 0) continue;
            vm.assertEq(e.length, 96, "evidence length");
            uint64 height;
            uint64 source;
            bytes32 accused;
            bytes32 referenceRoot;
            assembly ("memory-safe") {
                height := shr(192, mload(add(e, 48)))
                source := shr(192, mload(add(e, 56)))
                accused := mload(add(e, 64))
                referenceRoot := mload(add(e, 96))
            }
            TestVerifier refVerifier = new TestVerifier(source);
            refVerifier.setRoot(height, referenceRoot);
            OptimisticVerifier v =
                new OptimisticVerifier(source, address(refVerifier), GUARDIAN, config(none(), none()));
            propose(v, addr(1), height, uint256(accused));
            vm.prank(addr(7));
            v.submitConflict(height);
            vm.assertEq(v.bondsOwed(addr(7)), BOND, "the disputer is paid the bond");
            vm.assertTrue(!v.frozen(), "a pending proposal caught in time freezes nothing");
            v = new OptimisticVerifier(source, address(refVerifier), GUARDIAN, config(none(), none()));
            propose(v, addr(1), height, uint256(accused));
            vm.warp(block.timestamp + WINDOW / 1000);
            vm.assertTrue(v.settle(height), "settled");
            v.submitConflict(height);
            vm.assertTrue(v.frozen(), "a settled root contradicted freezes the client");
        }
    }

    function test_a_root_counts_only_once_its_window_has_passed() external {
        OptimisticVerifier v = client(one(addr(1)), none());
        propose(v, addr(1), 5, 7);
        (,,, uint64 matures) = v.pendingProposal(5);
        vm.assertEq(uint256(matures), 1000 + WINDOW, "matures a window after, in ms");
        vm.assertEq(rootOf(v, 5), bytes32(0), "pending: not verified");
        vm.warp(matured(1) - 1);
        vm.assertTrue(!v.settle(5), "a second early: nothing settles");
        vm.assertEq(rootOf(v, 5), bytes32(0), "still nothing");
        vm.assertEq(uint256(v.latestHeight()), 0, "latest 0");
        vm.warp(matured(1));
        vm.assertTrue(v.settle(5), "settles at the window's end");
        vm.assertEq(rootOf(v, 5), bytes32(uint256(7)), "verified");
        vm.assertEq(uint256(v.latestHeight()), 5, "latest");
        vm.warp(type(uint32).max);
        vm.assertTrue(!v.settle(5), "once");
        // The bond comes back exactly once.
        vm.assertEq(v.bondsOwed(addr(1)), BOND, "credited");
        vm.prank(addr(1));
        vm.assertEq(v.withdraw(addr(0xbeef11)), BOND, "withdrawn");
        vm.assertEq(addr(0xbeef11).balance, BOND, "paid");
        vm.prank(addr(1));
        vm.assertEq(v.withdraw(addr(0xbeef11)), 0, "nothing twice");
        vm.assertEq(address(v).balance, 0, "no bond left");
    }

    function test_proposals_are_bounded_per_client_and_strictly_increasing_in_height() external {
        OptimisticVerifier v = client(none(), none());
        for (uint64 h = 1; h <= 64; ++h) {
            propose(v, addr(h), h, 1);
        }
        vm.assertEq(v.pendingList().length, 64, "64 pending");
        vm.deal(addr(1), BOND);
        vm.prank(addr(1));
        vm.expectRevert(abi.encodeWithSelector(TooManyPending.selector, 64, 64));
        v.propose{value: BOND}(proposal(100, 1));
        // A settled one frees a place.
        vm.warp(matured(1));
        vm.assertTrue(v.settle(1), "settled");
        propose(v, addr(1), 100, 1);
        uint64[3] memory lower = [uint64(100), 99, 1];
        for (uint256 i = 0; i < 3; ++i) {
            vm.deal(addr(1), BOND);
            vm.prank(addr(1));
            vm.expectRevert(abi.encodeWithSelector(HeightNotIncreasing.selector, lower[i], 100));
            v.propose{value: BOND}(proposal(lower[i], 1));
        }
        vm.assertEq(v.pendingList().length, 64, "64 pending");
    }

    function test_only_listed_proposers_propose_and_pay_the_bond() external {
        OptimisticVerifier v = client(two(addr(1), addr(3)), none());
        vm.deal(addr(2), BOND);
        vm.prank(addr(2));
        vm.expectRevert(abi.encodeWithSelector(NotProposer.selector, addr(2)));
        v.propose{value: BOND}(proposal(1, 1));
        vm.deal(addr(3), BOND);
        vm.prank(addr(3));
        vm.expectRevert(abi.encodeWithSelector(InsufficientBalance.selector, BOND - 1, BOND));
        v.propose{value: BOND - 1}(proposal(1, 1));
        vm.deal(addr(3), BOND + 1);
        vm.prank(addr(3));
        vm.expectRevert(abi.encodeWithSelector(UnexpectedValue.selector, BOND + 1));
        v.propose{value: BOND + 1}(proposal(1, 1));
        propose(v, addr(3), 1, 1);
        vm.assertEq(address(v).balance, BOND, "the bond is held");
    }

    function test_a_discarded_proposal_never_counts_and_heights_stay_monotonic() external {
        OptimisticVerifier v = client(none(), none());
        propose(v, addr(1), 5, 7);
        lc.setRoot(5, bytes32(uint256(8)));
        vm.prank(addr(2));
        v.submitConflict(5);
        vm.assertEq(v.bondsOwed(addr(2)), BOND, "paid to the disputer");
        vm.assertEq(v.bondsOwed(addr(1)), 0, "not to the proposer");
        // Nothing left to accuse: the bond is paid once.
        vm.expectRevert(abi.encodeWithSelector(NoAccusedRoot.selector, 5));
        v.submitConflict(5);
        vm.warp(type(uint32).max);
        vm.assertTrue(!v.settle(5), "never settles");
        vm.assertEq(rootOf(v, 5), bytes32(0), "never counts");
        vm.deal(addr(1), BOND);
        vm.prank(addr(1));
        vm.expectRevert(abi.encodeWithSelector(HeightNotIncreasing.selector, 5, 5));
        v.propose{value: BOND}(proposal(5, 8));
        propose(v, addr(1), 6, 8);
    }

    function test_a_watcher_pause_stops_roots_and_maturity_until_a_resume_restarts_the_window() external {
        OptimisticVerifier v = client(none(), one(WATCHER));
        propose(v, addr(1), 1, 1);
        vm.warp(matured(1));
        vm.assertTrue(v.settle(1), "settled");
        propose(v, addr(1), 2, 2);
        vm.prank(addr(1));
        vm.expectRevert(abi.encodeWithSelector(NotWatcher.selector, addr(1)));
        v.pause();
        vm.prank(GUARDIAN);
        vm.expectRevert(NotPaused.selector);
        v.resume();
        vm.prank(WATCHER);
        v.pause();
        vm.prank(WATCHER);
        vm.expectRevert(AlreadyPaused.selector);
        v.pause();
        vm.assertEq(rootOf(v, 1), bytes32(0), "a paused client's roots stop counting");
        vm.warp(matured(matured(1)));
        vm.assertTrue(!v.settle(2), "nothing settles");
        vm.deal(addr(1), BOND);
        vm.prank(addr(1));
        vm.expectRevert(ClientPaused.selector);
        v.propose{value: BOND}(proposal(3, 3));
        (, bool frozen,) = v.rootAt(1);
        vm.assertTrue(!frozen, "paused is not frozen");
        vm.prank(WATCHER);
        vm.expectRevert(abi.encodeWithSelector(NotGuardian.selector, WATCHER));
        v.resume();
        vm.warp(50_000);
        vm.prank(GUARDIAN);
        v.resume();
        (,,, uint64 matures) = v.pendingProposal(2);
        vm.assertEq(uint256(matures), 50_000_000 + WINDOW, "a whole new window");
        vm.assertEq(rootOf(v, 1), bytes32(uint256(1)), "counts again");
        vm.warp(matured(50_000) - 1);
        vm.assertTrue(!v.settle(2), "not before the new window ends");
        vm.warp(matured(50_000));
        vm.assertTrue(v.settle(2), "settles after it");
    }

    function test_a_contradicted_client_is_frozen_and_takes_no_proposal() external {
        OptimisticVerifier v = client(none(), none());
        propose(v, addr(1), 5, 7);
        vm.warp(matured(1));
        vm.assertTrue(v.settle(5), "settled");
        lc.setRoot(5, bytes32(uint256(8)));
        v.submitConflict(5);
        (, bool frozen, bytes32 r) = v.rootAt(5);
        vm.assertTrue(frozen, "frozen");
        vm.assertEq(r, bytes32(uint256(7)), "the root stays, the endpoint refuses a frozen client");
        vm.assertEq(v.bondsOwed(addr(1)), BOND, "its bond was returned at settlement");
        vm.expectRevert(AlreadyFrozen.selector);
        v.submitConflict(5);
        vm.deal(addr(1), BOND);
        vm.prank(addr(1));
        vm.expectRevert(Frozen.selector);
        v.propose{value: BOND}(proposal(6, 1));
    }

    function test_unfounded_conflicts_are_refused_by_name_in_order() external {
        OptimisticVerifier v = client(none(), none());
        propose(v, addr(1), 5, 7);
        // The reference answers nothing.
        OptimisticVerifier noRef =
            new OptimisticVerifier(SOURCE, addr(0x1234), GUARDIAN, config(none(), none()));
        vm.expectRevert(abi.encodeWithSelector(UnknownClient.selector, addr(0x1234)));
        noRef.submitConflict(5);
        lc.setChain(SOURCE + 1);
        vm.expectRevert(abi.encodeWithSelector(SourceMismatch.selector, SOURCE + 1, SOURCE));
        v.submitConflict(5);
        lc.setChain(SOURCE);
        lc.setFrozen(true);
        vm.expectRevert(ReferenceFrozen.selector);
        v.submitConflict(5);
        lc.setFrozen(false);
        vm.expectRevert(abi.encodeWithSelector(NoReferenceRoot.selector, 5));
        v.submitConflict(5);
        lc.setRoot(4, bytes32(uint256(9)));
        vm.expectRevert(abi.encodeWithSelector(NoAccusedRoot.selector, 4));
        v.submitConflict(4);
        lc.setRoot(5, bytes32(uint256(7)));
        vm.expectRevert(abi.encodeWithSelector(NotConflicting.selector, 5));
        v.submitConflict(5);
        (bytes32 r,,,) = v.pendingProposal(5);
        vm.assertEq(r, bytes32(uint256(7)), "a refused claim changes nothing");
    }

    function test_settled_roots_are_kept_up_to_their_bound_and_the_earliest_go_first() external {
        OptimisticVerifier v = client(none(), none());
        uint256 max = v.MAX_ROOTS();
        vm.deal(address(this), BOND * (max + 1));
        for (uint64 h = 1; h <= max; ++h) {
            v.propose{value: BOND}(proposal(h, h));
            vm.warp(block.timestamp + WINDOW / 1000);
            v.settle(h);
        }
        vm.assertEq(rootOf(v, 1), bytes32(uint256(1)), "at the bound every root is kept");
        v.propose{value: BOND}(proposal(uint64(max + 1), max + 1));
        vm.warp(block.timestamp + WINDOW / 1000);
        vm.assertTrue(v.settle(uint64(max + 1)), "one past");
        vm.assertEq(rootOf(v, 1), bytes32(0), "the earliest goes");
        vm.assertEq(rootOf(v, 2), bytes32(uint256(2)), "the next stays");
        vm.assertEq(rootOf(v, uint64(max + 1)), bytes32(uint256(max + 1)), "the new one is kept");
        vm.assertEq(uint256(v.latestHeight()), max + 1, "latest");
        vm.assertEq(v.bondsOwed(address(this)), BOND * (max + 1), "every bond returned");
    }

    /// Discarding and settling out of height order keeps the pending list exact (each record keeps
    /// its place in the list).
    function test_the_pending_list_stays_exact_when_proposals_leave_out_of_order() external {
        OptimisticVerifier v = client(none(), none());
        for (uint64 h = 1; h <= 5; ++h) {
            propose(v, addr(1), h, h);
        }
        lc.setRoot(3, bytes32(uint256(99)));
        vm.prank(addr(2));
        v.submitConflict(3);
        vm.warp(matured(1));
        vm.assertTrue(v.settle(5), "5 settles");
        vm.assertTrue(v.settle(1), "1 settles");
        uint64[] memory left = v.pendingList();
        vm.assertEq(left.length, 2, "two left");
        vm.assertEq(uint256(left[0]) * left[1], 8, "2 and 4 left");
        for (uint64 h = 2; h <= 4; h += 2) {
            (bytes32 r,,,) = v.pendingProposal(h);
            vm.assertEq(r, bytes32(uint256(h)), "its own record");
            vm.assertTrue(v.settle(h), "settles");
        }
        vm.assertEq(v.pendingList().length, 0, "none left");
        vm.assertEq(v.bondsOwed(addr(1)), 4 * BOND, "four returned");
        vm.assertEq(v.bondsOwed(addr(2)), BOND, "one paid to the disputer");
        vm.assertEq(address(v).balance, 5 * BOND, "every bond held until withdrawn");
    }

    /// Any mix of proposals, settlements, conflicts and time keeps every bond accounted for exactly
    /// once: the contract holds the pending bonds plus the credited ones, and each proposal's bond
    /// is credited at most once.
    function testFuzz_every_bond_is_accounted_for_once(uint256 seed) external {
        OptimisticVerifier v = client(none(), none());
        address proposer = addr(0xa1);
        address disputer = addr(0xd1);
        uint64 next = 1;
        for (uint256 step = 0; step < 24; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 op = r % 4;
            uint64 h = next == 1 ? 1 : uint64(1 + (r >> 8) % (next - 1));
            if (op == 0 && !v.frozen() && v.pendingList().length < 64) {
                propose(v, proposer, next, next);
                ++next;
            } else if (op == 1) {
                v.settle(h);
            } else if (op == 2) {
                lc.setRoot(h, bytes32(uint256(0xbad)));
                vm.prank(disputer);
                try v.submitConflict(h) {} catch {}
            } else {
                vm.warp(block.timestamp + (r >> 16) % 400);
            }
            vm.assertEq(
                address(v).balance,
                v.pendingList().length * BOND + v.bondsOwed(proposer) + v.bondsOwed(disputer),
                "bonds held = pending + credited"
            );
            vm.assertTrue(
                v.bondsOwed(proposer) + v.bondsOwed(disputer) <= (next - 1) * BOND, "at most once each"
            );
        }
    }

    receive() external payable {}
}
