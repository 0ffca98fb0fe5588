// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {
    NotGuardian,
    NoOracle,
    InsufficientFee,
    TransferFailed,
    NotEndpoint,
    UnexpectedValue,
    ZeroPayer,
    HoldInUse
} from "./Errors.sol";

/// A destination's fee oracle entry ([STRAIT-FEE.5]), in wei; all zero: no entry.
struct FeeOracle {
    uint128 gasPrice;
    uint128 baseDelivery;
    uint128 perByte;
    uint128 ackFee;
}

/// A payment locked at send under the message id ([STRAIT-FEE.7]): the payer, the gas limit and
/// the quote's parts when it was sent (a later oracle change does not touch them), and the amount
/// paid (the quote and any excess, which goes back to the payer with the rest at settlement).
struct FeeLock {
    address payer;
    uint64 gasLimit;
    uint128 gasPrice;
    uint128 delivery;
    uint128 ackFee;
    uint128 amount;
}

/// The endpoint's message fees (SPEC §11 on an EVM, §4.8), in native ETH: the fee oracle per
/// destination, set by the endpoint's guardians only; quotes; payments locked at send under the
/// message id; payments an application holds for a message it sends later ([STRAIT-FEE.10]);
/// their split when the outcome settles, exactly once; withdrawals. Its own contract, deployed
/// just before the endpoint, which takes its address (so that the endpoint's code and creation
/// code fit EIP-170's and EIP-3860's size limits, ADR 0031); the endpoint alone locks, attaches
/// held payments to messages and splits.
contract StraitFees {
    /// The endpoint this contract serves.
    IGuarded public immutable endpoint;
    /// The fee oracle per destination chain ([STRAIT-FEE.5]).
    mapping(uint64 destination => FeeOracle) internal oracle;
    /// Payments locked at send ([STRAIT-FEE.7]), deleted when split.
    mapping(bytes32 id => FeeLock) internal locks;
    /// Fees and refunds owed, withdrawn by their owner ([STRAIT-FEE.8]).
    mapping(address account => uint256) public feesOwed;
    /// Payments held for messages their holder sends later ([STRAIT-FEE.10]), by holder and the
    /// holder's hold id; deleted when attached to the message or released.
    mapping(address holder => mapping(uint64 hold => FeeLock)) internal holds;

    event FeeOracleSet(uint64 indexed destination, FeeOracle entry);
    /// A paid message's payment was locked ([STRAIT-FEE.7]).
    event FeeLocked(bytes32 indexed id, address indexed payer, uint64 gasLimit, uint256 amount);
    /// A paid message's payment was split at settlement ([STRAIT-FEE.8]).
    event FeeSplit(
        bytes32 indexed id,
        address deliverer,
        uint256 delivererFee,
        address relayer,
        uint256 ackFee,
        uint256 refund
    );
    event FeesWithdrawn(address indexed account, address to, uint256 amount);
    /// A payment was held for a message sent later ([STRAIT-FEE.10]).
    event FeeHeld(
        address indexed holder, uint64 indexed hold, address indexed payer, uint64 gasLimit, uint256 amount
    );
    /// A held payment was given back whole to its payer ([STRAIT-FEE.10]).
    event HeldFeeReleased(address indexed holder, uint64 indexed hold, address indexed payer, uint256 amount);

    /// `endpoint_`: the endpoint this contract serves, deployed next by the same account (its
    /// address known beforehand, `CREATE`'s); the endpoint's constructor checks it.
    constructor(address endpoint_) {
        endpoint = IGuarded(endpoint_);
    }

    modifier onlyEndpoint() {
        if (msg.sender != address(endpoint)) revert NotEndpoint(msg.sender);
        _;
    }

    /// Set the fee oracle entry for `destination` ([STRAIT-FEE.5]): the endpoint's guardians
    /// (its `pauser`, a `StraitGuardians`) only, never a single key. Locked payments keep their
    /// parts.
    function setFeeOracle(uint64 destination, FeeOracle calldata entry) external {
        if (msg.sender != endpoint.pauser()) revert NotGuardian(msg.sender);
        oracle[destination] = entry;
        emit FeeOracleSet(destination, entry);
    }

    /// The quote of a message to `destination` with `gasLimit` and a payload of `payloadLen`
    /// bytes ([STRAIT-FEE.5]): `base_delivery + per_byte * n + gasLimit * gas_price + ack_fee`;
    /// 0 for an unpaid message (gas limit 0). `NoOracle` for a paid one without an entry.
    function quote(uint64 destination, uint64 gasLimit, uint256 payloadLen) public view returns (uint256) {
        if (gasLimit == 0) return 0;
        FeeOracle memory f = oracle[destination];
        if (f.gasPrice == 0 && f.baseDelivery == 0 && f.perByte == 0 && f.ackFee == 0) {
            revert NoOracle(destination);
        }
        return f.baseDelivery + f.perByte * payloadLen + uint256(gasLimit) * f.gasPrice + f.ackFee;
    }

    /// Lock `msg.value` for message `id` ([STRAIT-FEE.7]): at least its quote (`NoOracle`,
    /// `InsufficientFee`). The endpoint only, in the send.
    function lock(bytes32 id, address payer, uint64 destination, uint64 gasLimit, uint256 payloadLen)
        external
        payable
        onlyEndpoint
    {
        locks[id] = lockOf(payer, destination, gasLimit, payloadLen);
        emit FeeLocked(id, payer, gasLimit, msg.value);
    }

    /// The lock of `msg.value` for a message to `destination` with `gasLimit` and `payloadLen`
    /// bytes: at least its quote (`NoOracle`, `InsufficientFee`), the quote's parts as now.
    function lockOf(address payer, uint64 destination, uint64 gasLimit, uint256 payloadLen)
        private
        view
        returns (FeeLock memory)
    {
        uint256 need = quote(destination, gasLimit, payloadLen);
        if (msg.value < need) revert InsufficientFee(need, msg.value);
        FeeOracle memory f = oracle[destination];
        // The casts keep every value: `msg.value`, at least any part, is below 2^128 wei.
        return FeeLock(
            payer,
            gasLimit,
            f.gasPrice,
            uint128(f.baseDelivery + f.perByte * payloadLen),
            f.ackFee,
            uint128(msg.value)
        );
    }

    /// [STRAIT-FEE.10] Hold `msg.value` under the caller's id `hold_` for a message to
    /// `destination` that the caller sends later with the endpoint's `sendHeld`, when no one may
    /// be there to pay (a queued token transfer): at least the quote of `gasLimit` and
    /// `payloadLen` bytes (`NoOracle`, `InsufficientFee`), its parts fixed now as at a send;
    /// `payer` (not 0, `ZeroPayer`) is credited what the message does not use. A gas limit of 0
    /// holds nothing and carries no value (`UnexpectedValue`). An id in use is refused
    /// (`HoldInUse`), never overwritten. Anyone may hold: a hold is its holder's own.
    function hold(uint64 hold_, address payer, uint64 destination, uint64 gasLimit, uint256 payloadLen)
        external
        payable
    {
        if (gasLimit == 0) {
            if (msg.value != 0) revert UnexpectedValue(msg.value);
            return;
        }
        if (payer == address(0)) revert ZeroPayer();
        if (holds[msg.sender][hold_].payer != address(0)) revert HoldInUse(msg.sender, hold_);
        holds[msg.sender][hold_] = lockOf(payer, destination, gasLimit, payloadLen);
        emit FeeHeld(msg.sender, hold_, payer, gasLimit, msg.value);
    }

    /// [STRAIT-FEE.10] Move `holder`'s held payment `hold_`, unchanged (an oracle change since
    /// does not touch it), to message `id`, which the endpoint has just sent for the holder; false
    /// when nothing is held (the message goes unpaid). The endpoint only.
    function attach(address holder, uint64 hold_, bytes32 id) external onlyEndpoint returns (bool) {
        FeeLock memory l = holds[holder][hold_];
        if (l.payer == address(0)) return false;
        delete holds[holder][hold_];
        locks[id] = l;
        emit FeeLocked(id, l.payer, l.gasLimit, l.amount);
        return true;
    }

    /// [STRAIT-FEE.10] Give the caller's held payment `hold_` back whole to its payer, credited as
    /// a refund (`withdraw`). Returns the amount, 0 when nothing is held.
    function releaseHold(uint64 hold_) external returns (uint256 amount) {
        FeeLock memory l = holds[msg.sender][hold_];
        if (l.payer == address(0)) return 0;
        delete holds[msg.sender][hold_];
        feesOwed[l.payer] += l.amount;
        emit HeldFeeReleased(msg.sender, hold_, l.payer, l.amount);
        return l.amount;
    }

    /// [STRAIT-FEE.8] Split the payment locked for `id` when its outcome settles: the deliverer
    /// `delivery + min(gasUsed, gasLimit) * gasPrice`, `relayer` (who proved the outcome back)
    /// the ack fee, the payer the rest. The lock is deleted, so a payment is split at most once.
    /// A deliverer that is not an EVM address (an account of a non-EVM chain) or is 0 cannot be
    /// paid here: its share goes back to the payer. Amounts are credited, not pushed, so no
    /// recipient can make a settlement fail. The endpoint only.
    function split(bytes32 id, bytes32 deliverer32, uint64 gasUsed, address relayer) external onlyEndpoint {
        FeeLock memory l = locks[id];
        if (l.payer == address(0)) return;
        delete locks[id];
        uint256 gas = gasUsed < l.gasLimit ? gasUsed : l.gasLimit;
        uint256 toDeliverer = l.delivery + gas * l.gasPrice;
        address deliverer = address(uint160(uint256(deliverer32)));
        if (uint256(deliverer32) >> 160 != 0 || deliverer == address(0)) deliverer = l.payer;
        uint256 refund = l.amount - toDeliverer - l.ackFee;
        feesOwed[deliverer] += toDeliverer;
        feesOwed[relayer] += l.ackFee;
        feesOwed[l.payer] += refund;
        emit FeeSplit(id, deliverer, toDeliverer, relayer, l.ackFee, refund);
    }

    /// Withdraw the caller's fees and refunds to `to` (`TransferFailed` if it refuses them).
    function withdraw(address payable to) external returns (uint256 amount) {
        amount = feesOwed[msg.sender];
        feesOwed[msg.sender] = 0;
        emit FeesWithdrawn(msg.sender, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    /// The fee oracle entry for `destination` (all zero: none).
    function feeOracle(uint64 destination) external view returns (FeeOracle memory) {
        return oracle[destination];
    }

    /// The payment locked for message `id` (payer 0: none, or already split).
    function feeLock(bytes32 id) external view returns (FeeLock memory) {
        return locks[id];
    }

    /// The payment `holder` holds under `hold_` (payer 0: none, attached or released).
    function heldFee(address holder, uint64 hold_) external view returns (FeeLock memory) {
        return holds[holder][hold_];
    }
}

/// What the fees contract reads of its endpoint.
interface IGuarded {
    function pauser() external view returns (address);
}
