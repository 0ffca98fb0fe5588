// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {VectorTest} from "./lib/Vectors.sol";
import {PacketHarness} from "./lib/Harness.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {ZeroNonce, PayloadTooLarge} from "../src/Errors.sol";

/// docs/vectors/packet.json (SPEC §2), the file `crates/core/packet/tests/it` reads.
contract PacketVectorsTest is VectorTest {
    PacketHarness internal h = new PacketHarness();
    string internal json = vectors("packet.json");

    function test_golden_cases_decode_reencode_and_hash() external view {
        uint256 n = count(json, ".cases");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".cases", i);
            string memory label = vm.parseJsonString(json, string.concat(c, ".name"));
            bytes memory enc = vm.parseJsonBytes(json, string.concat(c, ".encoding"));
            Packet memory p = h.decode(enc);
            Packet memory want = expected(string.concat(c, ".packet"));
            assertPacket(p, want, label);
            assertPacket(h.decodeChecked(enc), want, string.concat(label, ": check by check"));
            vm.assertEq(h.encode(want), enc, string.concat(label, ": encoding"));
            vm.assertEq(
                PacketCodec.messageId(enc),
                vm.parseJsonBytes32(json, string.concat(c, ".message_id")),
                string.concat(label, ": message id")
            );
            vm.assertEq(
                PacketCodec.routeOf(p),
                vm.parseJsonBytes32(json, string.concat(c, ".route_id")),
                string.concat(label, ": route id")
            );
        }
    }

    function test_invalid_encodings_revert_with_their_spec_name() external view {
        uint256 n = count(json, ".invalid");
        for (uint256 i = 0; i < n; ++i) {
            checkDecode(item(".invalid", i));
        }
    }

    function test_bounds_at_and_past_the_payload_limit() external view {
        uint256 n = count(json, ".bounds");
        for (uint256 i = 0; i < n; ++i) {
            checkDecode(item(".bounds", i));
        }
    }

    function test_validate_rejects_zero_nonce_and_payload_past_the_limit() external {
        Packet memory p = expected(".cases[0].packet");
        p.nonce = 0;
        vm.expectRevert(ZeroNonce.selector);
        h.encode(p);
        p.nonce = 1;
        p.payload = new bytes(PacketCodec.MAX_PAYLOAD_LEN + 1);
        vm.expectRevert(PayloadTooLarge.selector);
        h.encode(p);
        p.payload = new bytes(PacketCodec.MAX_PAYLOAD_LEN);
        vm.assertEq(h.encode(p).length, PacketCodec.HEADER_LEN + PacketCodec.MAX_PAYLOAD_LEN, "max payload");
    }

    function test_evm_address_is_left_padded() external pure {
        vm.assertEq(
            PacketCodec.toAddress32(address(0x00000000000000000000000000000000DeaDBeef)),
            bytes32(uint256(0xdeadbeef)),
            "address32"
        );
    }

    /// `decode`'s one-step path for well-formed packets and its check-by-check path agree on any
    /// packet, well-formed or with one byte changed (the version, a flag, the nonce, the length)
    /// or cut short or extended: the same packet, or the same error.
    function testFuzz_decode_paths_agree(
        uint64 nonce,
        bytes32 sender,
        uint8 flags,
        uint16 payloadLen,
        uint8 at,
        uint8 value,
        int8 resize
    ) external view {
        Packet memory p = expected(".cases[0].packet");
        p.nonce = nonce | 1;
        p.sender = sender;
        p.ordered = flags % 2 == 1;
        p.payload = new bytes(payloadLen % 300);
        bytes memory enc = h.encode(p);
        if (at % 4 != 0) enc[at % enc.length] = bytes1(value);
        if (resize < 0) {
            uint256 cut = uint256(-int256(resize)) % enc.length;
            assembly ("memory-safe") {
                mstore(enc, sub(mload(enc), cut))
            }
        } else if (resize > 0) {
            enc = bytes.concat(enc, new bytes(uint256(int256(resize))));
        }
        (bool ok, bytes memory ret) = address(h).staticcall(abi.encodeCall(PacketHarness.decode, (enc)));
        (bool okChecked, bytes memory retChecked) =
            address(h).staticcall(abi.encodeCall(PacketHarness.decodeChecked, (enc)));
        vm.assertEq(ok, okChecked, "success");
        vm.assertEq(ret, retChecked, "result");
    }

    /// Decode case `c`: its error, or success, re-encoding and the message id.
    function checkDecode(string memory c) internal view {
        string memory label = vm.parseJsonString(json, string.concat(c, ".name"));
        bytes memory enc = encoding(json, string.concat(c, ".encoding"));
        string memory err = errorName(json, c);
        (bool ok, bytes memory ret) = address(h).staticcall(abi.encodeCall(PacketHarness.decode, (enc)));
        assertOutcome(ok, ret, err, label);
        (bool okChecked, bytes memory retChecked) =
            address(h).staticcall(abi.encodeCall(PacketHarness.decodeChecked, (enc)));
        vm.assertEq(okChecked, ok, string.concat(label, ": check by check, success"));
        vm.assertEq(retChecked, ret, string.concat(label, ": check by check, result"));
        if (ok) {
            Packet memory p = abi.decode(ret, (Packet));
            vm.assertEq(h.encode(p), enc, string.concat(label, ": re-encoding"));
            vm.assertEq(
                PacketCodec.messageId(enc),
                vm.parseJsonBytes32(json, string.concat(c, ".message_id")),
                string.concat(label, ": message id")
            );
        }
    }

    function expected(string memory k) internal view returns (Packet memory p) {
        p.nonce = uint64(vm.parseJsonUint(json, string.concat(k, ".nonce")));
        p.sourceChain = uint64(vm.parseJsonUint(json, string.concat(k, ".source_chain")));
        p.sender = vm.parseJsonBytes32(json, string.concat(k, ".sender"));
        p.destinationChain = uint64(vm.parseJsonUint(json, string.concat(k, ".destination_chain")));
        p.receiver = vm.parseJsonBytes32(json, string.concat(k, ".receiver"));
        p.ordered = vm.parseJsonBool(json, string.concat(k, ".ordered"));
        p.timeoutHeight = uint64(vm.parseJsonUint(json, string.concat(k, ".timeout_height")));
        p.timeoutTimestamp = uint64(vm.parseJsonUint(json, string.concat(k, ".timeout_timestamp")));
        p.payload = vm.parseJsonBytes(json, string.concat(k, ".payload"));
    }

    function assertPacket(Packet memory got, Packet memory want, string memory label) internal pure {
        vm.assertEq(got.nonce, want.nonce, string.concat(label, ": nonce"));
        vm.assertEq(got.sourceChain, want.sourceChain, string.concat(label, ": source_chain"));
        vm.assertEq(got.sender, want.sender, string.concat(label, ": sender"));
        vm.assertEq(got.destinationChain, want.destinationChain, string.concat(label, ": destination_chain"));
        vm.assertEq(got.receiver, want.receiver, string.concat(label, ": receiver"));
        vm.assertEq(got.ordered, want.ordered, string.concat(label, ": ordered"));
        vm.assertEq(got.timeoutHeight, want.timeoutHeight, string.concat(label, ": timeout_height"));
        vm.assertEq(got.timeoutTimestamp, want.timeoutTimestamp, string.concat(label, ": timeout_timestamp"));
        vm.assertEq(got.payload, want.payload, string.concat(label, ": payload"));
    }
}
