// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {IStraitVerifier, IStraitFinality} from "../IStrait.sol";
import {VerifierCall} from "../VerifierCall.sol";
import {SecurityConfig, SecurityConfigCodec} from "./SecurityConfig.sol";
import "../Errors.sol";

/// Per-route security on an EVM (SPEC §12, [STRAIT-ROUTE.1]-[STRAIT-ROUTE.5]; ADR 0021): a
/// verifier composed of other verifiers, which an application deploys with its required
/// verifiers, its optional verifiers, the threshold of the optional ones and the finality depth,
/// and names as its verifier for the source (`setSecurityConfig(sourceChain, routeSecurity)` on
/// the endpoint). The config is fixed at creation: a new config is a new contract.
///
/// `check(height, root)` applies the Rust core's rule (`strait_endpoint::security::check_route`)
/// and reverts with its names; `rootAt(height)`, what the endpoint asks, answers the one root
/// under which the rule holds at `height` (see `rootAt` for how a failure shows at the endpoint).
contract RouteSecurity is IStraitVerifier {
    /// Most gas one member verifier's `rootAt` or `latestHeight` may use: eight of each fit in
    /// the endpoint's `VERIFIER_GAS` (100,000) with lookups of a few cold slots, and a member that
    /// burns gas cannot stop a route whose other members vouch.
    uint256 public constant MEMBER_GAS = 20_000;

    /// The chain every member must follow.
    uint64 public immutable sourceChain;
    /// How many optional verifiers must vouch.
    uint8 public immutable threshold;
    /// Source blocks each counting verifier must have verified above the proof height.
    uint64 public immutable finalityBlocks;
    uint256 internal immutable nRequired;
    uint256 internal immutable nOptional;
    // The members, required first (immutables: no storage read per message).
    address internal immutable m0;
    address internal immutable m1;
    address internal immutable m2;
    address internal immutable m3;
    address internal immutable m4;
    address internal immutable m5;
    address internal immutable m6;
    address internal immutable m7;

    /// What one member answered at a height.
    struct Answer {
        bool ok; // it answered `rootAt` with a u64 chain and a bool
        bool frozen;
        uint64 chain;
        uint64 latest; // read only with a finality depth, and only from a member that has a root
        bytes32 root;
    }

    /// [STRAIT-ROUTE.1] The bounds, with verifier addresses as the clients (each list strictly
    /// increasing by address).
    constructor(
        uint64 sourceChain_,
        address[] memory required_,
        address[] memory optional_,
        uint8 threshold_,
        uint64 finalityBlocks_
    ) {
        SecurityConfigCodec.validate(
            SecurityConfig(numbers(required_), numbers(optional_), threshold_, finalityBlocks_)
        );
        sourceChain = sourceChain_;
        threshold = threshold_;
        finalityBlocks = finalityBlocks_;
        nRequired = required_.length;
        nOptional = optional_.length;
        address[8] memory all;
        for (uint256 i = 0; i < required_.length; ++i) {
            all[i] = required_[i];
        }
        for (uint256 i = 0; i < optional_.length; ++i) {
            all[required_.length + i] = optional_[i];
        }
        m0 = all[0];
        m1 = all[1];
        m2 = all[2];
        m3 = all[3];
        m4 = all[4];
        m5 = all[5];
        m6 = all[6];
        m7 = all[7];
    }

    function numbers(address[] memory list) private pure returns (uint256[] memory out) {
        out = new uint256[](list.length);
        for (uint256 i = 0; i < list.length; ++i) {
            out[i] = uint160(list[i]);
        }
    }

    /// Member `i`, required first.
    function member(uint256 i) internal view returns (address) {
        if (i < 4) return i == 0 ? m0 : i == 1 ? m1 : i == 2 ? m2 : m3;
        return i == 4 ? m4 : i == 5 ? m5 : i == 6 ? m6 : m7;
    }

    /// The required verifiers, in order.
    function required() external view returns (address[] memory out) {
        out = new address[](nRequired);
        for (uint256 i = 0; i < nRequired; ++i) {
            out[i] = member(i);
        }
    }

    /// The optional verifiers, in order.
    function optional() external view returns (address[] memory out) {
        out = new address[](nOptional);
        for (uint256 i = 0; i < nOptional; ++i) {
            out[i] = member(nRequired + i);
        }
    }

    /// The lowest latest height among the required members (0 without required members), so that
    /// a route security can itself be a member of another one.
    function latestHeight() external view returns (uint64 lowest) {
        lowest = type(uint64).max;
        for (uint256 i = 0; i < nRequired; ++i) {
            uint64 l = latestOf(member(i));
            if (l < lowest) lowest = l;
        }
        if (nRequired == 0) lowest = 0;
    }

    /// [STRAIT-ROUTE.3]-[STRAIT-ROUTE.5] The members vouch for `root` at `height`, or the revert
    /// names the first failing rule as the Rust core does: a required member in list order
    /// (`UnknownClient`, `ClientChainMismatch`, `ClientFrozen`, `RootNotVerified`, `RootMismatch`,
    /// `NotFinal`), then the optional ones (`NotEnoughOptional`, `NotFinal`).
    function check(uint64 height, bytes32 root) external view {
        bytes memory err = rule(answers(height), height, root);
        if (err.length != 0) {
            assembly ("memory-safe") {
                revert(add(err, 32), mload(err))
            }
        }
    }

    /// What the endpoint asks ([STRAIT-RECV.4], [STRAIT-RECV.5]): the root under which the rule
    /// holds at `height`, or none. With required members that is the first one's root; without,
    /// the root that `threshold` optional members vouch for (none if two roots each have enough:
    /// members the application trusts contradict each other). A failing rule shows at the
    /// endpoint as: an unknown required member, `UnknownClient(this)` (this call reverts); one
    /// following another chain, `ClientChainMismatch(this, its chain, source)`; a frozen one,
    /// `ClientFrozen(this)` (the route stops until its application names another verifier);
    /// anything else (`RootNotVerified`, `RootMismatch`, `NotEnoughOptional`, `NotFinal`),
    /// `RootNotVerified(this, height)`; `check` names it exactly.
    function rootAt(uint64 height) external view returns (uint64, bool, bytes32) {
        Answer[] memory a = answers(height);
        if (nRequired == 0) return (sourceChain, false, optionalRoot(a, height));
        bytes32 candidate = a[0].root;
        bytes memory err = rule(a, height, candidate);
        if (err.length == 0) return (sourceChain, false, candidate);
        bytes4 selector = bytes4(err);
        if (selector == UnknownClient.selector) {
            assembly ("memory-safe") {
                revert(add(err, 32), mload(err))
            }
        }
        if (selector == ClientChainMismatch.selector) {
            uint64 got;
            assembly ("memory-safe") {
                got := mload(add(err, 68))
            }
            return (got, false, 0);
        }
        return (sourceChain, selector == ClientFrozen.selector, 0);
    }

    /// Without required members: the one root that enough optional members vouch for, finally.
    function optionalRoot(Answer[] memory a, uint64 height) internal view returns (bytes32 found) {
        for (uint256 j = 0; j < nOptional; ++j) {
            bytes32 r = a[j].root;
            if (r == 0 || r == found || rule(a, height, r).length != 0) continue;
            if (found != 0) return 0;
            found = r;
        }
    }

    /// Each member's answer at `height`, required first.
    function answers(uint64 height) internal view returns (Answer[] memory a) {
        uint256 n = nRequired + nOptional;
        a = new Answer[](n);
        for (uint256 i = 0; i < n; ++i) {
            address v = member(i);
            (bool ok, uint256 chain, uint256 frozen, bytes32 root) =
                VerifierCall.rootAt(v, height, MEMBER_GAS);
            Answer memory x = a[i];
            x.ok = ok;
            if (!ok) continue;
            x.chain = uint64(chain);
            x.frozen = frozen == 1;
            x.root = root;
            if (finalityBlocks != 0 && root != 0) x.latest = latestOf(v);
        }
    }

    /// `v.latestHeight()`, 0 if it does not answer one.
    function latestOf(address v) internal view returns (uint64) {
        bytes4 selector = IStraitFinality.latestHeight.selector;
        bool ok;
        uint256 latest;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            ok := staticcall(MEMBER_GAS, v, p, 4, p, 32)
            ok := and(ok, gt(returndatasize(), 31))
            latest := mload(p)
        }
        return ok && latest >> 64 == 0 ? uint64(latest) : 0;
    }

    /// The rule over the answers: the revert data of the first failing check, or empty.
    function rule(Answer[] memory a, uint64 height, bytes32 root) internal view returns (bytes memory) {
        // [STRAIT-ROUTE.5] the source height every counting verifier must have verified.
        uint256 sum = uint256(height) + finalityBlocks;
        uint64 needed = sum > type(uint64).max ? type(uint64).max : uint64(sum);
        for (uint256 i = 0; i < nRequired; ++i) {
            Answer memory x = a[i];
            address v = member(i);
            if (!x.ok) return abi.encodeWithSelector(UnknownClient.selector, v);
            if (x.chain != sourceChain) {
                return abi.encodeWithSelector(ClientChainMismatch.selector, v, x.chain, sourceChain);
            }
            if (x.frozen) return abi.encodeWithSelector(ClientFrozen.selector, v);
            if (x.root == 0) return abi.encodeWithSelector(RootNotVerified.selector, v, height);
            if (x.root != root) return abi.encodeWithSelector(RootMismatch.selector, root, x.root);
            uint64 reached = finalityBlocks == 0 ? height : x.latest;
            if (reached < needed) return abi.encodeWithSelector(NotFinal.selector, height, needed, reached);
        }
        // [STRAIT-ROUTE.4] k of the optional members, each vouching exactly as a required one.
        uint256 k = threshold;
        if (k == 0) return "";
        uint64[] memory latest = new uint64[](nOptional);
        uint256 vouching = 0;
        for (uint256 j = 0; j < nOptional; ++j) {
            Answer memory x = a[nRequired + j];
            if (!x.ok || x.chain != sourceChain || x.frozen || x.root == 0 || x.root != root) continue;
            // Kept in descending order (insertion): at most 8.
            uint64 l = finalityBlocks == 0 ? height : x.latest;
            uint256 pos = vouching++;
            while (pos > 0 && latest[pos - 1] < l) {
                latest[pos] = latest[pos - 1];
                --pos;
            }
            latest[pos] = l;
        }
        if (vouching < k) return abi.encodeWithSelector(NotEnoughOptional.selector, vouching, k, height);
        // The k-th highest latest height: k of them are final iff it is.
        if (latest[k - 1] < needed) {
            return abi.encodeWithSelector(NotFinal.selector, height, needed, latest[k - 1]);
        }
        return "";
    }
}
