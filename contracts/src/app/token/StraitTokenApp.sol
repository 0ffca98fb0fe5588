// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {StraitApp} from "../StraitApp.sol";
import {DeliveryOptions} from "../../EndpointBase.sol";
import {StraitAppError, IStraitEndpoint, IStraitFees} from "../../IStrait.sol";
import {NotOwner, NotGuardian, UnexpectedValue} from "../../Errors.sol";
import {Packet, PacketCodec} from "../../Packet.sol";
import {Transfer, TokenCodec} from "./TokenCodec.sol";
import {TokenLimits} from "./TokenLimits.sol";
import {StraitVoucher} from "./StraitVoucher.sol";

/// The token transfer application on an EVM (SPEC §9, §9.1), the native token application's
/// rules and payload: ERC-20 tokens registered by the owner under a base denomination are escrowed
/// when they leave; tokens arriving from another chain are minted as vouchers (`StraitVoucher`,
/// one ERC-20 per denomination `<source>/<denom>`), burned when they go back the way they came and
/// released from escrow at home. A failed or timed-out transfer is refunded exactly once through
/// the endpoint's outcome (`straitOutcome`). Per direction, remote chain and token a rate limit
/// queues what does not fit (released by anyone, cancelled by its owner); a token's pause (its
/// topic, [STRAIT-PAUSE.4]) and the limits are set by the endpoint's `pauser` (a
/// `StraitGuardians`), as the endpoint's own switches. Errors are `StraitAppError(code, reason)`
/// with the native application's codes.
contract StraitTokenApp is StraitApp, TokenLimits {
    using SafeERC20 for IERC20;

    uint32 public constant BAD_TRANSFER = 1000;
    uint32 public constant INSUFFICIENT_FUNDS = 1001;
    uint32 public constant BAD_RECIPIENT = 1002;
    uint32 public constant OVERFLOW = 1003;
    uint32 public constant ESCROW_SHORT = 1004;
    uint32 public constant UNKNOWN_TRANSFER = 1005;
    uint32 public constant TOKEN_PAUSED = 1009;

    /// How a sent transfer left: escrowed here, or burned (a voucher going back).
    uint8 internal constant ESCROWED = 0;
    uint8 internal constant BURNED = 1;
    /// How a queued item ended ([STRAIT-LIMIT.4]).
    uint8 public constant END_RELEASED = 0;
    uint8 public constant END_CANCELLED = 1;
    uint8 public constant END_REFUNDED = 2;

    /// A sent transfer awaiting its outcome.
    struct Pending {
        address token;
        uint8 how;
        address sender;
        uint128 amount;
    }

    address public owner;
    StraitVoucher public immutable voucherImplementation;
    /// The endpoint's fees, which hold a queued paid transfer's payment ([STRAIT-FEE.10]).
    IStraitFees internal immutable fees;
    /// The local denomination of each known token (registered natives and vouchers).
    mapping(address token => string) public denomOf;
    /// The token of each local denomination, by `keccak256(denom)`.
    mapping(bytes32 denomHash => address) internal tokens;
    mapping(address token => bool) public isVoucher;
    /// Tokens escrowed here (they left and may come back).
    mapping(address token => uint256) public escrowOf;
    mapping(bytes32 id => Pending) public pending;
    /// Paused tokens, by topic (`keccak256("STRAIT/TOKEN/TOPIC/v1" || denom)`).
    mapping(bytes32 topic => bool) public topicPaused;

    event TokenRegistered(address indexed token, string denom);
    event VoucherCreated(address indexed token, string denom);
    event TransferSent(
        bytes32 indexed id,
        address indexed sender,
        uint64 indexed destination,
        bytes32 recipient,
        address token,
        uint128 amount
    );
    /// `queueId` 0: credited; otherwise the credit waits in the queue.
    event TransferReceived(
        bytes32 indexed id,
        uint64 indexed sourceChain,
        address indexed recipient,
        address token,
        uint128 amount,
        uint64 queueId
    );
    event TransferAcknowledged(bytes32 indexed id);
    event TransferRefunded(bytes32 indexed id, address indexed sender, address token, uint128 amount);
    event TransferQueued(
        uint64 indexed queueId,
        bytes32 indexed bucket,
        uint8 direction,
        address indexed owner,
        address token,
        uint128 amount
    );
    /// `sent`: the message the item sent (a release, or a cancelled credit sent back), if any.
    event QueueEnded(uint64 indexed queueId, uint8 how, bytes32 sent);
    event TokenPaused(bytes32 indexed topic, string denom, bool paused);

    constructor(IStraitEndpoint endpoint_, address owner_, Limit memory defaultLimit_)
        StraitApp(endpoint_)
        TokenLimits(defaultLimit_)
    {
        owner = owner_;
        voucherImplementation = new StraitVoucher();
        fees = endpoint_.fees();
    }

    function fail(uint32 code, string memory reason) internal pure {
        revert StraitAppError(code, reason);
    }

    // ---- Administration.

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// The endpoint's pauser (a `StraitGuardians`): pauses and limits ([STRAIT-PAUSE.4], [STRAIT-LIMIT.2]).
    modifier onlyGuardians() {
        if (msg.sender != endpoint.pauser()) revert NotGuardian(msg.sender);
        _;
    }

    function setOwner(address owner_) external onlyOwner {
        owner = owner_;
    }

    /// Trust `peer` (the token application on `chain`, 32 bytes); 0 removes it.
    function setPeer(uint64 chain, bytes32 peer) external onlyOwner {
        _setPeer(chain, peer);
    }

    /// The gas the endpoint gives this application's calls (a voucher's creation takes about 200,000).
    function setGasLimit(uint256 gasLimit) external onlyOwner {
        endpoint.setGasLimit(gasLimit);
    }

    /// The verifier of messages from `sourceChain` (0: the endpoint's default).
    function setSecurityConfig(uint64 sourceChain, address verifier) external onlyOwner {
        endpoint.setSecurityConfig(sourceChain, verifier);
    }

    /// Register an ERC-20 of this chain as the native token `base` (1 to 16 lowercase ASCII
    /// letters or digits; each token and each name once).
    function registerToken(address token, string calldata base) external onlyOwner {
        if (!TokenCodec.validBase(bytes(base))) fail(BAD_TRANSFER, "invalid base denom");
        if (
            token == address(0) || bytes(denomOf[token]).length != 0
                || tokens[keccak256(bytes(base))] != address(0)
        ) {
            fail(BAD_TRANSFER, "token or denom already registered");
        }
        denomOf[token] = base;
        tokens[keccak256(bytes(base))] = token;
        emit TokenRegistered(token, base);
    }

    /// Pause or unpause a token's transfers ([STRAIT-PAUSE.4]): nothing of it is sent or released
    /// while paused; received transfers of it execute and their credits wait in the queue.
    function setTokenPaused(string calldata denom, bool paused) external onlyGuardians {
        bytes32 t = TokenCodec.topic(denom);
        topicPaused[t] = paused;
        emit TokenPaused(t, denom, paused);
    }

    /// Set a bucket's limit ([STRAIT-LIMIT.2]; capacity at most `MAX_CAPACITY`).
    function setLimit(
        uint8 direction,
        uint64 remote,
        string calldata denom,
        uint128 capacity,
        uint128 refillPerS
    ) external onlyGuardians {
        if (direction > IN || !TokenCodec.validDenom(bytes(denom))) {
            fail(BAD_TRANSFER, "malformed bucket");
        }
        setLimit_(bucketId(direction, remote, denom), Limit(capacity, refillPerS));
    }

    // ---- Views.

    /// The token of a local denomination (0: none).
    function tokenOf(string calldata denom) external view returns (address) {
        return tokens[keccak256(bytes(denom))];
    }

    /// The voucher address of `denom`, created or not.
    function voucherAddress(string memory denom) public view returns (address) {
        return Clones.predictDeterministicAddress(address(voucherImplementation), keccak256(bytes(denom)));
    }

    function bucketId(uint8 direction, uint64 remote, string memory denom) public pure returns (bytes32) {
        return keccak256(TokenCodec.bucket(direction, remote, denom));
    }

    function topicOf(string calldata denom) external pure returns (bytes32) {
        return TokenCodec.topic(denom);
    }

    // ---- Sending ([STRAIT-TOKEN.2]).

    /// Send `amount` of `token` (approved to this contract first) to `recipient` on `destination`:
    /// escrowed, or burned if it goes back the way it came. Returns the message id, or 0 and the
    /// queue id when over the outbound limit ([STRAIT-LIMIT.3]). Timeouts 0: none. Unpaid.
    function sendTransfer(
        address token,
        uint64 destination,
        bytes32 recipient,
        uint128 amount,
        uint64 timeoutHeight,
        uint64 timeoutTimestamp
    ) external returns (bytes32 id, uint64 queueId) {
        return transferOut(token, destination, recipient, amount, timeoutHeight, timeoutTimestamp, 0);
    }

    /// `sendTransfer` with its message paid ([STRAIT-FEE.7]): `msg.value`, at least the endpoint
    /// fees' quote for `gasLimit` and the transfer payload's length (`2 + denom length + 80`
    /// bytes), the sender the payer. Over the outbound limit it queues with its payment held in
    /// the endpoint's fees under its queue id, and the release sends it paid with that payment
    /// ([STRAIT-FEE.10]). A gas limit of 0 is an unpaid transfer, which carries no value
    /// (`UnexpectedValue`).
    function sendTransferPaid(
        address token,
        uint64 destination,
        bytes32 recipient,
        uint128 amount,
        uint64 timeoutHeight,
        uint64 timeoutTimestamp,
        uint64 gasLimit
    ) external payable returns (bytes32 id, uint64 queueId) {
        if (gasLimit == 0 && msg.value != 0) revert UnexpectedValue(msg.value);
        return transferOut(token, destination, recipient, amount, timeoutHeight, timeoutTimestamp, gasLimit);
    }

    function transferOut(
        address token,
        uint64 destination,
        bytes32 recipient,
        uint128 amount,
        uint64 timeoutHeight,
        uint64 timeoutTimestamp,
        uint64 gasLimit
    ) internal returns (bytes32 id, uint64 queueId) {
        string memory denom = denomOf[token];
        if (bytes(denom).length == 0) fail(BAD_TRANSFER, "unknown token");
        if (amount == 0) fail(BAD_TRANSFER, "amount 0");
        if (IERC20(token).balanceOf(msg.sender) < amount) {
            fail(INSUFFICIENT_FUNDS, "balance below the amount");
        }
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        if (IERC20(token).balanceOf(address(this)) != before + amount) {
            fail(BAD_TRANSFER, "the token moved another amount");
        }
        Item memory item = Item({
            direction: OUT,
            how: 0,
            remote: destination,
            timeoutHeight: timeoutHeight,
            timeoutTimestamp: timeoutTimestamp,
            token: token,
            amount: amount,
            owner: msg.sender,
            counterparty: recipient,
            bucket: bucketId(OUT, destination, denom)
        });
        return sendOut(item, denom, gasLimit);
    }

    /// The application holds `item.amount`: escrow or burn it, then send or queue it.
    /// A paid one (`gasLimit` not 0, `msg.value` its payment) is sent now, or queued with its
    /// payment held under the queue id.
    function sendOut(Item memory item, string memory denom, uint64 gasLimit)
        internal
        returns (bytes32 id, uint64 queueId)
    {
        if (topicPaused[TokenCodec.topic(denom)]) {
            fail(TOKEN_PAUSED, string.concat(denom, " is paused"));
        }
        if (peers[item.remote] == 0) fail(BAD_TRANSFER, "the destination is not a remote");
        if (TokenCodec.startsWith(bytes(denom), TokenCodec.prefix(item.remote))) {
            StraitVoucher(item.token).burn(item.amount);
            item.how = BURNED;
        } else {
            uint256 escrow = escrowOf[item.token] + item.amount;
            if (escrow > type(uint128).max) fail(OVERFLOW, "amount overflows");
            escrowOf[item.token] = escrow;
            item.how = ESCROWED;
        }
        if (hasQueue(item.bucket) || !tryTake(item.bucket, item.amount)) {
            queueId = enqueue(item);
            if (gasLimit != 0) {
                // The quote is the transfer payload's: `2 + denom length + 80` bytes.
                fees.hold{value: msg.value}(
                    queueId, item.owner, item.remote, gasLimit, bytes(denom).length + 82
                );
            }
            emit TransferQueued(queueId, item.bucket, OUT, item.owner, item.token, item.amount);
            return (0, queueId);
        }
        return (sendNow(item, denom, gasLimit, 0), 0);
    }

    /// Send `item`'s transfer message: released from queue id `queued` (not 0), paid with what is
    /// held under it; else paid with `msg.value` for `gasLimit` by its owner unless `gasLimit` is 0
    /// (then with no value, whatever the call carries).
    function sendNow(Item memory item, string memory denom, uint64 gasLimit, uint64 queued)
        internal
        returns (bytes32 id)
    {
        bytes memory payload = TokenCodec.encode(
            Transfer({
                denom: denom,
                amount: item.amount,
                sender: PacketCodec.toAddress32(item.owner),
                recipient: item.counterparty
            })
        );
        DeliveryOptions memory options = DeliveryOptions(false, item.timeoutHeight, item.timeoutTimestamp);
        id = queued != 0
            ? _straitSendHeld(item.remote, payload, options, queued)
            : _straitSendPaid(
                item.remote, payload, options, gasLimit, gasLimit == 0 ? 0 : msg.value, item.owner
            );
        pending[id] = Pending(item.token, item.how, item.owner, item.amount);
        emit TransferSent(id, item.owner, item.remote, item.counterparty, item.token, item.amount);
    }

    // ---- Receiving ([STRAIT-TOKEN.3]).

    function _straitReceive(bytes32 id, uint64 sourceChain, uint64, bytes calldata payload)
        internal
        override
        returns (bytes memory)
    {
        (Transfer memory t, string memory why) = TokenCodec.decode(payload);
        if (bytes(why).length != 0) fail(BAD_TRANSFER, why);
        if (t.recipient == 0) fail(BAD_RECIPIENT, "the zero address cannot receive tokens");
        if (uint256(t.recipient) >> 160 != 0) fail(BAD_RECIPIENT, "the recipient is not an EVM address");
        address recipient = address(uint160(uint256(t.recipient)));
        (string memory local, bool home) = TokenCodec.localDenom(endpoint.localChain(), sourceChain, t.denom);
        address token;
        if (home) {
            token = tokens[keccak256(bytes(local))];
            uint256 escrow = escrowOf[token];
            if (token == address(0) || escrow < t.amount) fail(ESCROW_SHORT, "the escrow holds less");
            escrowOf[token] = escrow - t.amount;
        } else {
            if (bytes(local).length > TokenCodec.MAX_DENOM_LEN) {
                fail(BAD_TRANSFER, "the voucher's path is too long");
            }
            token = voucher(local);
            if (IERC20(token).totalSupply() + t.amount > type(uint128).max) {
                fail(OVERFLOW, "amount overflows");
            }
            StraitVoucher(token).mint(address(this), t.amount);
        }
        bytes32 bucket = bucketId(IN, sourceChain, local);
        if (topicPaused[TokenCodec.topic(local)] || hasQueue(bucket) || !tryTake(bucket, t.amount)) {
            uint64 queueId = enqueue(
                Item({
                    direction: IN,
                    how: 0,
                    remote: sourceChain,
                    timeoutHeight: 0,
                    timeoutTimestamp: 0,
                    token: token,
                    amount: t.amount,
                    owner: recipient,
                    counterparty: t.sender,
                    bucket: bucket
                })
            );
            emit TransferQueued(queueId, bucket, IN, recipient, token, t.amount);
            emit TransferReceived(id, sourceChain, recipient, token, t.amount, queueId);
            return abi.encodePacked("queued", queueId);
        }
        IERC20(token).safeTransfer(recipient, t.amount);
        emit TransferReceived(id, sourceChain, recipient, token, t.amount, 0);
        return "ok";
    }

    /// The voucher of `denom`, created on its first arrival.
    function voucher(string memory denom) internal returns (address token) {
        bytes32 h = keccak256(bytes(denom));
        token = tokens[h];
        if (token != address(0)) return token;
        token = Clones.cloneDeterministic(address(voucherImplementation), h);
        StraitVoucher(token).initialize(denom);
        tokens[h] = token;
        denomOf[token] = denom;
        isVoucher[token] = true;
        emit VoucherCreated(token, denom);
    }

    /// [STRAIT-TOKEN.5] Anyone may finalize as failed a transfer to this application that no retry
    /// can execute (malformed, or to the zero address or a non-EVM recipient), so its refund does
    /// not wait for the retry window. `lastError`: the failed outcome's encoding.
    function finalize(bytes calldata packet, bytes calldata lastError) external {
        Packet memory p = PacketCodec.decodeChecked(packet);
        if (
            p.receiver != PacketCodec.toAddress32(address(this))
                || p.destinationChain != endpoint.localChain()
        ) {
            fail(BAD_TRANSFER, "not a transfer to this application");
        }
        // The payload follows the header (PacketCodec.decodeChecked checked the lengths).
        (Transfer memory t, string memory why) = TokenCodec.decode(packet[PacketCodec.HEADER_LEN:]);
        if (bytes(why).length == 0 && t.recipient != 0 && uint256(t.recipient) >> 160 == 0) {
            fail(BAD_TRANSFER, "this transfer may still execute: retry it, or wait for the retry window");
        }
        endpoint.finalizeFailed(packet, lastError);
    }

    // ---- Outcomes ([STRAIT-TOKEN.4], [STRAIT-TOKEN.5]).

    function _onAck(bytes32 id, bytes calldata) internal override {
        takePending(id);
        emit TransferAcknowledged(id);
    }

    function _onFailure(bytes32 id, uint32, bytes calldata) internal override {
        refund(id);
    }

    function _onTimeout(bytes32 id) internal override {
        refund(id);
    }

    function refund(bytes32 id) internal {
        Pending memory p = takePending(id);
        giveBack(p.token, p.how, p.sender, p.amount);
        emit TransferRefunded(id, p.sender, p.token, p.amount);
    }

    /// The transfer awaiting the outcome of message `id`, no longer awaiting (`UNKNOWN_TRANSFER`
    /// if none).
    function takePending(bytes32 id) internal returns (Pending memory p) {
        p = pending[id];
        if (p.token == address(0)) fail(UNKNOWN_TRANSFER, "no transfer awaits this outcome");
        delete pending[id];
    }

    /// A queued outbound transfer that is not sent: its tokens and any payment held for it
    /// ([STRAIT-FEE.10]) go back to its owner.
    function refundQueued(uint64 queueId, Item memory item) internal {
        giveBack(item.token, item.how, item.owner, item.amount);
        fees.releaseHold(queueId);
    }

    /// Undo how `amount` left: release it from escrow, or mint the burned voucher again.
    function giveBack(address token, uint8 how, address to, uint128 amount) internal {
        if (how == ESCROWED) {
            uint256 escrow = escrowOf[token];
            if (escrow < amount) fail(ESCROW_SHORT, "the escrow holds less");
            escrowOf[token] = escrow - amount;
            IERC20(token).safeTransfer(to, amount);
        } else {
            StraitVoucher(token).mint(to, amount);
        }
    }

    // ---- Queues ([STRAIT-LIMIT.3] to [STRAIT-LIMIT.5]).

    /// Release, FIFO, what fits in `bucket` now, looking at most at `max` queue positions; anyone
    /// may call it. Refused while the bucket's token is paused.
    function release(bytes32 bucket, uint256 max) external returns (uint256 released) {
        return releaseFifo(bucket, max);
    }

    /// Every item of a bucket has the bucket's token, so a paused token's first item refuses the
    /// whole release.
    function released_(uint64 id, Item memory item) internal override {
        string memory denom = denomOf[item.token];
        if (topicPaused[TokenCodec.topic(denom)]) fail(TOKEN_PAUSED, string.concat(denom, " is paused"));
        if (item.direction == IN) {
            IERC20(item.token).safeTransfer(item.owner, item.amount);
            emit QueueEnded(id, END_RELEASED, 0);
        } else if (peers[item.remote] == 0) {
            // No longer a remote: refunded, so that the item cannot block its queue.
            refundQueued(id, item);
            emit QueueEnded(id, END_REFUNDED, 0);
        } else {
            emit QueueEnded(id, END_RELEASED, sendNow(item, denom, 0, id));
        }
    }

    /// Cancel queued item `queueId`, its owner only, exactly once: an outbound transfer is refunded;
    /// an inbound credit is sent back to its sender on the source chain (under the outbound limit,
    /// so it may queue in turn; refused while the token is paused).
    function cancel(uint64 queueId) external returns (bytes32 sent, uint64 requeued) {
        Item memory item = items[queueId];
        if (item.token == address(0)) fail(NOT_QUEUED, "no transfer queued under this id");
        if (item.owner != msg.sender) fail(NOT_OWNER, "the queued transfer is its owner's to cancel");
        take(queueId);
        if (item.direction == OUT) {
            refundQueued(queueId, item);
        } else {
            // Sent back: an outbound transfer of the credit, with no timeouts.
            string memory denom = denomOf[item.token];
            item.direction = OUT;
            item.timeoutHeight = 0;
            item.timeoutTimestamp = 0;
            item.bucket = bucketId(OUT, item.remote, denom);
            (sent, requeued) = sendOut(item, denom, 0);
        }
        emit QueueEnded(queueId, END_CANCELLED, sent);
    }
}
