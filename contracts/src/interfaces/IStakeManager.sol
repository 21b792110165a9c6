// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Role} from "../types/Types.sol";

/// @title IStakeManager
/// @notice Holds every stake and every pull-payment credit of the protocol.
/// Stakes are per (account, role). A part of a stake can be locked by a protocol contract
/// (a solver's stake while it holds a job, a verifier's while it is assigned, a referee's while it sits
/// on a committee). Locked stake cannot be withdrawn and is what gets slashed.
/// Withdrawal is two-step: `requestWithdrawal` then `withdraw` after `unbondingDelay`, which the
/// deployment sets longer than the longest possible dispute.
/// Only locked stake is slashable; pending withdrawals are not. That is enough because every protocol
/// contract locks the collateral of a piece of work before the work starts (a solver's at claim, a
/// verifier's at its draw, a referee's at its committee draw, until the request is finally decided),
/// and locked stake can never be requested for withdrawal: whatever unbonds backs no live work.
/// Letting slashes reach pending withdrawals would let any protocol contract take stake that was never
/// committed to its work. The delay is defence in depth (a leaving staker is visible for a while), and
/// a pending amount stops counting as draw weight at once.
/// All payouts in the protocol are credits here, claimed with `claim` (pull payments).
interface IStakeManager {
    struct Stake {
        uint128 amount; // total staked, including locked and pending withdrawal
        uint128 locked; // locked by protocol contracts
        uint128 pendingWithdrawal; // requested, not yet withdrawn
        uint64 withdrawableAt; // timestamp after which `pendingWithdrawal` can be withdrawn
    }

    // ---------------------------------------------------------------- errors
    /// @notice A zero amount was passed where a positive one is required.
    error ZeroAmount();
    /// @notice `Role.None` (or an unknown role) was passed.
    error InvalidRole(Role role);
    /// @notice Caller is not one of the protocol contracts wired by the owner.
    error NotProtocol(address caller);
    /// @notice Caller is not the owner.
    error NotOwner(address caller, address owner);
    /// @notice The free (unlocked, not pending) stake is smaller than needed.
    error InsufficientFreeStake(address account, Role role, uint256 free, uint256 needed);
    /// @notice Unlock/slash for more than is locked.
    error InsufficientLocked(address account, Role role, uint256 locked, uint256 needed);
    /// @notice `withdraw` before the unbonding delay passed.
    error StillUnbonding(address account, Role role, uint256 withdrawableAt, uint256 nowTs);
    /// @notice `withdraw` with nothing requested.
    error NothingToWithdraw(address account, Role role);
    /// @notice `claim` with no credit.
    error NoCredit(address account);
    /// @notice An ETH transfer to `to` failed.
    error TransferFailed(address to, uint256 amount);
    /// @notice A basis-points value above 10_000.
    error InvalidBps(uint256 bps);
    /// @notice `draw` was asked to exclude more accounts than MAX_EXCLUDE.
    error TooManyExcluded(uint256 given, uint256 maximum);
    /// @notice A parameter outside its allowed bounds.
    error InvalidParameter(string name, uint256 value);
    /// @notice Zero address passed where an account is required.
    error ZeroAddress();
    /// @notice `transferCredit` for more than the calling contract's credit.
    error InsufficientCredit(address account, uint256 credit, uint256 needed);

    // ---------------------------------------------------------------- events
    event Deposited(address indexed account, Role indexed role, uint256 amount, uint256 newTotal);
    event WithdrawalRequested(
        address indexed account, Role indexed role, uint256 amount, uint256 withdrawableAt
    );
    event Withdrawn(address indexed account, Role indexed role, uint256 amount);
    event Locked(address indexed account, Role indexed role, uint256 amount, uint256 totalLocked);
    event Unlocked(address indexed account, Role indexed role, uint256 amount, uint256 totalLocked);
    /// @notice `amount` of `account`'s `role` stake was slashed: `toBeneficiary` credited to
    /// `beneficiary`, the rest to the treasury.
    event Slashed(
        address indexed account,
        Role indexed role,
        uint256 amount,
        address indexed beneficiary,
        uint256 toBeneficiary
    );
    event Credited(address indexed account, uint256 amount, uint256 newCredit);
    event Claimed(address indexed account, uint256 amount);
    /// @notice A protocol contract passed `amount` of its own credit on to `to`.
    event CreditTransferred(address indexed from, address indexed to, uint256 amount);
    event ProtocolContractSet(address indexed target, bool allowed);
    event UnbondingDelaySet(uint256 delay);
    event MinRegistryStakeSet(Role indexed role, uint256 amount);
    /// @notice `account` entered (or left) `role`'s draw registry.
    event Registered(address indexed account, Role indexed role);
    event Deregistered(address indexed account, Role indexed role);

