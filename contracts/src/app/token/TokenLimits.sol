// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {StraitAppError} from "../../IStrait.sol";

/// Token-bucket rate limits and FIFO queues of the token application ([STRAIT-LIMIT.1],
/// [STRAIT-LIMIT.3]), as the native application's `apps::token::{limits, queue}`. A bucket is named
/// by `keccak256(direction u8 | remote u64 | denom_len u8 | denom)`; its level is kept in
/// thousandths and refills `refillPerS` per second of block time (ms: `block.timestamp * 1000`) up to
/// the capacity; a bucket never used is full.
abstract contract TokenLimits {
    /// Largest capacity: `u128::MAX / 1000` (the level is kept in thousandths).
    uint128 public constant MAX_CAPACITY = type(uint128).max / 1000;
    /// Most items waiting in one bucket ([STRAIT-LIMIT.3]).
    uint64 public constant MAX_QUEUED_PER_BUCKET = 10_000;
    uint32 public constant QUEUE_FULL = 1006;
    uint32 public constant NOT_QUEUED = 1007;
    uint32 public constant NOT_OWNER = 1008;

    uint8 internal constant OUT = 0;
    uint8 internal constant IN = 1;

    struct Limit {
        uint128 capacity;
        uint128 refillPerS;
    }

    struct Level {
        uint128 milli;
        uint64 lastMs;
        bool used;
    }

    /// A queued transfer. Outbound: `owner` sent it to `counterparty`, its tokens already escrowed
    /// or burned (`how`). Inbound: `owner` is the recipient, `counterparty` the source's sender;
    /// the application holds the credit.
    struct Item {
        uint8 direction;
        uint8 how;
        uint64 remote;
        uint64 timeoutHeight;
        uint64 timeoutTimestamp;
        address token;
        uint128 amount;
        address owner;
        bytes32 counterparty;
        bytes32 bucket;
    }

    struct Fifo {
        uint64 head;
        uint64 tail;
    }

    /// The limit of a bucket without its own.
    Limit public defaultLimit;
    mapping(bytes32 bucket => Limit) internal limits;
    mapping(bytes32 bucket => bool) public hasOwnLimit;
    mapping(bytes32 bucket => Level) internal levels;

    /// Queued items by id (1, 2, ...); deleted when released or cancelled.
    mapping(uint64 queueId => Item) internal items;
    uint64 public lastQueueId;
    mapping(bytes32 bucket => Fifo) public fifo;
    mapping(bytes32 bucket => mapping(uint64 position => uint64 queueId)) internal slots;
    /// Totals queued per token, outbound (escrowed or burned, not sent) and inbound (held credits).
    mapping(address token => uint256) public queuedOut;
    mapping(address token => uint256) public queuedIn;

    event LimitSet(bytes32 indexed bucket, uint128 capacity, uint128 refillPerS);

    constructor(Limit memory default_) {
        checkLimit(default_);
        defaultLimit = default_;
    }

    function checkLimit(Limit memory l) internal pure {
        if (l.capacity > MAX_CAPACITY) revert StraitAppError(1000, "capacity over the bound");
    }

    function limitOf(bytes32 bucket) public view returns (Limit memory) {
        return hasOwnLimit[bucket] ? limits[bucket] : defaultLimit;
    }

    function setLimit_(bytes32 bucket, Limit memory l) internal {
        checkLimit(l);
        limits[bucket] = l;
        hasOwnLimit[bucket] = true;
        emit LimitSet(bucket, l.capacity, l.refillPerS);
    }

    function nowMs() internal view returns (uint64) {
        return uint64(block.timestamp * 1000);
    }

    /// The bucket's level now and when full, in thousandths.
    function levelMilli(bytes32 bucket) public view returns (uint256 level, uint256 full) {
        Limit memory l = limitOf(bucket);
        full = uint256(l.capacity) * 1000;
        Level memory s = levels[bucket];
        if (!s.used) return (full, full);
        uint64 t = nowMs();
        uint256 elapsed = t > s.lastMs ? t - s.lastMs : 0;
        level = uint256(s.milli) + uint256(l.refillPerS) * elapsed;
        if (level > full) level = full;
    }

    /// Takes `amount` if it fits: the level holds it, or the bucket is full (a transfer over the
    /// capacity passes once a full period has refilled); the level saturates at 0.
    function tryTake(bytes32 bucket, uint128 amount) internal returns (bool) {
        (uint256 level, uint256 full) = levelMilli(bucket);
        uint256 need = uint256(amount) * 1000;
        if (level < need && level < full) return false;
        levels[bucket] = Level(uint128(level > need ? level - need : 0), nowMs(), true);
        return true;
    }

    function hasQueue(bytes32 bucket) public view returns (bool) {
        Fifo memory f = fifo[bucket];
        return f.head != f.tail;
    }

    function enqueue(Item memory item) internal returns (uint64 id) {
        Fifo memory f = fifo[item.bucket];
        if (f.tail - f.head >= MAX_QUEUED_PER_BUCKET) {
            revert StraitAppError(QUEUE_FULL, "10000 transfers queued");
        }
        id = ++lastQueueId;
        items[id] = item;
        slots[item.bucket][f.tail] = id;
        fifo[item.bucket].tail = f.tail + 1;
        if (item.direction == OUT) queuedOut[item.token] += item.amount;
        else queuedIn[item.token] += item.amount;
    }

    function queued(uint64 id) external view returns (Item memory) {
        return items[id];
    }

    /// Removes item `id` (`NOT_QUEUED` if it is not waiting); its slot is skipped by the release.
    function take(uint64 id) internal returns (Item memory item) {
        item = items[id];
        if (item.token == address(0)) revert StraitAppError(NOT_QUEUED, "no transfer queued under this id");
        delete items[id];
        if (item.direction == OUT) queuedOut[item.token] -= item.amount;
        else queuedIn[item.token] -= item.amount;
    }

    /// Pops from `bucket`'s FIFO the items that fit, at most `max` positions looked at; calls
    /// `released` for each.
    function releaseFifo(bytes32 bucket, uint256 max) internal returns (uint256 released) {
        Fifo memory f = fifo[bucket];
        uint256 steps = 0;
        while (f.head < f.tail && steps < max) {
            ++steps;
            uint64 id = slots[bucket][f.head];
            Item memory item = items[id];
            if (item.token != address(0)) {
                if (!tryTake(bucket, item.amount)) break;
                take(id);
            }
            delete slots[bucket][f.head];
            ++f.head;
            if (item.token != address(0)) {
                fifo[bucket].head = f.head;
                released_(id, item);
                ++released;
            }
        }
        fifo[bucket].head = f.head;
    }

    /// A released item: send it (outbound) or credit it (inbound).
    function released_(uint64 id, Item memory item) internal virtual;
}
