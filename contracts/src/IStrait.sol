// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Outcome} from "./Receipt.sol";
import {DeliveryOptions} from "./EndpointBase.sol";

/// A client of a source chain on this chain: what the endpoint asks of a verifier
/// ([STRAIT-RECV.4], [STRAIT-RECV.5]). A verifier contract (an attester committee, a light
/// client, an optimistic verifier, or an aggregate of several) answers for the outbox roots it
/// verified. The endpoint calls it once per message, as a static call.
interface IStraitVerifier {
    /// The chain this verifier follows, whether it is frozen, and the outbox root it verified for
    /// that chain at `height` (`bytes32(0)`: none verified there).
    function rootAt(uint64 height) external view returns (uint64 chain, bool frozen, bytes32 root);
}

/// A verifier's latest verified source height ([STRAIT-ROUTE.5]): what route security reads to
/// tell whether a verifier is `finality_blocks` past a proof height. The committee, light-client
/// and optimistic verifiers have it (`latestHeight`: the highest checkpoint, header or settled
/// height).
interface IStraitFinality {
    function latestHeight() external view returns (uint64);
}

/// A receiving application ([STRAIT-RECV.9]). It fails a message by reverting (its writes, and the
/// messages it sent while receiving, are reverted): with `StraitAppError(code, reason)`, with a
/// plain `Error(string)` (code 0), or otherwise (code `APP_REVERTED`). The returned
/// acknowledgement must be at most 4,096 bytes.
interface IStraitReceiver {
    function straitReceive(
        bytes32 id,
        uint64 sourceChain,
        bytes32 sender,
        uint64 nonce,
        bytes calldata payload
    ) external returns (bytes memory ack);
}

/// A sending application: the outcome of each message it sent, exactly once
/// ([STRAIT-SETTLE.4]). Reverting puts the outcome back (the outcome message fails and may be
/// retried).
interface IStraitSender {
    function straitOutcome(bytes32 id, Outcome calldata outcome) external;
}

/// How an application reverts with an error code and reason ([STRAIT-EVENT.1]).
error StraitAppError(uint32 code, string reason);

/// The endpoint as applications call it: what `StraitApp`, the counter and the token
/// application use of `StraitEndpoint` (whose functions these are), so that an application's
/// source does not compile the endpoint's.
interface IStraitEndpoint {
    function send(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload
    ) external returns (bytes32 id, uint64 nonce);
    function sendPaid(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload,
        uint64 gasLimit
    ) external payable returns (bytes32 id, uint64 nonce);
    function sendPaidFor(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload,
        uint64 gasLimit,
        address payer
    ) external payable returns (bytes32 id, uint64 nonce);
    function sendHeld(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload,
        uint64 hold
    ) external returns (bytes32 id, uint64 nonce);
    function setSecurityConfig(uint64 sourceChain, address verifier) external;
    function setGasLimit(uint256 gasLimit) external;
    function retry(bytes calldata packet) external;
    function finalizeFailed(bytes calldata packet, bytes calldata lastError) external;
    function localChain() external view returns (uint64);
    function pauser() external view returns (address);
    function fees() external view returns (IStraitFees);
}

/// The endpoint's fees contract (`StraitFees`) as applications call it to hold a payment for a
/// message they send later ([STRAIT-FEE.10]).
interface IStraitFees {
    function quote(uint64 destination, uint64 gasLimit, uint256 payloadLen) external view returns (uint256);
    function hold(uint64 hold, address payer, uint64 destination, uint64 gasLimit, uint256 payloadLen)
        external
        payable;
    function releaseHold(uint64 hold) external returns (uint256 amount);
}