    // ---------------------------------------------------------------- stakers
    /// @notice Add `msg.value` to the caller's stake for `role`. Registers the caller in the
    /// role's registry (used for random verifier/referee draws) once its stake, less any pending
    /// withdrawal, reaches `minRegistryStake(role)`; it leaves the registry when it falls below.
    /// The minimum makes every registry entry cost real, slashable stake, so nobody can dilute the
    /// registry with dust accounts until the bounded `draw` stops finding real stakers.
    function deposit(Role role) external payable;

    /// @notice Start unbonding `amount` of free stake. It is no longer lockable (so no longer slashable:
    /// only locked stake is) nor draw weight; it is paid out by `withdraw` after `unbondingDelay`.
    function requestWithdrawal(Role role, uint256 amount) external;

    /// @notice Send the pending withdrawal to the caller once `unbondingDelay` has passed.
    function withdraw(Role role) external;

    /// @notice Pay out the caller's whole credit.
    function claim() external returns (uint256 amount);

    // ---------------------------------------------------------------- protocol contracts
    /// @notice Lock `amount` of `account`'s free `role` stake. Protocol contracts only.
    function lock(address account, Role role, uint256 amount) external;

    /// @notice Unlock `amount` of `account`'s locked `role` stake. Protocol contracts only.
    function unlock(address account, Role role, uint256 amount) external;

    /// @notice Move `amount` of the calling protocol contract's own credit to `to` (no ETH moves).
    /// JobMarket collects a slash's winner share on its own account (`slash` with itself as the
    /// beneficiary) and passes it on in equal parts to the challengers who earned it, so one slash
    /// can pay several winners without a loop over an unbounded set. Protocol contracts only.
    function transferCredit(address to, uint256 amount) external;

    /// @notice Slash `amount` of `account`'s locked `role` stake; `winnerShareBps` of it is credited to
    /// `beneficiary` (if non-zero), the rest to the treasury. Protocol contracts only.
    function slash(address account, Role role, uint256 amount, address beneficiary, uint256 winnerShareBps)
        external
        returns (uint256 toBeneficiary);

    /// @notice Credit `msg.value` to `account` (pull payment). Protocol contracts only.
    function credit(address account) external payable;

    /// @notice Draw up to `count` distinct accounts of `role` with at least `minFree` free stake,
    /// none of them in `exclude` (the parties of the work being assigned; at most MAX_EXCLUDE), from
    /// `seed`. Stake-weighted: each probe hits a registered account with probability proportional to
    /// its draw weight (`drawWeight`: stake less pending withdrawal), so splitting stake across many
    /// accounts buys no more seats than holding it in one. Probes that hit an excluded, under-free or
    /// already drawn account are rejected. Bounded: at most `count * 8` probes of O(log n) each, so it
    /// may return fewer than `count` (possibly none) when few stakers are eligible; callers decide what
    /// that means.
    function draw(Role role, uint256 count, uint256 minFree, uint256 seed, address[] calldata exclude)
        external
        view
        returns (address[] memory accounts);

    // ---------------------------------------------------------------- views
    function stakeOf(address account, Role role) external view returns (Stake memory);
    /// @notice Stake that can be locked or requested for withdrawal right now.
    function freeStake(address account, Role role) external view returns (uint256);
    function creditOf(address account) external view returns (uint256);
    function registrySize(Role role) external view returns (uint256);
    function registryAt(Role role, uint256 index) external view returns (address);
    function isRegistered(address account, Role role) external view returns (bool);
    /// @notice `account`'s weight in `role`'s draws: stake less pending withdrawal while registered,
    /// else 0 (eligibility additionally needs the draw's `minFree` of free stake).
    function drawWeight(address account, Role role) external view returns (uint256);
    /// @notice Sum of `drawWeight` over `role`'s registry.
    function totalDrawWeight(Role role) external view returns (uint256);
    function minRegistryStake(Role role) external view returns (uint256);
    function unbondingDelay() external view returns (uint256);
    function treasury() external view returns (address);
    function isProtocol(address target) external view returns (bool);
    /// @notice Sum of all stakes (for the solvency invariant).
    function totalStaked() external view returns (uint256);
    /// @notice Sum of all credits (for the solvency invariant).
    function totalCredits() external view returns (uint256);

    // ---------------------------------------------------------------- owner
    function setProtocolContract(address target, bool allowed) external;
    function setUnbondingDelay(uint256 delay) external;
    /// @notice Stake (less pending withdrawal) an account needs to be in `role`'s draw registry.
    /// Takes effect for an account at its next deposit, withdrawal or slash.
    function setMinRegistryStake(Role role, uint256 amount) external;
}
