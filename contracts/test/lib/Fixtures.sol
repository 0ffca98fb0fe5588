// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {IStraitVerifier, IStraitReceiver, IStraitSender, StraitAppError} from "../../src/IStrait.sol";
import {StraitEndpoint} from "../../src/StraitEndpoint.sol";
import {DeliveryOptions} from "../../src/EndpointBase.sol";
import {Outcome, OutcomeKind} from "../../src/Receipt.sol";

/// A verifier for tests: roots are set by hand (no signature checked).
contract TestVerifier is IStraitVerifier {
    uint64 public chain;
    bool public frozen;
    mapping(uint64 height => bytes32) public roots;

    constructor(uint64 chain_) {
        chain = chain_;
    }

    function setRoot(uint64 height, bytes32 root) external {
        roots[height] = root;
    }

    function setFrozen(bool frozen_) external {
        frozen = frozen_;
    }

    function setChain(uint64 chain_) external {
        chain = chain_;
    }

    function rootAt(uint64 height) external view returns (uint64, bool, bytes32) {
        return (chain, frozen, roots[height]);
    }
}

/// An application whose behaviour the test chooses: it records what it receives and the
/// outcomes of what it sent, and fails in every way an EVM contract can.
contract ProbeApp is IStraitReceiver, IStraitSender {
    enum Mode {
        Ack,
        AppError,
        ErrorString,
        Panic,
        BurnGas,
        HugeAck,
        ReturnBomb,
        BadUtf8,
        LongReason,
        Empty,
        MaxAck
    }

    StraitEndpoint public immutable endpoint;
    Mode public mode;
    bool public failOutcomes;
    mapping(bytes32 id => bool) public failOutcomeOf;
    uint256 public received;
    bytes public lastPayload;
    mapping(bytes32 id => uint256) public outcomes;
    mapping(bytes32 id => Outcome) internal outcomeOf;

    constructor(StraitEndpoint endpoint_) {
        endpoint = endpoint_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /// Fail the callback of message `id` only.
    function setFailOutcome(bytes32 id, bool fail) external {
        failOutcomeOf[id] = fail;
    }

    function setFailOutcomes(bool fail) external {
        failOutcomes = fail;
    }

    function send(uint64 chain, bytes32 receiver, DeliveryOptions calldata options, bytes calldata payload)
        external
        returns (bytes32 id)
    {
        (id,) = endpoint.send(chain, receiver, options, payload);
    }

    function sendPaid(
        uint64 chain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload,
        uint64 gasLimit
    ) external payable returns (bytes32 id) {
        (id,) = endpoint.sendPaid{value: msg.value}(chain, receiver, options, payload, gasLimit);
    }

    function straitReceive(bytes32, uint64, bytes32, uint64, bytes calldata payload)
        external
        returns (bytes memory)
    {
        require(msg.sender == address(endpoint), "endpoint only");
        ++received;
        lastPayload = payload;
        Mode m = mode;
        if (m == Mode.AppError) revert StraitAppError(7, "refused");
        if (m == Mode.ErrorString) revert("plain");
        if (m == Mode.Panic) assert(false);
        if (m == Mode.BurnGas) {
            while (true) {}
        }
        if (m == Mode.HugeAck) return new bytes(4097);
        if (m == Mode.MaxAck) return new bytes(4096);
        if (m == Mode.ReturnBomb) {
            assembly {
                revert(0, 100000)
            }
        }
        if (m == Mode.BadUtf8) revert StraitAppError(8, string(bytes(hex"ff")));
        if (m == Mode.LongReason) revert StraitAppError(9, string(bytes.concat(new bytes(255), hex"c3a9")));
        if (m == Mode.Empty) return "";
        return bytes.concat("ack:", payload);
    }

    function straitOutcome(bytes32 id, Outcome calldata o) external {
        require(msg.sender == address(endpoint), "endpoint only");
        if (failOutcomes || failOutcomeOf[id]) revert StraitAppError(11, "not now");
        ++outcomes[id];
        outcomeOf[id] = o;
    }

    function outcome(bytes32 id) external view returns (Outcome memory) {
        return outcomeOf[id];
    }
}

/// An application that does nothing: the gas figures' receiver, so they exclude an app's work.
contract NoopApp is IStraitReceiver {
    function straitReceive(bytes32, uint64, bytes32, uint64, bytes calldata)
        external
        pure
        returns (bytes memory)
    {}
}

/// An application that fails until armed, then, when retried, retries (or finalizes) the same
/// message from inside its own run: the nested call must find nothing to retry.
contract ReentrantApp is IStraitReceiver {
    StraitEndpoint public immutable endpoint;
    bytes public packet;
    bool public finalizeInside;
    bool internal inside;
    bytes public nestedError;

    constructor(StraitEndpoint endpoint_) {
        endpoint = endpoint_;
    }

    function arm(bytes calldata packet_, bool finalizeInside_) external {
        packet = packet_;
        finalizeInside = finalizeInside_;
    }

    function straitReceive(bytes32, uint64, bytes32, uint64, bytes calldata) external returns (bytes memory) {
        // Not armed: the first run fails (a revert also undoes its writes, so a flag set by the
        // test tells the runs apart).
        if (packet.length == 0) revert StraitAppError(5, "first run fails");
        if (inside) return "inner";
        inside = true;
        if (finalizeInside) {
            try endpoint.finalizeFailed(
                packet, abi.encodePacked(uint8(1), uint32(5), uint32(15), "first run fails")
            ) {}
            catch (bytes memory err) {
                nestedError = err;
            }
        } else {
            try endpoint.retry(packet) {}
            catch (bytes memory err) {
                nestedError = err;
            }
        }
        inside = false;
        return "outer";
    }
}

/// An application that, on its first message, sets its security config for the source chain to
/// `next` (a receiver that changes its configuration in the middle of a batch).
contract ReconfiguringApp is IStraitReceiver {
    StraitEndpoint public immutable endpoint;
    uint64 public immutable source;
    address public immutable next;
    uint256 public received;

    constructor(StraitEndpoint endpoint_, uint64 source_, address next_) {
        (endpoint, source, next) = (endpoint_, source_, next_);
    }

    function straitReceive(bytes32, uint64, bytes32, uint64, bytes calldata) external returns (bytes memory) {
        if (++received == 1) endpoint.setSecurityConfig(source, next);
        return "";
    }
}

/// A verifier that burns all the gas it gets.
contract GreedyVerifier is IStraitVerifier {
    function rootAt(uint64) external pure returns (uint64, bool, bytes32) {
        while (true) {}
        return (0, false, 0);
    }
}

/// A verifier whose `rootAt` answers malformed data: `words` 32-byte words, the first (chain) 2,
/// the second (frozen) `flag`, the third a root.
contract MalformedVerifier {
    uint256 internal immutable words;
    uint256 internal immutable flag;

    constructor(uint256 words_, uint256 flag_) {
        words = words_;
        flag = flag_;
    }

    fallback() external {
        uint256 n = words * 32;
        uint256 f = flag;
        assembly {
            mstore(0, 2)
            mstore(32, f)
            mstore(64, 0x1234)
            return(0, n)
        }
    }
}

/// An application whose acknowledgement is as long as its payload says (a u256): for the outcome
/// messages' payload bound.
contract SizedAckApp is IStraitReceiver {
    function straitReceive(bytes32, uint64, bytes32, uint64, bytes calldata payload)
        external
        pure
        returns (bytes memory)
    {
        return new bytes(abi.decode(payload, (uint256)));
    }
}
