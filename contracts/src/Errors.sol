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
/// A field holds a value outside its domain (an outcome payload's count of 0).
error Invalid();

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
/// An inclusion proof carries a sibling equal to the zero hash of its height, which the canonical
/// encoding omits ([STRAIT-MERKLE.4]).
error NonCanonicalProof();
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

// Receive ([STRAIT-RECV.2]-[STRAIT-RECV.5]), batches (§4.3), recovery (§4.6), pause (§4.7).

/// The packet's destination is not the local chain.
error WrongDestination(uint64 got, uint64 expected);
/// No security config for (receiver, source chain) and no endpoint default.
error UnknownRoute(uint64 sourceChain);
/// The configured verifier does not exist (no code, or it does not answer `rootAt`).
error UnknownClient(address client);
/// The configured verifier follows another chain than the packet's source.
error ClientChainMismatch(address client, uint64 got, uint64 expected);
/// The configured verifier is frozen.
error ClientFrozen(address client);
/// The verifier has no verified root at the proof height (transient: update it first).
error RootNotVerified(address client, uint64 height);
/// A batch of no packets or more than 1,024.
error BatchSize(uint256 got, uint256 max);
/// A batch mixes source chains.
error MixedBatch(uint64 first, uint64 other);
/// A batch holds one (route, nonce) twice.
error DuplicateInBatch(bytes32 route, uint64 nonce);
/// The endpoint (scope `0x00`) or the message's route (`0x01 || route`) is paused (transient).
error Paused(bytes scope);
/// The message has no failed, not yet final, execution here.
error NotRetryable(bytes32 id);
/// Only the receiver may finalize before the retry window ends (`until`, in ms).
error WindowOpen(bytes32 id, uint64 until);

// EVM only (no Rust counterpart): gas, the failure record's commitment, guardians.

/// The delivery leaves the application less gas than its limit: the relayer must send more gas
/// (a relayer cannot make an application fail by starving it).
error InsufficientGas(uint256 got, uint256 needed);
/// The last error given to `finalize` is not the one recorded.
error ErrorMismatch(bytes32 id);
/// The caller is not a guardian.
error NotGuardian(address caller);
/// A pause approval for another counter than the current one.
error StaleApproval(uint64 got, uint64 expected);
/// A pause scope that is neither `0x00` nor `0x01 || route`.
error InvalidScope();
/// Guardian thresholds not `1 <= pause <= unpause <= guardians <= 255`, or a guardian listed twice.
error InvalidThresholds();

// Attester committees ([STRAIT-ATTEST.9]; src/attest/). A decoding failure of an update or of
// evidence is `Malformed`, as the Rust kinds report it ([STRAIT-VERIFIER.4]).

/// An update or evidence that does not decode.
error Malformed();
/// A committee of no members.
error EmptyCommittee();
/// A committee threshold of 0.
error ZeroThreshold();
/// A threshold above the committee size.
error ThresholdAboveSize(uint256 threshold, uint256 size);
/// `2 × threshold <= size`.
error ThresholdNotMajority(uint256 threshold, uint256 size);
/// Member `index` is not strictly above the previous one.
error MembersNotAscending(uint256 index);
/// Member `index`'s key is not admissible ([STRAIT-ATTEST.4]).
error InvalidMemberKey(uint256 index);
/// Member `index`'s BLS proof of possession does not verify.
error InvalidProofOfPossession(uint256 index);
/// A certificate names a signer at or above the committee size.
error SignerIndexOutOfRange(uint256 index, uint256 size);
/// A BLS signer bitmap of another length than `ceil(size / 8)`.
error BitmapLengthMismatch(uint256 got, uint256 expected);
/// Fewer signers than the threshold.
error InsufficientSigners(uint256 got, uint256 threshold);
/// An ECDSA `v` other than 27 or 28.
error InvalidRecoveryId(uint256 signer);
/// An ECDSA `s` above n/2.
error HighS(uint256 signer);
/// A signature that does not verify.
error InvalidSignature();
/// The client is frozen (equivocation was proven).
error Frozen();
/// A checkpoint of another chain than the client's source.
error SourceMismatch(uint64 got, uint64 expected);
/// Evidence of two checkpoints an append-only outbox can produce.
error NotMisbehaviour();
/// The epoch is at its maximum.
error EpochOverflow();

