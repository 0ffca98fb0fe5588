// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {StraitApp} from "./StraitApp.sol";
import {DeliveryOptions} from "../EndpointBase.sol";
import {StraitAppError, IStraitEndpoint} from "../IStrait.sol";

/// An example application on `StraitApp`: sends greetings to its peers, keeps the last greeting
/// from each chain, acknowledges with "hello, <greeting>", and follows each sent greeting to its
/// outcome. An empty greeting is refused (code 1).
contract Greeter is StraitApp {
    enum Status {
        None,
        Pending,
        Acknowledged,
        Failed,
        TimedOut
    }

    address public immutable admin;
    mapping(uint64 chain => bytes) public lastGreeting;
    mapping(bytes32 id => Status) public status;
    mapping(bytes32 id => bytes) public reply;

    constructor(IStraitEndpoint endpoint_, address admin_) StraitApp(endpoint_) {
        admin = admin_;
    }

    function setPeer(uint64 chain, bytes32 peer) external {
        require(msg.sender == admin, "admin only");
        _setPeer(chain, peer);
    }

    /// Greet the peer on `chain`, to be delivered before `timeoutHeight` (0: no timeout).
    function greet(uint64 chain, bytes calldata greeting, uint64 timeoutHeight)
        external
        returns (bytes32 id)
    {
        id = _straitSend(chain, greeting, DeliveryOptions(false, timeoutHeight, 0));
        status[id] = Status.Pending;
    }

    function _straitReceive(bytes32, uint64 sourceChain, uint64, bytes calldata payload)
        internal
        override
        returns (bytes memory)
    {
        if (payload.length == 0) revert StraitAppError(1, "empty greeting");
        lastGreeting[sourceChain] = payload;
        return bytes.concat("hello, ", payload);
    }

    function _onAck(bytes32 id, bytes calldata ack) internal override {
        status[id] = Status.Acknowledged;
        reply[id] = ack;
    }

    function _onFailure(bytes32 id, uint32, bytes calldata reason) internal override {
        status[id] = Status.Failed;
        reply[id] = reason;
    }

    function _onTimeout(bytes32 id) internal override {
        status[id] = Status.TimedOut;
    }
}
