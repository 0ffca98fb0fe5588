// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {IStraitFinality} from "../../src/IStrait.sol";
import {TestVerifier} from "./Fixtures.sol";
import {SecurityConfig, SecurityConfigCodec} from "../../src/route/SecurityConfig.sol";

/// The test verifier that also tells its latest verified height (the highest it recorded), as
/// route security reads it for finality ([STRAIT-ROUTE.5]).
contract FinalTestVerifier is TestVerifier, IStraitFinality {
    uint64 public latestHeight;

    constructor(uint64 chain_) TestVerifier(chain_) {}

    /// Verifies `root` at `height`.
    function record(uint64 height, bytes32 root) external {
        roots[height] = root;
        if (height > latestHeight) latestHeight = height;
    }
}

/// The config codec behind an external call (calldata in, the re-encoding out).
contract SecurityConfigHarness {
    function decode(bytes calldata b) external pure returns (bytes memory) {
        return SecurityConfigCodec.encode(SecurityConfigCodec.decode(b));
    }

    function decodeConfig(bytes calldata b) external pure returns (SecurityConfig memory) {
        return SecurityConfigCodec.decode(b);
    }

    function encode(SecurityConfig memory c) external pure returns (bytes memory) {
        return SecurityConfigCodec.encode(c);
    }

    function validate(SecurityConfig memory c) external pure {
        SecurityConfigCodec.validate(c);
    }
}
