// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NotOwner, NotGuardian, StaleApproval, InvalidScope, InvalidThresholds} from "./Errors.sol";
import {FeeOracle, StraitFees} from "./StraitFees.sol";

/// The endpoint's pause switches behind m-of-n guardians ([STRAIT-PAUSE.3] on an EVM): a pause
/// takes `pauseThreshold` approvals, an unpause `unpauseThreshold` (at least as many). Each
/// approval names the counter of executed pause actions it is for, so it is single-use; changing
/// the guardian set also moves the counter, so approvals given to the old set lapse.
contract StraitGuardians {
    /// The endpoint whose `setPaused` this contract calls (it is the endpoint's `pauser`).
    IPausable public immutable endpoint;
    /// May change the guardian set (governance).
    address public owner;
    /// Index + 1 of each guardian (0: not a guardian).
    mapping(address => uint256) public guardianIndex;
    address[] internal guardians;
    uint8 public pauseThreshold;
    uint8 public unpauseThreshold;
    /// Executed pauses and unpauses (and guardian set changes).
    uint64 public counter;
    /// Approvals so far of a (scope, paused, counter): bit i for guardian i.
    mapping(bytes32 proposal => uint256) public approvals;

    event GuardiansSet(address[] guardians, uint8 pauseThreshold, uint8 unpauseThreshold);
    event PauseApproved(address indexed guardian, bytes scope, bool paused, uint64 counter);
    event FeeOracleApproved(address indexed guardian, uint64 destination, FeeOracle entry, uint64 counter);
    event TokenPauseApproved(
        address indexed guardian, address app, string denom, bool paused, uint64 counter
    );
    event TokenLimitApproved(
        address indexed guardian,
        address app,
        uint8 direction,
        uint64 remote,
        string denom,
        uint128 capacity,
        uint128 refillPerS,
        uint64 counter
    );

    constructor(IPausable endpoint_, address owner_) {
        endpoint = endpoint_;
        owner = owner_;
    }

    /// Set the guardians (distinct, at most 255) and thresholds, `1 <= pause <= unpause <= n`.
    function setGuardians(address[] calldata set, uint8 pause_, uint8 unpause_) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (pause_ == 0 || pause_ > unpause_ || unpause_ > set.length || set.length > 255) {
            revert InvalidThresholds();
        }
        for (uint256 i = 0; i < guardians.length; ++i) {
            delete guardianIndex[guardians[i]];
        }
        for (uint256 i = 0; i < set.length; ++i) {
            if (guardianIndex[set[i]] != 0) revert InvalidThresholds();
            guardianIndex[set[i]] = i + 1;
        }
        guardians = set;
        pauseThreshold = pause_;
        unpauseThreshold = unpause_;
        ++counter;
        emit GuardiansSet(set, pause_, unpause_);
    }

    /// A guardian approves pausing (`paused`) or unpausing `scope` (`0x00` the endpoint,
    /// `0x01 || route` an inbound route) as pause action number `counter_`. At the threshold the
    /// endpoint's switch is set and the counter moves on. Checks: `NotGuardian`, `StaleApproval`,
    /// `InvalidScope`.
    function approve(bytes calldata scope, bool paused, uint64 counter_) external {
        uint256 index = guardianIndex[msg.sender];
        if (index == 0) revert NotGuardian(msg.sender);
        if (counter_ != counter) revert StaleApproval(counter_, counter);
        if (!(scope.length == 1 && scope[0] == 0x00) && !(scope.length == 33 && scope[0] == 0x01)) {
            revert InvalidScope();
        }
        emit PauseApproved(msg.sender, scope, paused, counter_);
        if (!vote(
                keccak256(abi.encodePacked(scope, paused, counter_)),
                index,
                paused ? pauseThreshold : unpauseThreshold
            )) {
            return;
        }
        ++counter;
        endpoint.setPaused(scope, paused);
    }

    /// A guardian approves setting the endpoint's fee oracle entry for `destination` to `entry`
    /// as action number `counter_` ([STRAIT-FEE.5]); at `unpauseThreshold` approvals the entry is
    /// set and the counter moves on. Checks: `NotGuardian`, `StaleApproval`.
    function approveFeeOracle(uint64 destination, FeeOracle calldata entry, uint64 counter_) external {
        uint256 index = guardianIndex[msg.sender];
        if (index == 0) revert NotGuardian(msg.sender);
        if (counter_ != counter) revert StaleApproval(counter_, counter);
        emit FeeOracleApproved(msg.sender, destination, entry, counter_);
        bytes32 proposal = keccak256(abi.encode("STRAIT/EVM/FEE-ORACLE/v1", destination, entry, counter_));
        if (!vote(proposal, index, unpauseThreshold)) return;
        ++counter;
        endpoint.fees().setFeeOracle(destination, entry);
    }

    /// A guardian approves pausing (`paused`) or unpausing the token `denom` of the token
    /// application `app` ([STRAIT-PAUSE.4]) as action number `counter_`: `pauseThreshold`
    /// approvals to pause, `unpauseThreshold` to unpause, as the endpoint's switches. Checks:
    /// `NotGuardian`, `StaleApproval`.
    function approveTokenPause(ITokenGuarded app, string calldata denom, bool paused, uint64 counter_)
        external
    {
        uint256 index = guardianIndex[msg.sender];
        if (index == 0) revert NotGuardian(msg.sender);
        if (counter_ != counter) revert StaleApproval(counter_, counter);
        emit TokenPauseApproved(msg.sender, address(app), denom, paused, counter_);
        bytes32 proposal = keccak256(abi.encode("STRAIT/EVM/TOKEN-PAUSE/v1", app, denom, paused, counter_));
        if (!vote(proposal, index, paused ? pauseThreshold : unpauseThreshold)) return;
        ++counter;
        app.setTokenPaused(denom, paused);
    }

    /// A guardian approves a token application's rate limit of a bucket ([STRAIT-LIMIT.2]:
    /// `direction` 0 out, 1 in, the remote chain, the local denom) as action number `counter_`; at
    /// `unpauseThreshold` approvals (loosening is the dangerous direction) the limit is set.
    function approveTokenLimit(
        ITokenGuarded app,
        uint8 direction,
        uint64 remote,
        string calldata denom,
        uint128 capacity,
        uint128 refillPerS,
        uint64 counter_
    ) external {
        uint256 index = guardianIndex[msg.sender];
        if (index == 0) revert NotGuardian(msg.sender);
        if (counter_ != counter) revert StaleApproval(counter_, counter);
        emit TokenLimitApproved(
            msg.sender, address(app), direction, remote, denom, capacity, refillPerS, counter_
        );
        bytes32 proposal = keccak256(
            abi.encode(
                "STRAIT/EVM/TOKEN-LIMIT/v1", app, direction, remote, denom, capacity, refillPerS, counter_
            )
        );
        if (!vote(proposal, index, unpauseThreshold)) return;
        ++counter;
        app.setLimit(direction, remote, denom, capacity, refillPerS);
    }

    /// Record guardian `index`'s (1-based) approval of `proposal`; whether it reached `threshold`.
    function vote(bytes32 proposal, uint256 index, uint8 threshold) internal returns (bool) {
        uint256 bits = approvals[proposal] | (1 << (index - 1));
        approvals[proposal] = bits;
        uint256 votes = 0;
        for (; bits != 0; bits &= bits - 1) {
            ++votes;
        }
        return votes >= threshold;
    }
}

/// What the guardians call on the endpoint.
interface IPausable {
    function setPaused(bytes calldata scope, bool paused) external;
    function fees() external view returns (StraitFees);
}

/// What the guardians call on a token application (src/app/token/StraitTokenApp.sol).
interface ITokenGuarded {
    function setTokenPaused(string calldata denom, bool paused) external;
    function setLimit(
        uint8 direction,
        uint64 remote,
        string calldata denom,
        uint128 capacity,
        uint128 refillPerS
    ) external;
}
