// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {NetTest} from "./Net.sol";
import {StraitTokenApp} from "../../src/app/token/StraitTokenApp.sol";
import {TokenLimits} from "../../src/app/token/TokenLimits.sol";
import {StraitVoucher} from "../../src/app/token/StraitVoucher.sol";
import {StraitAppError} from "../../src/IStrait.sol";
import {Receipt} from "../../src/Receipt.sol";
import {IStraitEndpoint} from "../../src/IStrait.sol";

/// An ERC-20 anyone may mint, native to chain 1 in the token tests.
contract TestToken is ERC20 {
    constructor() ERC20("Test dollar", "USD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// The token application on both endpoints of `NetTest` (chains 1 and 2), peers of each other,
/// the test contract as the endpoints' pauser (the guardians' place), `usd` registered on chain 1.
abstract contract TokenNetTest is NetTest {
    StraitTokenApp internal ta;
    StraitTokenApp internal tb;
    TestToken internal usd;
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    uint256 internal constant MINTED = 1_000_000;

    function setUp() public virtual override {
        super.setUp();
        TokenLimits.Limit memory open = TokenLimits.Limit(type(uint128).max / 1000, type(uint128).max);
        ta = new StraitTokenApp(IStraitEndpoint(address(a)), address(this), open);
        tb = new StraitTokenApp(IStraitEndpoint(address(b)), address(this), open);
        ta.setPeer(B_CHAIN, addr32(address(tb)));
        tb.setPeer(A_CHAIN, addr32(address(ta)));
        ta.setGasLimit(1_000_000);
        tb.setGasLimit(1_000_000);
        a.setPauser(address(this));
        b.setPauser(address(this));
        usd = new TestToken();
        ta.registerToken(address(usd), "usd");
        usd.mint(alice, MINTED);
    }

    /// `from` sends `amount` of `token` through `app`; returns the message id (0 if queued), the
    /// queue id and the leaf index of what was sent (if anything).
    function send(
        StraitTokenApp app,
        address from,
        address token,
        address to,
        uint128 amount,
        uint64 timeoutHeight
    ) internal returns (bytes32 id, uint64 qid, uint256 index) {
        vm.prank(from);
        ERC20(token).approve(address(app), amount);
        vm.prank(from);
        (id, qid) = app.sendTransfer(
            token, address(app) == address(ta) ? B_CHAIN : A_CHAIN, addr32(to), amount, timeoutHeight, 0
        );
        collect();
        index = sent[address(app.endpoint())].length;
        if (index > 0) --index;
    }

    /// Relay the last message of `src` and its outcome back; returns the delivery's receipt.
    function roundTrip(uint256 index, bool fromA) internal returns (Receipt memory r) {
        r = relay(fromA ? a : b, index);
        (, uint256 back) = lastSent(fromA ? b : a);
        relay(fromA ? b : a, back);
    }

    function voucherB() internal view returns (StraitVoucher) {
        return StraitVoucher(tb.tokenOf("1/usd"));
    }

    /// The code of a `StraitAppError` a call to `target` reverts with.
    function codeOf(address target, bytes memory data) internal returns (uint32 code) {
        (bool ok, bytes memory ret) = target.call(data);
        vm.assertTrue(!ok, "the call should revert");
        vm.assertEq(bytes4(ret), StraitAppError.selector, "a StraitAppError");
        bytes memory args = new bytes(ret.length - 4);
        for (uint256 i = 0; i < args.length; ++i) {
            args[i] = ret[i + 4];
        }
        (code,) = abi.decode(args, (uint32, string));
    }

    /// Conservation of `usd` (chain 1's token): alice + bob + escrow + queued inbound credits on
    /// chain 1 = minted; escrow = vouchers on chain 2 (+ their queued credits, held by tb) +
    /// `inFlight` + queued outbound on chain 1.
    function assertConserved(uint256 inFlight, string memory label) internal view {
        vm.assertEq(usd.balanceOf(address(ta)), ta.escrowOf(address(usd)) + ta.queuedIn(address(usd)), label);
        vm.assertEq(
            usd.balanceOf(alice) + usd.balanceOf(bob) + usd.balanceOf(address(ta)),
            MINTED,
            string.concat(label, ": supply")
        );
        uint256 vouchers = address(voucherB()) == address(0) ? 0 : voucherB().totalSupply();
        vm.assertEq(
            ta.escrowOf(address(usd)),
            vouchers + inFlight + ta.queuedOut(address(usd)),
            string.concat(label, ": escrow")
        );
    }
}
