// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {DeliveryOptions} from "../EndpointBase.sol";
import {Outcome, OutcomeKind} from "../Receipt.sol";
import {IStraitReceiver, IStraitSender, IStraitEndpoint} from "../IStrait.sol";

/// The devnet's counter on an EVM chain (`strait devnet`): accepts a message from anyone, counts
/// the messages received from each source chain, and acknowledges with the count; sends for anyone
/// (the counter is the sender, so outcomes come back to it) and counts the outcomes of what it
/// sent, by kind. Its deployer, the owner, may choose the verifier it trusts per source chain
/// (`setSecurityConfig`; the devnet's second counter trusts the native chains' light clients). No
/// other access control: a test and demo application, not one to hold value.
contract StraitCounter is IStraitReceiver, IStraitSender {
    /// The caller is not the endpoint.
    error NotEndpoint(address caller);
    /// The caller is not the owner.
    error NotOwner(address caller);

    IStraitEndpoint public immutable endpoint;
    /// The deployer: the only one who sets the counter's security config.
    address public immutable owner;
    /// Messages received from each source chain.
    mapping(uint64 chain => uint64) public received;
    /// Messages received in total.
    uint64 public receivedTotal;
    /// Outcomes of sent messages: executed, failed, timed out.
    uint64 public acked;
    uint64 public failedOutcomes;
    uint64 public timedOut;

    event Counted(bytes32 indexed id, uint64 indexed sourceChain, uint64 count);
    event OutcomeSeen(bytes32 indexed id, OutcomeKind kind);

    constructor(IStraitEndpoint endpoint_) {
        endpoint = endpoint_;
        owner = msg.sender;
    }

    /// Trust `verifier` for messages from `sourceChain` (0: the endpoint's default); the owner's
    /// call, forwarded to the endpoint as the counter's own config.
    function setSecurityConfig(uint64 sourceChain, address verifier) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        endpoint.setSecurityConfig(sourceChain, verifier);
    }

    /// Send `payload` to `receiver` on `chain` from this counter; returns the message id.
    function send(uint64 chain, bytes32 receiver, bytes calldata payload) external returns (bytes32 id) {
        (id,) = endpoint.send(chain, receiver, DeliveryOptions(false, 0, 0), payload);
    }

    /// @inheritdoc IStraitReceiver
    function straitReceive(bytes32 id, uint64 sourceChain, bytes32, uint64, bytes calldata)
        external
        returns (bytes memory)
    {
        if (msg.sender != address(endpoint)) revert NotEndpoint(msg.sender);
        uint64 count = ++received[sourceChain];
        ++receivedTotal;
        emit Counted(id, sourceChain, count);
        return abi.encodePacked(count);
    }

    /// @inheritdoc IStraitSender
    function straitOutcome(bytes32 id, Outcome calldata outcome) external {
        if (msg.sender != address(endpoint)) revert NotEndpoint(msg.sender);
        if (outcome.kind == OutcomeKind.Executed) ++acked;
        else if (outcome.kind == OutcomeKind.Failed) ++failedOutcomes;
        else ++timedOut;
        emit OutcomeSeen(id, outcome.kind);
    }
}