// Message fees (SPEC §11 on an EVM, §4.8).

/// A paid message to a destination without a fee oracle entry ([STRAIT-FEE.5]).
error NoOracle(uint64 destination);
/// A paid send carries less than its quote ([STRAIT-FEE.7]).
error InsufficientFee(uint256 need, uint256 have);
/// An unpaid send (gas limit 0) carries value.
error UnexpectedValue(uint256 value);
/// A paid send names payer 0 (`sendPaidFor`, `StraitFees.hold`).
error ZeroPayer();
/// A holder's hold id already holds a payment ([STRAIT-FEE.10]).
error HoldInUse(address holder, uint64 hold);
/// Withdrawn fees could not be transferred.
error TransferFailed(address to, uint256 amount);
/// Only the endpoint may call this.
error NotEndpoint(address caller);
/// The endpoint's constructor was given a fees contract that serves another endpoint.
error ForeignFees(address fees);

// Route security (SPEC §12, [STRAIT-ROUTE.1]-[STRAIT-ROUTE.5]; src/route/RouteSecurity.sol). A
// client is a verifier address there, a u64 client id in the config encoding.

/// More than 8 verifiers in all.
error TooManyVerifiers(uint256 got, uint256 max);
/// A threshold of 0 with optional verifiers, above their number, or not 0 without them.
error ThresholdOutOfRange(uint256 got, uint256 optional);
/// No required verifier and a threshold of 0.
error NoVerifier();
/// A verifier list not strictly increasing.
error NotCanonical();
/// A verifier both required and optional.
error DuplicateVerifier(uint256 client);
/// A finality depth above 100,000 blocks.
error FinalityTooLarge(uint64 got, uint64 max);
/// Fewer optional verifiers than the threshold vouch for the root at the height (transient).
error NotEnoughOptional(uint256 got, uint256 needed, uint64 height);
/// A counting verifier has not verified the source `needed` high (transient).
error NotFinal(uint64 height, uint64 needed, uint64 got);

// Optimistic verification and conflicts (SPEC §13, [STRAIT-OPT.9], [STRAIT-CONFLICT.5];
// src/optimistic/OptimisticVerifier.sol).

/// A dispute window of 0 ms.
error ZeroWindow();
/// A dispute window above 30 days.
error WindowTooLong(uint64 got, uint64 max);
/// A bond of 0.
error ZeroBond();
/// Proposer or watcher `index` is not above the previous one.
error NotAscending(uint256 index);
/// The client is paused by a watcher.
error ClientPaused();
/// The caller may not propose to this client.
error NotProposer(address caller);
/// A proposal height not above every height proposed before.
error HeightNotIncreasing(uint64 got, uint64 last);
/// 64 proposals are pending.
error TooManyPending(uint256 pending, uint256 max);
/// The caller is not a watcher of this client.
error NotWatcher(address caller);
/// The client is paused already.
error AlreadyPaused();
/// The client is not paused.
error NotPaused();
/// A proposal carries less than the bond.
error InsufficientBalance(uint256 got, uint256 needed);
/// The reference verifier is frozen.
error ReferenceFrozen();
/// The accused is frozen already (and its root there is not a pending proposal).
error AlreadyFrozen();
/// The reference verified no root at the height (update it first).
error NoReferenceRoot(uint64 height);
/// The accused holds no root at the height.
error NoAccusedRoot(uint64 height);
/// The accused and the reference hold the same root at the height.
error NotConflicting(uint64 height);
// The native chain's light client in BLS mode (SPEC §5.4, §5.5, §5.7; src/lc/). The names of
// `VerificationError::name()`, `BlsValidatorSetError::name()` and `ClientError::name()`.

