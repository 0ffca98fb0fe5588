// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AttestVectorTest} from "./lib/AttestVectors.sol";
import {CommitteeVerifier} from "../src/attest/CommitteeVerifier.sol";
import {BlsCommitteeVerifier} from "../src/attest/BlsCommitteeVerifier.sol";
import "../src/Errors.sol";

/// The BLS committee verifier (EIP-2537) against docs/vectors/attest.json (`bls`).
contract AttestBlsVectorTest is AttestVectorTest {
    function kindKey() internal pure override returns (string memory) {
        return ".bls";
    }

    function make(bytes memory init) internal override returns (CommitteeVerifier) {
        return new BlsCommitteeVerifier(1, init);
    }

    function wire() internal view returns (bytes memory) {
        return vm.parseJsonBytes(json, ".bls.committee_wire");
    }

    function createWith(bytes memory c) external returns (address) {
        return address(new BlsCommitteeVerifier(1, c));
    }

    function assertCreate(bytes memory c, bytes4 selector, string memory label) internal {
        (bool ok, bytes memory ret) = address(this).call(abi.encodeCall(this.createWith, (c)));
        vm.assertTrue(!ok, label);
        vm.assertEq(bytes32(bytes4(ret)), bytes32(selector), label);
    }

    /// Admission ([STRAIT-ATTEST.4]): a key with a flag bit, the identity, a point on the curve
    /// outside G1, and a proof of possession of another key are refused.
    function test_admission_refusals() external {
        bytes memory c = wire();
        // The last member (the highest key), so that the members stay ascending.
        c[4 + 3 * 288] = bytes1(uint8(c[4 + 3 * 288]) | 0x20);
        assertCreate(c, InvalidMemberKey.selector, "sign flag on an uncompressed key");
        c = wire();
        for (uint256 i = 0; i < 96; ++i) {
            c[4 + i] = 0;
        }
        assertCreate(c, InvalidMemberKey.selector, "identity");
        c = wire();
        bytes memory offSubgroup =
            hex"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000040a989badd40d6212b33cffc3f3763e9bc760f988c9926b26da9dd85e928483446346b8ed00e1de5d5ea93e354abe706c";
        for (uint256 i = 0; i < 96; ++i) {
            c[4 + i] = offSubgroup[i];
        }
        assertCreate(c, InvalidMemberKey.selector, "on the curve, outside G1");
        c = wire();
        for (uint256 i = 0; i < 192; ++i) {
            (c[4 + 96 + i], c[4 + 288 + 96 + i]) = (c[4 + 288 + 96 + i], c[4 + 96 + i]);
        }
        assertCreate(c, InvalidProofOfPossession.selector, "proofs of possession swapped");
    }

    /// A signature with a flag bit set, the identity, or off the curve is `InvalidSignature`.
    function test_signature_encodings_refused() external {
        bytes memory good = vm.parseJsonBytes(json, ".bls.updates[0].update");
        uint256 sig = good.length - 192;
        bytes[3] memory bad = [bytes.concat(good), bytes.concat(good), bytes.concat(good)];
        bad[0][sig] = bytes1(uint8(bad[0][sig]) | 0x80);
        for (uint256 i = 0; i < 192; ++i) {
            bad[1][sig + i] = 0;
        }
        bad[2][good.length - 1] = bytes1(uint8(bad[2][good.length - 1]) ^ 1);
        for (uint256 i = 0; i < bad.length; ++i) {
            CommitteeVerifier v = fresh();
            (bool ok, bytes memory ret) = address(v).call(abi.encodeCall(v.update, (bad[i])));
            assertOutcome(ok, ret, "InvalidSignature", vm.toString(i));
        }
        CommitteeVerifier w = fresh();
        w.update(good);
    }
}
