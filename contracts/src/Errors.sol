// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

// The protocol's error names (docs/SPEC.md §0, [STRAIT-ERR.1]) as custom errors: a revert carries
// the same name as the Rust core's `name()` and the conformance vectors' "error". Renaming one is a
// breaking change. Mismatches carry `(got, expected)`, as in the Rust core.

// Generic decoding names ([STRAIT-CODEC.1]).

/// The input ends inside a field.
error Truncated();
/// Bytes remain after a complete value.
error TrailingBytes();
/// A length or count is above its documented bound.
error TooLarge();
/// A version byte is not the supported one.
error UnsupportedVersion();

// Packet ([STRAIT-PACKET.5]).

/// Nonce 0: the first nonce of a route is 1.
error ZeroNonce();
/// A flag bit other than bit 0 is set.
error UnknownFlags();
/// A packet built in memory (or sent) has a payload above 65,536 bytes.
error PayloadTooLarge();

// Merkle outbox and proofs ([STRAIT-MERKLE.*]).

/// A leaf index is not below 2^32.
error IndexOutOfRange();
/// The proof's root is not the trusted root.
error RootMismatch(bytes32 got, bytes32 expected);
/// A multiproof of no leaves.
error EmptyMultiProof();
/// Multiproof leaf indices unsorted or repeated.
error IndicesNotIncreasing();
/// A multiproof carries another number of hashes than its indices require.
error HashCountMismatch(uint256 got, uint256 expected);
/// Not one message id per multiproof leaf index.
error IdCountMismatch(uint256 got, uint256 expected);
/// The outbox holds 2^32 ids.
error TreeFull();

// Endpoint ([STRAIT-SEND.*], [STRAIT-RECV.*]).

/// The route's nonce was received before (replay, duplicate delivery).
error AlreadyReceived();
/// The destination of a send is the local chain.
error DestinationIsLocal();
/// The destination of a send is not a configured remote chain.
error UnknownChain();
/// The route used every nonce.
error NonceOverflow();
/// The sender is the endpoint's own address ([STRAIT-SETTLE.1]).
error ReservedSender();

// EVM administration (no SPEC name: no Rust counterpart).

/// The caller is not the endpoint's owner.
error NotOwner(address caller);

// Receipts and outcomes ([STRAIT-EVENT.1], [STRAIT-EVENT.2]).

/// An outcome kind above 2.
error UnknownOutcome();
/// A failure reason is not UTF-8.
error ReasonNotUtf8();

// Ordering ([STRAIT-RECV.7]).

/// An ordered message whose lower nonce `missing` was not received (transient).
error OutOfOrder(uint64 missing);
/// An ordered message whose route's counter is too far behind to check its predecessors within the
/// scan bound (transient: advance the route, [STRAIT-RECV.11]).
error OrderingBacklog(uint64 contiguous, uint64 scannedTo);