/// A header of another chain ([STRAIT-LC.1]).
error ChainIdMismatch(uint64 got, uint64 expected);
/// A BLS commit with no bit set ([STRAIT-LC-BLS.4]).
error EmptyCommit();
/// The trusted state is at least a trusting period old ([STRAIT-LC.2]).
error TrustingPeriodExpired(uint64 trustedTime, uint64 expiresAt, uint64 now);
/// The header's time is past the trusted time plus the trusting period and drift ([STRAIT-LC.3]).
error HeaderTimeUnreachable(uint64 headerTime, uint64 limit);
/// The header's time is at or past now plus the drift (transient, [STRAIT-LC.3]).
error HeaderFromFuture(uint64 headerTime, uint64 now);
/// The header is not above the trusted height ([STRAIT-LC.4]).
error NonIncreasingHeight(uint64 got, uint64 trusted);
/// The header's time is not after the trusted time ([STRAIT-LC.4]).
error NonIncreasingTime(uint64 got, uint64 trusted);
/// An adjacent header's BLS set is not the trusted next one ([STRAIT-LC.5]).
error AdjacentValidatorsMismatch(bytes32 got, bytes32 expected);
/// A skipping header's signers hold too little of the trusted power (transient, [STRAIT-LC.5]).
error NotEnoughTrust(uint64 tallied, uint64 total);
/// The signers hold at most 2/3 of the header's set ([STRAIT-LC.6]).
error InsufficientSigningPower(uint64 signed, uint64 total);
/// The BLS aggregate signature does not verify ([STRAIT-LC-BLS.5]).
error InvalidAggregateSignature();
/// No consensus state is stored at the trusted height ([STRAIT-LC-CLIENT.2]).
error ConsensusStateNotFound(uint64 height);
/// A BLS validator set of no validators ([STRAIT-LC-BLS.1]).
error Empty();
/// BLS validator `index`'s key is not above the previous one.
error NotSorted(uint256 index);
/// BLS validator `index` has power 0.
error ZeroPower(uint256 index);
/// A BLS set's total power is above MAX_TOTAL_POWER.
error TotalPowerTooLarge();
/// BLS validator `index`'s key is not a valid point ([STRAIT-LC-BLS.1], read unproven: on the curve).
error InvalidKey(uint256 index);
/// A trust threshold outside [1/3, 1) ([STRAIT-LC-CLIENT.7] options).
error InvalidTrustThreshold(uint64 numerator, uint64 denominator);
/// A trusting period of 0.
error ZeroTrustingPeriod();
/// EVM only (no Rust counterpart): a skipping update from a height whose trusted next BLS set was
/// not registered with `registerSet` (the Rust kind stores every set; the EVM client keeps hashes).
error UnknownTrustedSet(bytes32 setHash);
/// EVM only (no Rust counterpart): a BLS set of more validators than fit one contract's code
/// (`MAX_STORED_SET`, 236: 104 bytes each under EIP-170's 24,576), where the client keeps a set's
/// keys and powers; the kind allows 512.
error SetTooLargeForCode(uint256 count, uint256 max);
/// EVM only: an update or evidence before every proof of possession of the initial BLS set was
/// admitted (`admitSetChunk`, [STRAIT-LC-BLS.EVM] rule 1).
error InitialSetIncomplete(uint256 admitted, uint256 count);
/// EVM only: a chunk of more proofs of possession than one call checks.
error SetChunkTooLarge(uint256 got, uint256 max);
/// EVM only: a chunk that does not start at the first validator not yet admitted.
error SetChunkOutOfOrder(uint256 first, uint256 expected);
/// EVM only: a chunk that reaches past the initial set's last validator.
error SetChunkPastEnd(uint256 end, uint256 count);
/// EVM only: a call of `StraitEndpointExtension` that is not the endpoint's `delegatecall` (its
/// functions act in the endpoint's storage only).
error NotDelegated();
