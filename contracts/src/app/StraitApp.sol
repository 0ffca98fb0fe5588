// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {DeliveryOptions} from "../EndpointBase.sol";
import {Outcome, OutcomeKind} from "../Receipt.sol";
import {IStraitReceiver, IStraitSender, StraitAppError, IStraitEndpoint} from "../IStrait.sol";

/// A base for Strait applications (in the spirit of LayerZero's OApp and Hyperlane's Router): it
/// holds the endpoint and one trusted peer per remote chain, accepts calls from the endpoint
/// only, refuses messages from anyone but the peer, and splits outcomes into `_onAck`,
/// `_onFailure` and `_onTimeout`. An application writes `_straitReceive` and its own sends
/// through `_straitSend`; it fails a message by reverting (`StraitAppError` gives a code).
abstract contract StraitApp is IStraitReceiver, IStraitSender {
    /// Error code of a message from a sender that is not the source chain's peer.
    uint32 public constant UNKNOWN_PEER = 0xfffffe00;

    /// The caller is not the endpoint.
    error NotEndpoint(address caller);
    /// No peer is set for the destination chain.
    error NoPeer(uint64 chain);

    IStraitEndpoint public immutable endpoint;
    /// The application's address on each remote chain (32 bytes; an EVM address left-padded).
    mapping(uint64 chain => bytes32) public peers;

    event PeerSet(uint64 indexed chain, bytes32 peer);

    constructor(IStraitEndpoint endpoint_) {
        endpoint = endpoint_;
    }

    modifier onlyEndpoint() {
        if (msg.sender != address(endpoint)) revert NotEndpoint(msg.sender);
        _;
    }

    /// Trust `peer` as the application on `chain` (0: none). Access control is the application's.
    function _setPeer(uint64 chain, bytes32 peer) internal {
        peers[chain] = peer;
        emit PeerSet(chain, peer);
    }

    /// Send `payload` to the peer on `chain`; returns the message id. Its outcome comes back
    /// through `_onAck`, `_onFailure` or `_onTimeout`, exactly once.
    function _straitSend(uint64 chain, bytes memory payload, DeliveryOptions memory options)
        internal
        returns (bytes32 id)
    {
        bytes32 peer = peers[chain];
        if (peer == 0) revert NoPeer(chain);
        (id,) = endpoint.send(chain, peer, options, payload);
    }

    /// `_straitSend` paid with `value` wei (at least the endpoint fees' quote for `gasLimit` and the
    /// payload's length, [STRAIT-FEE.7]) on behalf of `payer`, who is credited what the message
    /// does not use at settlement. A gas limit of 0 sends it unpaid (`value` must then be 0).
    function _straitSendPaid(
        uint64 chain,
        bytes memory payload,
        DeliveryOptions memory options,
        uint64 gasLimit,
        uint256 value,
        address payer
    ) internal returns (bytes32 id) {
        bytes32 peer = peers[chain];
        if (peer == 0) revert NoPeer(chain);
        (id,) = endpoint.sendPaidFor{value: value}(chain, peer, options, payload, gasLimit, payer);
    }

    /// `_straitSend` paid with what this application holds under `hold` in the endpoint's fees
    /// ([STRAIT-FEE.10]: `endpoint.fees().hold`, called while a payer was there); unpaid when
    /// nothing is held.
    function _straitSendHeld(uint64 chain, bytes memory payload, DeliveryOptions memory options, uint64 hold)
        internal
        returns (bytes32 id)
    {
        bytes32 peer = peers[chain];
        if (peer == 0) revert NoPeer(chain);
        (id,) = endpoint.sendHeld(chain, peer, options, payload, hold);
    }

    /// @inheritdoc IStraitReceiver
    function straitReceive(
        bytes32 id,
        uint64 sourceChain,
        bytes32 sender,
        uint64 nonce,
        bytes calldata payload
    ) external onlyEndpoint returns (bytes memory) {
        if (sender == 0 || peers[sourceChain] != sender) {
            revert StraitAppError(UNKNOWN_PEER, "unknown peer");
        }
        return _straitReceive(id, sourceChain, nonce, payload);
    }

    /// @inheritdoc IStraitSender
    function straitOutcome(bytes32 id, Outcome calldata outcome) external onlyEndpoint {
        if (outcome.kind == OutcomeKind.Executed) _onAck(id, outcome.ack);
        else if (outcome.kind == OutcomeKind.Failed) _onFailure(id, outcome.code, outcome.reason);
        else _onTimeout(id);
    }

    /// Handle a message from the peer on `sourceChain`; return the acknowledgement (at most 4,096
    /// bytes) or revert to fail it.
    function _straitReceive(bytes32 id, uint64 sourceChain, uint64 nonce, bytes calldata payload)
        internal
        virtual
        returns (bytes memory ack);

    /// The message `id` was executed by the peer with `ack`.
    function _onAck(bytes32 id, bytes calldata ack) internal virtual {}

    /// The message `id` failed finally on the destination.
    function _onFailure(bytes32 id, uint32 code, bytes calldata reason) internal virtual {}

    /// The message `id` timed out: it was not and will never be executed.
    function _onTimeout(bytes32 id) internal virtual {}
}
