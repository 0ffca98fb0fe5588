// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// A fixed-supply ERC-20 for the devnet (`strait devnet`, ADR 0020): the token an EVM chain's token
/// application registers as its own, all of it minted once to `holder`. No minter, no owner: a
/// test and demo token, not one to hold value.
contract StraitDevToken is ERC20 {
    constructor(string memory name_, string memory symbol_, address holder, uint256 supply)
        ERC20(name_, symbol_)
    {
        _mint(holder, supply);
    }
}
