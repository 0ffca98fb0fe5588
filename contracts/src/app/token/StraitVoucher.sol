// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// A voucher ([STRAIT-TOKEN.1]): an ERC-20 the token application mints for tokens that arrived
/// from another chain and burns when they go back. Its name and symbol are its denomination
/// (`<source chain>/<denom on the source>`); amounts are the transfer's raw units (decimals() is
/// 18 whatever the origin's). The application creates each voucher as a clone of one
/// implementation and initializes it in the same transaction.
contract StraitVoucher is ERC20 {
    /// The token application: the only minter and burner.
    address public app;
    string internal denom_;

    error NotApp(address caller);
    error AlreadyInitialized();

    constructor() ERC20("", "") {
        // The implementation itself is never a voucher.
        app = address(1);
    }

    /// Called once, by the application that created the clone.
    function initialize(string calldata denomination) external {
        if (app != address(0)) revert AlreadyInitialized();
        app = msg.sender;
        denom_ = denomination;
    }

    function name() public view override returns (string memory) {
        return denom_;
    }

    function symbol() public view override returns (string memory) {
        return denom_;
    }

    /// The denomination (as `name`).
    function denom() external view returns (string memory) {
        return denom_;
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != app) revert NotApp(msg.sender);
        _mint(to, amount);
    }

    /// Burn `amount` of the application's own balance.
    function burn(uint256 amount) external {
        if (msg.sender != app) revert NotApp(msg.sender);
        _burn(msg.sender, amount);
    }
}
