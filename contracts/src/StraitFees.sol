// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NotGuardian, NoOracle, InsufficientFee, TransferFailed, NotEndpoint} from "./Errors.sol";

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
/// message id; their split when the outcome settles, exactly once; withdrawals. Created by the
/// endpoint (its own contract so that the endpoint fits EIP-170's code size limit), which alone
/// locks and splits.
contract StraitFees {
    /// The endpoint that created this contract.
    IGuarded public immutable endpoint;
    /// The fee oracle per destination chain ([STRAIT-FEE.5]).
    mapping(uint64 destination => FeeOracle) internal oracle;
    /// Payments locked at send ([STRAIT-FEE.7]), deleted when split.
    mapping(bytes32 id => FeeLock) internal locks;
    /// Fees and refunds owed, withdrawn by their owner ([STRAIT-FEE.8]).
    mapping(address account => uint256) public feesOwed;

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

    constructor() {
        endpoint = IGuarded(msg.sender);
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
        uint256 need = quote(destination, gasLimit, payloadLen);
        if (msg.value < need) revert InsufficientFee(need, msg.value);
        FeeOracle memory f = oracle[destination];
        // The casts keep every value: `msg.value`, at least any part, is below 2^128 wei.
        locks[id] = FeeLock(
            payer,
            gasLimit,
            f.gasPrice,
            uint128(f.baseDelivery + f.perByte * payloadLen),
            f.ackFee,
            uint128(msg.value)
        );
        emit FeeLocked(id, payer, gasLimit, msg.value);
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
}

/// What the fees contract reads of its endpoint.
interface IGuarded {
    function pauser() external view returns (address);
}
