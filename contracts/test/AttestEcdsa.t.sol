// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AttestVectorTest} from "./lib/AttestVectors.sol";
import {CommitteeVerifier} from "../src/attest/CommitteeVerifier.sol";
import {EcdsaCommitteeVerifier} from "../src/attest/EcdsaCommitteeVerifier.sol";

/// The ECDSA committee verifier against docs/vectors/attest.json (`ecdsa`, and the `committees`
/// structure cases, which are ECDSA committees).
contract AttestEcdsaVectorTest is AttestVectorTest {
    function kindKey() internal pure override returns (string memory) {
        return ".ecdsa";
    }

    function make(bytes memory init) internal override returns (CommitteeVerifier) {
        return new EcdsaCommitteeVerifier(1, init);
    }

    function test_committees() public {
        uint256 n = count(json, ".committees");
        for (uint256 i = 0; i < n; ++i) {
            string memory key = item(".committees", i);
            bytes memory c = vm.parseJsonBytes(json, string.concat(key, ".committee"));
            string memory name = vm.parseJsonString(json, string.concat(key, ".name"));
            (bool ok, bytes memory ret) = address(this).call(abi.encodeCall(this.create, (c)));
            assertOutcome(ok, ret, errorName(json, key), name);
        }
    }
}
