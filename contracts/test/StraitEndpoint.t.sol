// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {deployEndpoint} from "./lib/Deploy.sol";
import {VectorTest} from "./lib/Vectors.sol";
import {Vm} from "./lib/Vm.sol";
import {PacketHarness, MerkleHarness} from "./lib/Harness.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {StraitEndpointExtension} from "../src/StraitEndpointExtension.sol";
import {StraitFees} from "../src/StraitFees.sol";
import {EndpointBase, DeliveryOptions} from "../src/EndpointBase.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {MerkleTree} from "../src/MerkleTree.sol";
import "../src/Errors.sol";

/// The endpoint's send (SPEC §4.1): nonces per route, the outbox and the `Sent` event, checked
/// against the packet vectors and a naive tree.
contract StraitEndpointSendTest is VectorTest {
    uint64 internal constant LOCAL = 1;
    uint64 internal constant REMOTE = 2;
    bytes32 internal constant RECEIVER = bytes32(uint256(0xadad));
    /// Storage slots (`forge inspect StraitEndpoint storageLayout`).
    uint256 internal constant NONCE_SLOT = 2;
    /// The outbox's leaf count: the top 40 bits of slot 0 (owner, pause switch, default gas limit).
    uint256 internal constant OUTBOX_COUNT_SHIFT = 216;

    StraitEndpoint internal endpoint;
    PacketHarness internal codec = new PacketHarness();
    DeliveryOptions internal none;

    function setUp() external {
        vm.chainId(LOCAL);
        endpoint = deployEndpoint(address(this), address(this));
        endpoint.setRemoteChain(REMOTE, true);
    }

    /// The endpoint takes only a fees contract deployed for its own address: one made for another
    /// endpoint is refused, so no two endpoints share payments.
    function test_the_endpoint_refuses_the_fees_of_another_endpoint() external {
        StraitFees other = new StraitFees(address(endpoint));
        vm.expectRevert(abi.encodeWithSelector(ForeignFees.selector, address(other)));
        new StraitEndpoint(address(this), other);
        vm.assertTrue(address(endpoint.fees().endpoint()) == address(endpoint), "the deployed pair");
    }

    /// Sending the vectors' "evm addresses" packet from its sender emits exactly its encoding and id.
    function test_sent_packet_matches_the_rust_vector() external {
        string memory json = vectors("packet.json");
        uint256 n = count(json, ".cases");
        uint256 matched;
        for (uint256 i = 0; i < n; ++i) {
            if (sendCase(json, item(".cases", i))) ++matched;
        }
        vm.assertTrue(matched > 0, "no EVM-sendable packet in the vectors");
    }

    /// Send case `c` if an EVM account can send it first on chain 1, and compare.
    function sendCase(string memory json, string memory c) internal returns (bool) {
        bytes memory encoded = vm.parseJsonBytes(json, string.concat(c, ".encoding"));
        Packet memory p = codec.decode(encoded);
        if (uint256(p.sender) >> 160 != 0 || p.sourceChain != LOCAL || p.nonce != 1) return false;
        if (!endpoint.isRemoteChain(p.destinationChain)) endpoint.setRemoteChain(p.destinationChain, true);
        vm.recordLogs();
        vm.prank(address(uint160(uint256(p.sender))));
        (bytes32 id, uint64 nonce) = endpoint.send(
            p.destinationChain,
            p.receiver,
            DeliveryOptions(p.ordered, p.timeoutHeight, p.timeoutTimestamp),
            p.payload
        );
        vm.assertEq(nonce, 1, "first nonce");
        vm.assertEq(id, vm.parseJsonBytes32(json, string.concat(c, ".message_id")), "message id");
        (bytes32 loggedId, bytes memory packet) = lastSent();
        vm.assertEq(packet, encoded, "sent packet");
        vm.assertEq(loggedId, id, "logged id");
        return true;
    }

    /// Nonces count per route from 1; the outbox root is the naive tree's root of the sent ids,
    /// and each id's leaf index is its order of sending.
    function test_nonces_per_route_and_the_outbox_root() external {
        MerkleHarness naive = new MerkleHarness();
        address alice = address(0xA11CE);
        address bob = address(0xB0B);
        vm.assertEq(endpoint.outboxRoot(), naive.root(), "empty outbox");
        uint64[6] memory want = [uint64(1), 1, 2, 1, 3, 2];
        address[6] memory from = [alice, bob, alice, alice, alice, bob];
        bytes32[6] memory to = [RECEIVER, RECEIVER, RECEIVER, bytes32(uint256(7)), RECEIVER, RECEIVER];
        for (uint256 i = 0; i < 6; ++i) {
            vm.recordLogs();
            vm.prank(from[i]);
            (bytes32 id, uint64 nonce) = endpoint.send(REMOTE, to[i], none, abi.encodePacked(i));
            vm.assertEq(nonce, want[i], "route nonce");
            (, bytes memory packet) = lastSent();
            Packet memory p = codec.decode(packet);
            vm.assertEq(p.nonce, nonce, "packet nonce");
            vm.assertEq(p.sourceChain, LOCAL, "source chain");
            vm.assertEq(p.sender, PacketCodec.toAddress32(from[i]), "sender");
            vm.assertEq(PacketCodec.messageId(packet), id, "id of the packet");
            vm.assertEq(endpoint.lastOutboundNonce(PacketCodec.routeOf(p)), nonce, "stored nonce");
            vm.assertEq(naive.append(id), i, "leaf index");
            vm.assertEq(endpoint.outboxRoot(), naive.root(), "outbox root");
        }
        vm.assertEq(endpoint.outboxState(), naive.state(), "outbox state encoding");
    }

    function test_send_checks_in_spec_order() external {
        vm.expectRevert(DestinationIsLocal.selector);
        endpoint.send(LOCAL, RECEIVER, none, "");
        vm.expectRevert(UnknownChain.selector);
        endpoint.send(3, RECEIVER, none, "");
        // An unknown destination wins over a payload too large.
        vm.expectRevert(UnknownChain.selector);
        endpoint.send(3, RECEIVER, none, new bytes(PacketCodec.MAX_PAYLOAD_LEN + 1));
        vm.expectRevert(PayloadTooLarge.selector);
        endpoint.send(REMOTE, RECEIVER, none, new bytes(PacketCodec.MAX_PAYLOAD_LEN + 1));
        endpoint.send(REMOTE, RECEIVER, none, new bytes(PacketCodec.MAX_PAYLOAD_LEN));
    }

    function test_nonce_at_and_past_its_limit() external {
        bytes32 route = PacketCodec.routeId(LOCAL, PacketCodec.toAddress32(address(this)), REMOTE, RECEIVER);
        bytes32 slot = keccak256(abi.encode(route, NONCE_SLOT));
        vm.store(address(endpoint), slot, bytes32(uint256(type(uint64).max - 1)));
        vm.assertEq(endpoint.lastOutboundNonce(route), type(uint64).max - 1, "slot of the route's nonce");
        (, uint64 nonce) = endpoint.send(REMOTE, RECEIVER, none, "");
        vm.assertEq(nonce, type(uint64).max, "the last nonce");
        vm.expectRevert(NonceOverflow.selector);
        endpoint.send(REMOTE, RECEIVER, none, "");
    }

    function test_outbox_at_and_past_its_capacity() external {
        uint256 word = uint256(vm.load(address(endpoint), 0));
        uint256 count = (MerkleTree.MAX_LEAVES - 1) << OUTBOX_COUNT_SHIFT;
        vm.store(address(endpoint), 0, bytes32(word & ((1 << OUTBOX_COUNT_SHIFT) - 1) | count));
        vm.assertTrue(endpoint.owner() == address(this), "the owner stays");
        vm.assertEq(endpoint.outboxCount(), MerkleTree.MAX_LEAVES - 1, "slot of the outbox count");
        endpoint.send(REMOTE, RECEIVER, none, "");
        vm.assertEq(endpoint.outboxCount(), MerkleTree.MAX_LEAVES, "full");
        vm.expectRevert(TreeFull.selector);
        endpoint.send(REMOTE, RECEIVER, none, "");
    }

    function test_only_the_owner_configures() external {
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(NotOwner.selector, address(0xBAD)));
        endpoint.setRemoteChain(9, true);
        endpoint.setRemoteChain(REMOTE, false);
        vm.expectRevert(UnknownChain.selector);
        endpoint.send(REMOTE, RECEIVER, none, "");
    }

    /// The extension (ADR 0026) acts in the endpoint's storage only: called directly, each of its
    /// functions refuses (`NotDelegated`); through the endpoint, the same call configures it and
    /// its errors come back as they are.
    function test_the_extension_refuses_direct_calls() external {
        StraitEndpointExtension x = StraitEndpointExtension(endpoint.extension());
        vm.assertTrue(address(x).code.length != 0, "created with the endpoint");
        vm.assertTrue(address(x.fees()) == address(endpoint.fees()), "one fees contract");
        vm.assertEq(x.localChain(), endpoint.localChain(), "one local chain");
        vm.expectRevert(NotDelegated.selector);
        x.setRemoteChain(9, true);
        vm.expectRevert(NotDelegated.selector);
        x.setOwner(address(this));
        vm.expectRevert(NotDelegated.selector);
        x.setSecurityConfig(REMOTE, address(1));
        vm.expectRevert(NotDelegated.selector);
        x.setGasLimit(1);
        vm.expectRevert(NotDelegated.selector);
        x.setPaused(hex"00", true);
        vm.expectRevert(NotDelegated.selector);
        x.retry("");
        vm.expectRevert(NotDelegated.selector);
        x.finalizeFailed("", "");
        vm.expectRevert(NotDelegated.selector);
        x.settleOutcomes(RECEIVER, REMOTE, "");
        endpoint.setRemoteChain(9, true);
        vm.assertTrue(endpoint.isRemoteChain(9), "configured through the endpoint");
        vm.expectRevert(UnsupportedVersion.selector);
        endpoint.retry(hex"07");
    }

    function test_endpoint_address_is_the_spec_tag_hash() external view {
        vm.assertEq(endpoint.ENDPOINT_ADDRESS(), keccak256("STRAIT/ENDPOINT/v1"), "ENDPOINT");
        vm.assertEq(endpoint.localChain(), LOCAL, "local chain is block.chainid");
    }

    /// Gas of one `send` call (execution only: no intrinsic or calldata cost), written to
    /// snapshots/StraitEndpointSendTest.json: the first message of a route (a fresh nonce slot), the
    /// next ones, and a 1 KiB payload. The outbox append costs 1 to 33 branch writes by leaf index.
    function test_gas_send() external {
        endpoint.send(REMOTE, RECEIVER, none, "hello");
        vm.snapshotGasLastCall("send: first message of a route, 5-byte payload");
        endpoint.send(REMOTE, RECEIVER, none, "hello");
        vm.snapshotGasLastCall("send: second message of a route, 5-byte payload");
        endpoint.send(REMOTE, RECEIVER, none, "hello");
        vm.snapshotGasLastCall("send: third message of a route, 5-byte payload");
        endpoint.send(REMOTE, RECEIVER, none, new bytes(1024));
        vm.snapshotGasLastCall("send: fourth message of a route, 1 KiB payload");
    }

    /// The settings packed for the receive path (owner's slot: the default gas limit; a remote
    /// chain's slot: enabled and its default verifier; an application's slot: its gas limit and
    /// whether it set a security config; a route's counter slot: its pause switch) read back
    /// through the same getters, each independent of its neighbours, bounds at and past their
    /// limits.
    function test_packed_settings_at_and_past_their_limits() external {
        vm.assertEq(endpoint.defaultGasLimit(), 300_000, "default gas limit");
        endpoint.setDefaultGasLimit(type(uint48).max);
        vm.assertEq(endpoint.defaultGasLimit(), type(uint48).max, "largest default gas limit");
        vm.assertTrue(endpoint.owner() == address(this), "owner kept");
        vm.assertTrue(!endpoint.endpointPaused(), "pause kept");
        vm.expectRevert(TooLarge.selector);
        endpoint.setDefaultGasLimit(uint256(type(uint48).max) + 1);

        endpoint.setGasLimit(type(uint248).max);
        vm.assertEq(endpoint.appGasLimit(address(this)), type(uint248).max, "largest app gas limit");
        vm.expectRevert(TooLarge.selector);
        endpoint.setGasLimit(uint256(type(uint248).max) + 1);

        endpoint.setRemoteChain(7, true);
        endpoint.setDefaultVerifier(7, address(0xbeef));
        vm.assertTrue(endpoint.isRemoteChain(7), "enabled");
        vm.assertTrue(endpoint.defaultVerifier(7) == address(0xbeef), "default verifier");
        endpoint.setRemoteChain(7, false);
        vm.assertTrue(endpoint.defaultVerifier(7) == address(0xbeef), "verifier kept when disabled");
        endpoint.setRemoteChain(7, true);
        endpoint.setDefaultVerifier(7, address(0));
        vm.assertTrue(endpoint.isRemoteChain(7), "enabled kept when the verifier is cleared");

        // An application's own config wins; cleared, the default applies again.
        bytes32 me = PacketCodec.toAddress32(address(this));
        endpoint.setDefaultVerifier(7, address(0xbeef));
        vm.assertTrue(endpoint.verifierOf(me, 7) == address(0xbeef), "the default before any config");
        endpoint.setSecurityConfig(7, address(0xcafe));
        vm.assertTrue(endpoint.verifierOf(me, 7) == address(0xcafe), "own config");
        vm.assertTrue(endpoint.verifierOf(me, 8) == address(0), "no config and no default");
        vm.assertEq(endpoint.appGasLimit(address(this)), type(uint248).max, "gas limit kept");
        endpoint.setSecurityConfig(7, address(0));
        vm.assertTrue(endpoint.verifierOf(me, 7) == address(0xbeef), "cleared: the default");
        // A receiver that is not an EVM address has no config of its own.
        vm.assertTrue(
            endpoint.verifierOf(bytes32(type(uint256).max), 7) == address(0xbeef), "non-EVM receiver"
        );

        bytes32 route = keccak256("a route");
        endpoint.setPauser(address(this));
        endpoint.setPaused(abi.encodePacked(uint8(1), route), true);
        vm.assertTrue(endpoint.routePaused(route), "route paused");
        vm.assertEq(endpoint.contiguousOf(route), 0, "counter kept");
        vm.assertTrue(!endpoint.routePaused(keccak256("another route")), "another route");
        endpoint.setPaused(abi.encodePacked(uint8(1), route), false);
        vm.assertTrue(!endpoint.routePaused(route), "route unpaused");
    }

    /// The id and packet of the last `Sent` among the recorded logs.
    function lastSent() internal returns (bytes32 id, bytes memory packet) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            Vm.Log memory l = logs[i - 1];
            if (l.emitter == address(endpoint) && l.topics[0] == EndpointBase.Sent.selector) {
                uint32 leafIndex;
                (leafIndex, packet) = abi.decode(l.data, (uint32, bytes));
                return (l.topics[1], packet);
            }
        }
        revert("no Sent event");
    }
}
