// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {FinalTestVerifier, SecurityConfigHarness} from "./lib/RouteFixtures.sol";
import {GreedyVerifier, MalformedVerifier} from "./lib/Fixtures.sol";
import {RouteSecurity} from "../src/route/RouteSecurity.sol";
import {SecurityConfig} from "../src/route/SecurityConfig.sol";
import "../src/Errors.sol";

/// Per-route security ([STRAIT-ROUTE.*]): the Rust core's cases of
/// crates/core/endpoint/tests/it/route.rs, a receiver requiring "the light client AND 2 of 3
/// committees, 2 blocks final", through the endpoint (`rootAt`) and by name (`check`).
contract RouteSecurityTest is NetTest {
    uint64 internal constant FINALITY = 2;
    FinalTestVerifier internal lc;
    FinalTestVerifier[3] internal committees;
    RouteSecurity internal route;
    bytes internal packet;
    bytes internal proof;
    bytes32 internal root;
    uint64 internal h;

    function setUp() public override {
        super.setUp();
        lc = new FinalTestVerifier(A_CHAIN);
        FinalTestVerifier[3] memory c;
        for (uint256 i = 0; i < 3; ++i) {
            c[i] = new FinalTestVerifier(A_CHAIN);
        }
        // Canonical order: strictly increasing addresses.
        for (uint256 i = 0; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (address(c[j]) < address(c[i])) (c[i], c[j]) = (c[j], c[i]);
            }
        }
        committees = c;
        route = new RouteSecurity(A_CHAIN, list(address(lc)), optional3(), 2, FINALITY);
        b.setDefaultVerifier(A_CHAIN, address(route));
        uint256 index;
        (packet, index) = sendAB("guarded", none);
        proof = inclusionProof(naiveLevels(leaves[address(a)]), index);
        root = a.outboxRoot();
        h = 10;
    }

    function list(address x) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = x;
    }

    function optional3() internal view returns (address[] memory l) {
        l = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            l[i] = address(committees[i]);
        }
    }

    /// `v` verifies A's root at `height`, and a header `FINALITY` blocks above it.
    function vouch(FinalTestVerifier v, uint64 height) internal {
        v.record(height, root);
        v.record(height + FINALITY, bytes32(uint256(0xee)));
    }

    function deliver() internal {
        b.receiveMessage(packet, proof, h);
    }

    /// The message waits: `check` names `expected`, the endpoint refuses with `atEndpoint`.
    function assertWaits(bytes memory expected, bytes memory atEndpoint) internal {
        vm.expectRevert(expected);
        route.check(h, root);
        vm.expectRevert(atEndpoint);
        this.deliverExternal();
        vm.assertEq(appB.received(), 0, "nothing executed");
    }

    function deliverExternal() external {
        deliver();
    }

    function notVerified() internal view returns (bytes memory) {
        return abi.encodeWithSelector(RootNotVerified.selector, address(route), h);
    }

    function assertExecutes() internal {
        route.check(h, root);
        deliver();
        vm.assertEq(appB.received(), 1, "executed");
    }

    function test_executes_when_the_light_client_and_two_of_three_committees_vouch_and_it_is_final()
        external
    {
        vouch(lc, h);
        vouch(committees[0], h);
        vouch(committees[2], h);
        (uint64 chain, bool frozen, bytes32 r) = route.rootAt(h);
        vm.assertEq(uint256(chain), A_CHAIN, "chain");
        vm.assertTrue(!frozen, "not frozen");
        vm.assertEq(r, root, "the root");
        assertExecutes();
    }

    function test_waits_for_the_light_client_at_the_proof_height() external {
        for (uint256 i = 0; i < 3; ++i) {
            vouch(committees[i], h);
        }
        // Updated, but at other heights only.
        lc.record(h - 1, root);
        lc.record(h + 2, root);
        assertWaits(abi.encodeWithSelector(RootNotVerified.selector, address(lc), h), notVerified());
        vouch(lc, h);
        assertExecutes();
    }

    function test_waits_while_only_one_of_three_committees_vouches() external {
        vouch(lc, h);
        vouch(committees[1], h);
        bytes memory oneVouches = abi.encodeWithSelector(NotEnoughOptional.selector, 1, 2, h);
        assertWaits(oneVouches, notVerified());
        // A second committee at another height does not count.
        vouch(committees[2], h + 1);
        assertWaits(oneVouches, notVerified());
        vouch(committees[2], h);
        assertExecutes();
    }

    function test_a_frozen_required_client_stops_the_route_and_a_frozen_optional_one_does_not_count()
        external
    {
        vouch(lc, h);
        vouch(committees[0], h);
        vouch(committees[1], h);
        committees[1].setFrozen(true);
        assertWaits(abi.encodeWithSelector(NotEnoughOptional.selector, 1, 2, h), notVerified());
        vouch(committees[2], h);
        lc.setFrozen(true);
        assertWaits(
            abi.encodeWithSelector(ClientFrozen.selector, address(lc)),
            abi.encodeWithSelector(ClientFrozen.selector, address(route))
        );
        (, bool frozen,) = route.rootAt(h);
        vm.assertTrue(frozen, "the route security answers frozen");
    }

    function test_a_committee_root_that_differs_does_not_count_and_a_required_one_rejects() external {
        vouch(lc, h);
        vouch(committees[0], h);
        committees[1].record(h, bytes32(uint256(0xbd)));
        committees[1].record(h + FINALITY, bytes32(uint256(1)));
        assertWaits(abi.encodeWithSelector(NotEnoughOptional.selector, 1, 2, h), notVerified());
        // The required light client with another root: refused (by name, RootMismatch).
        vouch(committees[2], h);
        lc.record(h, bytes32(uint256(0xbd)));
        assertWaits(
            abi.encodeWithSelector(RootMismatch.selector, root, bytes32(uint256(0xbd))), notVerified()
        );
    }

    function test_waits_until_the_counting_clients_are_final() external {
        uint64 needed = h + FINALITY;
        lc.record(h, root);
        committees[0].record(h, root);
        committees[1].record(h, root);
        assertWaits(abi.encodeWithSelector(NotFinal.selector, h, needed, h), notVerified());
        // The light client final; one committee one block short, the other final.
        lc.record(needed, root);
        committees[0].record(needed - 1, root);
        committees[1].record(needed + 5, root);
        assertWaits(abi.encodeWithSelector(NotFinal.selector, h, needed, needed - 1), notVerified());
        // A committee final but vouching for nothing at h does not help.
        committees[2].record(needed + 9, root);
        assertWaits(abi.encodeWithSelector(NotFinal.selector, h, needed, needed - 1), notVerified());
        committees[0].record(needed, root);
        assertExecutes();
    }

    function test_a_batch_under_a_strict_route_waits_whole_then_executes_with_one_root() external {
        (bytes memory second, uint256 i2) = sendAB("second", none);
        uint256[] memory indices = new uint256[](2);
        indices[0] = i2 - 1;
        indices[1] = i2;
        bytes[] memory packets = new bytes[](2);
        packets[0] = packet;
        packets[1] = second;
        bytes memory mp = multiproof(naiveLevels(leaves[address(a)]), indices);
        root = a.outboxRoot();
        vouch(lc, h);
        vouch(committees[0], h);
        vm.expectRevert(abi.encodeWithSelector(NotEnoughOptional.selector, 1, 2, h));
        route.check(h, root);
        vm.expectRevert(notVerified());
        b.receiveBatch(packets, mp, h);
        vouch(committees[1], h);
        vm.assertEq(b.receiveBatch(packets, mp, h), 2, "both received");
        vm.assertEq(appB.received(), 2, "both executed");
    }

    function test_an_unknown_or_foreign_required_verifier() external {
        vouch(lc, h);
        vouch(committees[0], h);
        vouch(committees[1], h);
        lc.setChain(3);
        assertWaits(
            abi.encodeWithSelector(ClientChainMismatch.selector, address(lc), 3, A_CHAIN),
            abi.encodeWithSelector(ClientChainMismatch.selector, address(route), 3, A_CHAIN)
        );
        // A required verifier without code.
        address nobody = address(0x1234);
        RouteSecurity r = new RouteSecurity(A_CHAIN, list(nobody), new address[](0), 0, 0);
        vm.expectRevert(abi.encodeWithSelector(UnknownClient.selector, nobody));
        r.check(h, root);
        b.setDefaultVerifier(A_CHAIN, address(r));
        vm.expectRevert(abi.encodeWithSelector(UnknownClient.selector, address(r)));
        this.deliverExternal();
    }

    function test_optional_only_answers_the_one_root_enough_members_vouch_for() external {
        RouteSecurity r = new RouteSecurity(A_CHAIN, new address[](0), optional3(), 1, 0);
        committees[0].record(h, root);
        (,, bytes32 got) = r.rootAt(h);
        vm.assertEq(got, root, "one member vouches: its root");
        // A second member vouches for another root: members the application trusts contradict
        // each other, no root is answered (either one passes `check`).
        committees[2].record(h, bytes32(uint256(0xbd)));
        (,, got) = r.rootAt(h);
        vm.assertEq(got, bytes32(0), "contradiction: none");
        r.check(h, root);
        r.check(h, bytes32(uint256(0xbd)));
        // No root is not a root members vouch for.
        vm.expectRevert(abi.encodeWithSelector(NotEnoughOptional.selector, 0, 1, h));
        r.check(h, 0);
        // A frozen member does not count: the other root alone remains.
        committees[2].setFrozen(true);
        (,, got) = r.rootAt(h);
        vm.assertEq(got, root, "the frozen member's root does not count");
    }

    // The bounds ([STRAIT-ROUTE.1]) and the codec ([STRAIT-ROUTE.2]), as
    // every_bound_holds_at_its_limit_and_fails_past_it and
    // the_decoder_checks_each_field_as_it_reads_it.

    SecurityConfigHarness internal harness = new SecurityConfigHarness();

    function ids(uint256 from, uint256 n) internal pure returns (uint256[] memory l) {
        l = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            l[i] = from + i;
        }
    }

    function two(uint256 x, uint256 y) internal pure returns (uint256[] memory l) {
        l = new uint256[](2);
        (l[0], l[1]) = (x, y);
    }

    function one(uint256 x) internal pure returns (uint256[] memory l) {
        l = new uint256[](1);
        l[0] = x;
    }

    function ok(SecurityConfig memory c) internal view {
        harness.validate(c);
        bytes memory e = harness.encode(c);
        vm.assertEq(harness.decode(e), e, "round trip");
    }

    /// `c` fails validation, decoding its encoding, and creating a RouteSecurity with those
    /// numbers as addresses, each with `err`.
    function fails(SecurityConfig memory c, bytes memory err) internal {
        vm.expectRevert(err);
        harness.validate(c);
        bytes memory e = harness.encode(c);
        vm.expectRevert(err);
        harness.decode(e);
        vm.expectRevert(err);
        new RouteSecurity(A_CHAIN, addrs(c.required), addrs(c.optional), c.threshold, c.finalityBlocks);
    }

    function addrs(uint256[] memory l) internal pure returns (address[] memory out) {
        out = new address[](l.length);
        for (uint256 i = 0; i < l.length; ++i) {
            out[i] = address(uint160(l[i]));
        }
    }

    function test_every_bound_holds_at_its_limit_and_fails_past_it() external {
        uint256[] memory empty = new uint256[](0);
        ok(SecurityConfig(one(1), empty, 0, 0));
        ok(SecurityConfig(ids(1, 4), ids(5, 4), 4, 100_000));
        ok(SecurityConfig(empty, ids(1, 8), 1, 0));
        ok(SecurityConfig(ids(1, 8), empty, 0, 0));
        new RouteSecurity(A_CHAIN, addrs(ids(1, 4)), addrs(ids(5, 4)), 4, 100_000);
        fails(
            SecurityConfig(ids(1, 4), ids(5, 5), 4, 0),
            abi.encodeWithSelector(TooManyVerifiers.selector, 9, 8)
        );
        fails(
            SecurityConfig(one(1), two(5, 6), 3, 0),
            abi.encodeWithSelector(ThresholdOutOfRange.selector, 3, 2)
        );
        fails(
            SecurityConfig(one(1), two(5, 6), 0, 0),
            abi.encodeWithSelector(ThresholdOutOfRange.selector, 0, 2)
        );
        fails(SecurityConfig(one(1), empty, 1, 0), abi.encodeWithSelector(ThresholdOutOfRange.selector, 1, 0));
        fails(SecurityConfig(empty, empty, 0, 0), abi.encodeWithSelector(NoVerifier.selector));
        fails(SecurityConfig(two(2, 1), empty, 0, 0), abi.encodeWithSelector(NotCanonical.selector));
        fails(SecurityConfig(one(1), two(3, 3), 1, 0), abi.encodeWithSelector(NotCanonical.selector));
        fails(SecurityConfig(one(3), two(1, 3), 1, 0), abi.encodeWithSelector(DuplicateVerifier.selector, 3));
        fails(
            SecurityConfig(one(1), empty, 0, 100_001),
            abi.encodeWithSelector(FinalityTooLarge.selector, 100_001, 100_000)
        );
    }

    function test_the_decoder_checks_each_field_as_it_reads_it() external {
        bytes memory full = harness.encode(SecurityConfig(ids(1, 4), ids(5, 4), 4, 9));
        vm.assertEq(full.length, 76, "the longest encoding");
        vm.expectRevert(Truncated.selector);
        harness.decode("");
        vm.expectRevert(UnsupportedVersion.selector);
        harness.decode(hex"02");
        vm.expectRevert(TooLarge.selector);
        harness.decode(hex"0109");
        vm.expectRevert(Truncated.selector);
        harness.decode(hex"01010000");
        for (uint256 cut = 0; cut < full.length; ++cut) {
            bytes memory part = new bytes(cut);
            for (uint256 i = 0; i < cut; ++i) {
                part[i] = full[i];
            }
            vm.expectRevert(Truncated.selector);
            harness.decode(part);
        }
        vm.expectRevert(TrailingBytes.selector);
        harness.decode(bytes.concat(full, hex"00"));
    }

    /// An optional member that burns all its gas, or answers garbage, does not count and does not
    /// stop the route while enough others vouch ([STRAIT-ROUTE.4], `MEMBER_GAS`).
    function test_a_greedy_or_malformed_optional_member_does_not_stop_the_route() external {
        address[] memory opt = new address[](3);
        opt[0] = address(new GreedyVerifier());
        opt[1] = address(new MalformedVerifier(2, 0));
        opt[2] = address(committees[0]);
        for (uint256 i = 0; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (opt[j] < opt[i]) (opt[i], opt[j]) = (opt[j], opt[i]);
            }
        }
        RouteSecurity r = new RouteSecurity(A_CHAIN, list(address(lc)), opt, 1, FINALITY);
        b.setDefaultVerifier(A_CHAIN, address(r));
        vouch(lc, h);
        vm.expectRevert(abi.encodeWithSelector(NotEnoughOptional.selector, 0, 1, h));
        r.check(h, root);
        vouch(committees[0], h);
        r.check(h, root);
        deliver();
        vm.assertEq(appB.received(), 1, "executed");
    }

    /// A required member that burns all its gas is unknown.
    function test_a_greedy_required_member_is_unknown() external {
        address greedy = address(new GreedyVerifier());
        RouteSecurity r = new RouteSecurity(A_CHAIN, list(greedy), new address[](0), 0, 0);
        vm.expectRevert(abi.encodeWithSelector(UnknownClient.selector, greedy));
        r.check(h, root);
        b.setDefaultVerifier(A_CHAIN, address(r));
        vm.expectRevert(abi.encodeWithSelector(UnknownClient.selector, address(r)));
        this.deliverExternal();
    }

    /// docs/vectors/route.json: each encoding decodes to its config and re-encodes to itself, or
    /// fails with its name.
    function test_vectors_configs() external {
        string memory json = vectors("route.json");
        uint256 n = count(json, ".configs");
        for (uint256 i = 0; i < n; ++i) {
            string memory key = item(".configs", i);
            bytes memory enc = encoding(json, string.concat(key, ".encoding"));
            string memory label = vm.parseJsonString(json, string.concat(key, ".name"));
            string memory expected = errorName(json, key);
            (bool ok, bytes memory ret) =
                address(harness).staticcall(abi.encodeCall(harness.decodeConfig, (enc)));
            if (bytes(expected).length != 0) {
                vm.assertTrue(!ok && ret.length >= 4, string.concat(label, ": expected ", expected));
                vm.assertEq(bytes32(bytes4(ret)), bytes32(routeSelector(expected)), label);
                continue;
            }
            vm.assertTrue(ok, string.concat(label, ": expected success"));
            SecurityConfig memory c = abi.decode(ret, (SecurityConfig));
            vm.assertEq(harness.encode(c), enc, string.concat(label, ": re-encodes"));
            string memory cfg = string.concat(key, ".config");
            assertList(c.required, vm.parseJsonUintArray(json, string.concat(cfg, ".required")), label);
            assertList(c.optional, vm.parseJsonUintArray(json, string.concat(cfg, ".optional")), label);
            vm.assertEq(uint256(c.threshold), vm.parseJsonUint(json, string.concat(cfg, ".threshold")), label);
            vm.assertEq(
                uint256(c.finalityBlocks),
                vm.parseJsonUint(json, string.concat(cfg, ".finality_blocks")),
                label
            );
        }
    }

    function assertList(uint256[] memory got, uint256[] memory expected, string memory label) internal pure {
        vm.assertEq(got.length, expected.length, label);
        for (uint256 i = 0; i < got.length; ++i) {
            vm.assertEq(got[i], expected[i], label);
        }
    }

    function routeSelector(string memory name) internal pure returns (bytes4) {
        bytes32 n = keccak256(bytes(name));
        if (n == keccak256("TooManyVerifiers")) return TooManyVerifiers.selector;
        if (n == keccak256("ThresholdOutOfRange")) return ThresholdOutOfRange.selector;
        if (n == keccak256("NoVerifier")) return NoVerifier.selector;
        if (n == keccak256("NotCanonical")) return NotCanonical.selector;
        if (n == keccak256("DuplicateVerifier")) return DuplicateVerifier.selector;
        if (n == keccak256("FinalityTooLarge")) return FinalityTooLarge.selector;
        return selectorOf(name);
    }

    function testFuzz_decoding_arbitrary_bytes_is_canonical(bytes calldata b) external view {
        try harness.decode(b) returns (bytes memory again) {
            vm.assertEq(again, b, "what decodes re-encodes to itself");
        } catch {}
    }
}
