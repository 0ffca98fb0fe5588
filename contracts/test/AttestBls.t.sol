// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AttestVectorTest} from "./lib/AttestVectors.sol";
import {CommitteeVerifier} from "../src/attest/CommitteeVerifier.sol";
import {BlsCommitteeVerifier} from "../src/attest/BlsCommitteeVerifier.sol";

/// The BLS committee verifier (EIP-2537) against docs/vectors/attest.json (`bls`).
contract AttestBlsVectorTest is AttestVectorTest {
    function kindKey() internal pure override returns (string memory) {
        return ".bls";
    }

    function make(bytes memory init) internal override returns (CommitteeVerifier) {
        return new BlsCommitteeVerifier(1, init);
    }
}
