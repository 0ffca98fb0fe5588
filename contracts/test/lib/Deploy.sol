// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Vm} from "./Vm.sol";
import {StraitEndpoint} from "../../src/StraitEndpoint.sol";
import {StraitFees} from "../../src/StraitFees.sol";

Vm constant DEPLOY_VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

/// An endpoint owned by `owner`, deployed by `deployer` (the calling contract, or the account a
/// script broadcasts from) as on a chain: its fees contract first, for the address at which the
/// endpoint is created next.
function deployEndpoint(address deployer, address owner) returns (StraitEndpoint) {
    uint64 nonce = DEPLOY_VM.getNonce(deployer);
    StraitFees fees = new StraitFees(DEPLOY_VM.computeCreateAddress(deployer, nonce + 1));
    return new StraitEndpoint(owner, fees);
}
