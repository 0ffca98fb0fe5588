// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {deployEndpoint} from "./lib/Deploy.sol";
import {VectorTest} from "./lib/Vectors.sol";
import {ReceiptHarness} from "./lib/Harness.sol";
import {Receipt, Outcome, OutcomeKind, OutcomeEntry, OutcomePayload, ReceiptCodec} from "../src/Receipt.sol";
import {StraitEndpointExtension} from "../src/StraitEndpointExtension.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";

/// docs/vectors/endpoint.json (SPEC §4.4), the file `crates/core/endpoint/tests/it/encoding.rs`
/// reads: receipts decode, re-encode and carry the listed fields; invalid receipts revert with their
/// SPEC name; the Received, Finalized and Settled events are their kind byte and these encodings.
contract ReceiptVectorsTest is VectorTest {
    ReceiptHarness internal h = new ReceiptHarness();
    StraitEndpoint internal endpoint = deployEndpoint(address(this), address(this));
    string internal json = vectors("endpoint.json");

    function test_receipts_decode_and_reencode() external view {
        uint256 n = count(json, ".receipts");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".receipts", i);
            string memory label = vm.parseJsonString(json, string.concat(c, ".name"));
            bytes memory enc = encoding(json, string.concat(c, ".encoding"));
            Receipt memory want = receiptAt(string.concat(c, ".receipt"));
            Receipt memory got = h.decodeReceipt(enc);
            vm.assertEq(got.id, want.id, string.concat(label, ": id"));
            vm.assertEq(got.route, want.route, string.concat(label, ": route"));
            vm.assertEq(got.nonce, want.nonce, string.concat(label, ": nonce"));
            vm.assertEq(got.height, want.height, string.concat(label, ": height"));
            vm.assertEq(
                uint8(got.outcome.kind), uint8(want.outcome.kind), string.concat(label, ": outcome kind")
            );
            vm.assertEq(got.outcome.ack, want.outcome.ack, string.concat(label, ": ack"));
            vm.assertEq(got.outcome.code, want.outcome.code, string.concat(label, ": code"));
            vm.assertEq(got.outcome.reason, want.outcome.reason, string.concat(label, ": reason"));
            vm.assertEq(h.encodeReceipt(want), enc, string.concat(label, ": encoding"));
        }
    }

    function test_invalid_receipts_revert_with_their_spec_name() external view {
        uint256 n = count(json, ".invalid_receipts");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".invalid_receipts", i);
            bytes memory enc = encoding(json, string.concat(c, ".encoding"));
            (bool ok, bytes memory ret) =
                address(h).staticcall(abi.encodeCall(ReceiptHarness.decodeReceipt, (enc)));
            assertOutcome(ok, ret, errorName(json, c), vm.parseJsonString(json, string.concat(c, ".name")));
        }
    }

    /// Outcome payloads ([STRAIT-SETTLE.3]) decode to the listed deliverer and entries (id, gas
    /// used, outcome), and re-encode to the same bytes; the endpoint's check counts the entries.
    function test_outcome_payloads_decode_and_reencode() external view {
        uint256 n = count(json, ".outcome_payloads");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".outcome_payloads", i);
            string memory label = vm.parseJsonString(json, string.concat(c, ".name"));
            bytes memory enc = encoding(json, string.concat(c, ".encoding"));
            OutcomePayload memory want;
            want.deliverer = vm.parseJsonBytes32(json, string.concat(c, ".deliverer"));
            uint256 m = count(json, string.concat(c, ".entries"));
            want.entries = new OutcomeEntry[](m);
            for (uint256 j = 0; j < m; ++j) {
                string memory e = item(string.concat(c, ".entries"), j);
                want.entries[j].id = vm.parseJsonBytes32(json, string.concat(e, ".id"));
                want.entries[j].gasUsed = uint64(vm.parseJsonUint(json, string.concat(e, ".gas_used")));
                want.entries[j].outcome = outcomeAt(string.concat(e, ".outcome"));
            }
            OutcomePayload memory got = h.decodeOutcomePayload(enc);
            vm.assertEq(got.deliverer, want.deliverer, string.concat(label, ": deliverer"));
            vm.assertEq(abi.encode(got.entries), abi.encode(want.entries), string.concat(label, ": entries"));
            vm.assertEq(h.encodeOutcomePayload(want), enc, string.concat(label, ": encoding"));
            vm.assertEq(
                StraitEndpointExtension(endpoint.extension()).checkOutcomePayload(enc),
                m,
                string.concat(label, ": the endpoint extension's count")
            );
        }
    }

    function test_invalid_outcome_payloads_revert_with_their_spec_name() external view {
        uint256 n = count(json, ".invalid_outcome_payloads");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".invalid_outcome_payloads", i);
            bytes memory enc = encoding(json, string.concat(c, ".encoding"));
            (bool ok, bytes memory ret) =
                address(h).staticcall(abi.encodeCall(ReceiptHarness.decodeOutcomePayload, (enc)));
            string memory label = vm.parseJsonString(json, string.concat(c, ".name"));
            assertOutcome(ok, ret, errorName(json, c), label);
            // The endpoint extension's check, which settlement runs first, reverts with the same
            // name.
            (ok, ret) = endpoint.extension()
                .staticcall(abi.encodeCall(StraitEndpointExtension.checkOutcomePayload, (enc)));
            assertOutcome(ok, ret, errorName(json, c), string.concat(label, " (endpoint extension)"));
        }
    }

    /// Received (0x02) and Finalized (0x04) are the kind byte and the receipt; Settled (0x03) the
    /// kind byte, the id and the outcome; Sent (0x01) the kind byte, the leaf index and the packet.
    function test_event_encodings() external view {
        uint256 n = count(json, ".events");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".events", i);
            string memory label = vm.parseJsonString(json, string.concat(c, ".name"));
            bytes memory enc = encoding(json, string.concat(c, ".encoding"));
            string memory e = string.concat(c, ".event");
            bytes32 kind = keccak256(bytes(vm.parseJsonString(json, string.concat(e, ".kind"))));
            bytes memory want;
            if (kind == keccak256("received")) {
                want = bytes.concat(hex"02", h.encodeReceipt(receiptAt(string.concat(e, ".receipt"))));
            } else if (kind == keccak256("finalized")) {
                want = bytes.concat(hex"04", h.encodeReceipt(receiptAt(string.concat(e, ".receipt"))));
            } else if (kind == keccak256("settled")) {
                Receipt memory r;
                r.id = vm.parseJsonBytes32(json, string.concat(e, ".id"));
                r.outcome = outcomeAt(string.concat(e, ".outcome"));
                // The outcome is the tail of a receipt encoding (after id, route, nonce, height).
                bytes memory receipt = h.encodeReceipt(r);
                want = bytes.concat(hex"03", r.id, slice(receipt, 80, receipt.length - 80));
                Outcome memory o = h.decodeOutcome(slice(enc, 33, enc.length - 33));
                vm.assertEq(uint8(o.kind), uint8(r.outcome.kind), string.concat(label, ": outcome"));
            } else if (kind == keccak256("sent")) {
                want = abi.encodePacked(
                    hex"01",
                    uint32(vm.parseJsonUint(json, string.concat(e, ".leaf_index"))),
                    vm.parseJsonBytes(json, string.concat(e, ".packet"))
                );
            } else {
                revert(string.concat(label, ": event kind unknown to the Solidity port"));
            }
            vm.assertEq(want, enc, string.concat(label, ": encoding"));
        }
    }

    function test_utf8_as_rust_reads_it() external view {
        vm.assertTrue(h.isUtf8(""), "empty");
        vm.assertTrue(h.isUtf8("insufficient funds"), "ASCII");
        vm.assertTrue(h.isUtf8(hex"e282ac"), "euro sign");
        vm.assertTrue(h.isUtf8(hex"f09f9880"), "4-byte character");
        vm.assertTrue(h.isUtf8(hex"f48fbfbf"), "U+10FFFF");
        vm.assertTrue(h.isUtf8(hex"ed9fbf"), "U+D7FF");
        vm.assertTrue(!h.isUtf8(hex"80"), "lone continuation byte");
        vm.assertTrue(!h.isUtf8(hex"c080"), "overlong 2-byte NUL");
        vm.assertTrue(!h.isUtf8(hex"c1bf"), "overlong 2-byte");
        vm.assertTrue(!h.isUtf8(hex"e08080"), "overlong 3-byte");
        vm.assertTrue(!h.isUtf8(hex"f0808080"), "overlong 4-byte");
        vm.assertTrue(!h.isUtf8(hex"eda080"), "surrogate U+D800");
        vm.assertTrue(!h.isUtf8(hex"f4908080"), "above U+10FFFF");
        vm.assertTrue(!h.isUtf8(hex"f5808080"), "lead byte F5");
        vm.assertTrue(!h.isUtf8(hex"e282"), "truncated sequence");
        vm.assertTrue(!h.isUtf8(hex"e2c082"), "bad second byte");
        vm.assertTrue(!h.isUtf8(hex"e282c0"), "bad third byte");
        vm.assertTrue(!h.isUtf8(hex"ff"), "byte FF");
    }

    /// The validator agrees with a second formulation: decode each code point, then reject
    /// overlong forms, surrogates and values above U+10FFFF. Inputs are biased towards multi-byte
    /// sequences by setting the top bits of most bytes.
    function testFuzz_utf8_agrees_with_a_code_point_reference(bytes memory s) external view {
        for (uint256 i = 0; i < s.length; ++i) {
            if (uint8(s[i]) % 4 != 0) s[i] = bytes1(uint8(s[i]) | 0x80);
        }
        vm.assertEq(h.isUtf8(s), referenceUtf8(s), "isUtf8");
    }

    function referenceUtf8(bytes memory s) internal pure returns (bool) {
        uint256 i = 0;
        while (i < s.length) {
            uint256 c = uint8(s[i]);
            uint256 width = c < 0x80 ? 1 : c >> 5 == 6 ? 2 : c >> 4 == 14 ? 3 : c >> 3 == 30 ? 4 : 0;
            if (width == 0 || i + width > s.length) return false;
            uint256 cp = width == 1 ? c : c & (0xff >> (width + 1));
            for (uint256 j = 1; j < width; ++j) {
                uint256 b = uint8(s[i + j]);
                if (b >> 6 != 2) return false;
                cp = (cp << 6) | (b & 0x3f);
            }
            uint256[5] memory least = [uint256(0), 0, 0x80, 0x800, 0x10000];
            if (cp < least[width] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
            i += width;
        }
        return true;
    }

    /// A reason is cut at 256 bytes, backing off to a character boundary.
    function test_reason_cut_at_a_character_boundary() external view {
        bytes memory a255 = new bytes(255);
        for (uint256 i = 0; i < 255; ++i) {
            a255[i] = "a";
        }
        vm.assertEq(h.boundedReason(bytes.concat(a255, "b")).length, 256, "256 bytes kept");
        vm.assertEq(h.boundedReason(bytes.concat(a255, "bc")).length, 256, "257 bytes cut to 256");
        vm.assertEq(
            h.boundedReason(bytes.concat(a255, hex"e282ac")), a255, "a euro sign across the cut is dropped"
        );
        vm.assertEq(
            h.boundedReason(bytes.concat(a255, "b", hex"e282ac")).length,
            256,
            "a euro sign after the cut is dropped"
        );
    }

    function receiptAt(string memory k) internal view returns (Receipt memory r) {
        r.id = vm.parseJsonBytes32(json, string.concat(k, ".id"));
        r.route = vm.parseJsonBytes32(json, string.concat(k, ".route"));
        r.nonce = uint64(vm.parseJsonUint(json, string.concat(k, ".nonce")));
        r.height = uint64(vm.parseJsonUint(json, string.concat(k, ".height")));
        r.outcome = outcomeAt(string.concat(k, ".outcome"));
    }

    function outcomeAt(string memory k) internal view returns (Outcome memory o) {
        bytes32 kind = keccak256(bytes(vm.parseJsonString(json, string.concat(k, ".kind"))));
        if (kind == keccak256("executed")) {
            o.ack = vm.parseJsonBytes(json, string.concat(k, ".ack"));
        } else if (kind == keccak256("failed")) {
            o.kind = OutcomeKind.Failed;
            o.code = uint32(vm.parseJsonUint(json, string.concat(k, ".code")));
            o.reason = bytes(vm.parseJsonString(json, string.concat(k, ".reason")));
        } else if (kind == keccak256("timed_out")) {
            o.kind = OutcomeKind.TimedOut;
        } else {
            revert(string.concat(k, ": outcome kind unknown to the Solidity port"));
        }
    }

    function slice(bytes memory b, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i = 0; i < len; ++i) {
            out[i] = b[start + i];
        }
    }
}
