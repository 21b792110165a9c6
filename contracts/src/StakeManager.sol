// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Role} from "./types/Types.sol";
import {IStakeManager} from "./interfaces/IStakeManager.sol";
import {LibSumTree} from "./libraries/LibSumTree.sol";

/// @title StakeManager
/// @notice Stakes, locks, slashes and pull-payment credits of the whole protocol.
/// @dev Solvency: `address(this).balance >= totalStaked + totalCredits` at all times (equality unless
/// someone force-sends ETH). Every stake satisfies `locked + pendingWithdrawal <= amount`.
contract StakeManager is IStakeManager {
    using LibSumTree for LibSumTree.Tree;

    /// @notice Most accounts one `draw` can exclude (the parties of a job or a game).
    uint256 public constant MAX_EXCLUDE = 8;
    /// @notice Upper bound on the unbonding delay, so a mistaken setting cannot freeze stakes forever.
    uint256 public constant MAX_UNBONDING_DELAY = 365 days;
    uint256 internal constant BPS = 10_000;

    address public immutable owner;
    /// @inheritdoc IStakeManager
    address public immutable treasury;
    /// @inheritdoc IStakeManager
    uint256 public unbondingDelay;
    /// @inheritdoc IStakeManager
    uint256 public totalStaked;
    /// @inheritdoc IStakeManager
    uint256 public totalCredits;

    mapping(address account => mapping(Role role => Stake)) internal _stakes;
    mapping(address account => uint256) internal _credits;
    mapping(address target => bool) internal _protocol;
    // Draw registries hold the accounts whose stake (less pending withdrawal) reaches the role's
    // minimum; entries are swapped out in O(1) when they fall below. `draw` still checks free stake,
    // since locked stake can't back a new assignment.
    mapping(Role role => address[]) internal _registry;
    mapping(Role role => mapping(address account => uint256 position)) internal _registryPos; // index + 1
    // Draw weights per registry slot (slot = position = index + 1): the account's stake less pending
    // withdrawal, kept in a sum tree so `draw` samples proportionally to stake in O(log n) per probe.
    mapping(Role role => LibSumTree.Tree) internal _drawTree;
    /// @inheritdoc IStakeManager
    mapping(Role role => uint256) public minRegistryStake;

    modifier onlyOwner() {
        // INVARIANT: governance actions come from the owner only.
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        _;
    }

    modifier onlyProtocol() {
        // INVARIANT: only wired protocol contracts can move other people's stake or mint credits.
        if (!_protocol[msg.sender]) revert NotProtocol(msg.sender);
        _;
    }

    constructor(address owner_, address treasury_, uint256 unbondingDelay_) {
        if (owner_ == address(0) || treasury_ == address(0)) revert ZeroAddress();
        _checkDelay(unbondingDelay_);
        owner = owner_;
        treasury = treasury_;
        unbondingDelay = unbondingDelay_;
        emit UnbondingDelaySet(unbondingDelay_);
    }

    // ---------------------------------------------------------------- stakers

    /// @inheritdoc IStakeManager
    function deposit(Role role) external payable {
        _checkRole(role);
        // INVARIANT: a deposit adds value; empty deposits would only grow the registry.
        if (msg.value == 0) revert ZeroAmount();
        Stake storage s = _stakes[msg.sender][role];
        // Total ETH supply is far below 2^128, so the narrowing cannot truncate.
        s.amount += uint128(msg.value);
        totalStaked += msg.value;
        emit Deposited(msg.sender, role, msg.value, s.amount);
        _syncRegistry(msg.sender, role, s);
    }

    /// @inheritdoc IStakeManager
    function requestWithdrawal(Role role, uint256 amount) external {
        _checkRole(role);
        if (amount == 0) revert ZeroAmount();
        Stake storage s = _stakes[msg.sender][role];
        uint256 free = _free(s);
        // INVARIANT: locked stake is collateral for live work and cannot start unbonding.
        if (free < amount) revert InsufficientFreeStake(msg.sender, role, free, amount);
        s.pendingWithdrawal += uint128(amount);
        // A new request restarts the clock for the whole pending amount, so topping up a request
        // can never shorten the unbonding delay of what was requested before.
        uint256 unbondsAt = block.timestamp + unbondingDelay;
        s.withdrawableAt = uint64(unbondsAt);
        emit WithdrawalRequested(msg.sender, role, amount, unbondsAt);
        _syncRegistry(msg.sender, role, s);
    }

    /// @inheritdoc IStakeManager
    function withdraw(Role role) external {
        _checkRole(role);
        Stake storage s = _stakes[msg.sender][role];
        uint256 amount = s.pendingWithdrawal;
        if (amount == 0) revert NothingToWithdraw(msg.sender, role);
        // INVARIANT: stake leaves only after the whole unbonding delay (it backs no live work: see
        // IStakeManager, only locked stake is slashable and locked stake cannot start unbonding).
        if (block.timestamp < s.withdrawableAt) {
            revert StillUnbonding(msg.sender, role, s.withdrawableAt, block.timestamp);
        }
        s.pendingWithdrawal = 0;
        s.amount -= uint128(amount);
        totalStaked -= amount;
        emit Withdrawn(msg.sender, role, amount);
        _syncRegistry(msg.sender, role, s);
        _send(msg.sender, amount);
    }

    /// @inheritdoc IStakeManager
    function claim() external returns (uint256 amount) {
        amount = _credits[msg.sender];
        if (amount == 0) revert NoCredit(msg.sender);
        // Checks-effects-interactions: the credit is gone before the call can re-enter.
        _credits[msg.sender] = 0;
        totalCredits -= amount;
        emit Claimed(msg.sender, amount);
        _send(msg.sender, amount);
    }

    // ---------------------------------------------------------------- protocol contracts

    /// @inheritdoc IStakeManager
    function lock(address account, Role role, uint256 amount) external onlyProtocol {
        _checkRole(role);
        if (amount == 0) revert ZeroAmount();
        Stake storage s = _stakes[account][role];
        uint256 free = _free(s);
        // INVARIANT: a lock is always backed by free stake.
        if (free < amount) revert InsufficientFreeStake(account, role, free, amount);
        s.locked += uint128(amount);
        emit Locked(account, role, amount, s.locked);
    }

    /// @inheritdoc IStakeManager
    function unlock(address account, Role role, uint256 amount) external onlyProtocol {
        _checkRole(role);
        if (amount == 0) revert ZeroAmount();
        Stake storage s = _stakes[account][role];
        // INVARIANT: a contract can only release what is locked.
        if (s.locked < amount) revert InsufficientLocked(account, role, s.locked, amount);
        s.locked -= uint128(amount);
        emit Unlocked(account, role, amount, s.locked);
    }

    /// @inheritdoc IStakeManager
    function slash(address account, Role role, uint256 amount, address beneficiary, uint256 winnerShareBps)
        external
        onlyProtocol
        returns (uint256 toBeneficiary)
    {
        _checkRole(role);
        if (amount == 0) revert ZeroAmount();
        if (winnerShareBps > BPS) revert InvalidBps(winnerShareBps);
        Stake storage s = _stakes[account][role];
        // INVARIANT: only locked stake (collateral for the failed work) is slashable.
        if (s.locked < amount) revert InsufficientLocked(account, role, s.locked, amount);
        s.locked -= uint128(amount);
        s.amount -= uint128(amount);
        // Slashing only locked stake keeps locked + pending <= amount by itself; the clamp is a cheap
        // guard so the free-stake subtraction can never underflow if that ever changes.
        uint256 remainingFree = uint256(s.amount) - s.locked;
        if (s.pendingWithdrawal > remainingFree) s.pendingWithdrawal = uint128(remainingFree);
        totalStaked -= amount;

        if (beneficiary != address(0)) {
            toBeneficiary = amount * winnerShareBps / BPS;
            _credit(beneficiary, toBeneficiary);
        }
        _credit(treasury, amount - toBeneficiary);
        emit Slashed(account, role, amount, beneficiary, toBeneficiary);
        _syncRegistry(account, role, s);
    }

    /// @inheritdoc IStakeManager
    /// @dev A zero amount is a no-op, like a zero-value `credit`.
    function transferCredit(address to, uint256 amount) external onlyProtocol {
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) return;
        uint256 have = _credits[msg.sender];
        // INVARIANT: a contract passes on only credit it holds; totalCredits is unchanged.
        if (have < amount) revert InsufficientCredit(msg.sender, have, amount);
        _credits[msg.sender] = have - amount;
        uint256 newCredit = _credits[to] + amount;
        _credits[to] = newCredit;
        emit CreditTransferred(msg.sender, to, amount);
        emit Credited(to, amount, newCredit);
    }

    /// @inheritdoc IStakeManager
    /// @dev A zero-value credit is accepted as a no-op so callers need not special-case empty shares.
    function credit(address account) external payable onlyProtocol {
        if (account == address(0)) revert ZeroAddress();
        _credit(account, msg.value);
    }

    /// @inheritdoc IStakeManager
    function draw(Role role, uint256 count, uint256 minFree, uint256 seed, address[] calldata exclude)
        external
        view
        returns (address[] memory accounts)
    {
        _checkRole(role);
        // INVARIANT: the exclusion check per probe stays bounded.
        if (exclude.length > MAX_EXCLUDE) revert TooManyExcluded(exclude.length, MAX_EXCLUDE);
        // More distinct accounts than the registry holds cannot exist; capping also bounds the loop
        // and the allocation for absurd `count`s. Every registered account weighs > 0, so the tree's
        // total is 0 iff the registry is empty.
        uint256 size = _registry[role].length;
        if (count > size) count = size;
        accounts = new address[](count);
        uint256 found;
        // INVARIANT: at most 8 probes per seat, each O(log n): no loop over the registry.
        for (uint256 attempt; attempt < count * 8 && found < count; ++attempt) {
            address candidate = _probe(role, seed, attempt);
            if (_isExcluded(candidate, exclude) || _free(_stakes[candidate][role]) < minFree) continue;
            if (_contains(accounts, found, candidate)) continue;
            accounts[found++] = candidate;
        }
        // Shrink the array to the accounts actually found.
        assembly ("memory-safe") {
            mstore(accounts, found)
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IStakeManager
    function stakeOf(address account, Role role) external view returns (Stake memory) {
        return _stakes[account][role];
    }

    /// @inheritdoc IStakeManager
    function freeStake(address account, Role role) external view returns (uint256) {
        return _free(_stakes[account][role]);
    }

    /// @inheritdoc IStakeManager
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc IStakeManager
    function registrySize(Role role) external view returns (uint256) {
        return _registry[role].length;
    }

    /// @inheritdoc IStakeManager
    function registryAt(Role role, uint256 index) external view returns (address) {
        return _registry[role][index];
    }

    /// @inheritdoc IStakeManager
    function isRegistered(address account, Role role) external view returns (bool) {
        return _registryPos[role][account] != 0;
    }

    /// @inheritdoc IStakeManager
    function drawWeight(address account, Role role) external view returns (uint256) {
        uint256 pos = _registryPos[role][account];
        return pos == 0 ? 0 : _drawTree[role].weight[pos];
    }

    /// @inheritdoc IStakeManager
    function totalDrawWeight(Role role) external view returns (uint256) {
        return _drawTree[role].total;
    }

    /// @inheritdoc IStakeManager
    function isProtocol(address target) external view returns (bool) {
        return _protocol[target];
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc IStakeManager
    function setProtocolContract(address target, bool allowed) external onlyOwner {
        if (target == address(0)) revert ZeroAddress();
        _protocol[target] = allowed;
        emit ProtocolContractSet(target, allowed);
    }

    /// @inheritdoc IStakeManager
    function setMinRegistryStake(Role role, uint256 amount) external onlyOwner {
        _checkRole(role);
        minRegistryStake[role] = amount;
        emit MinRegistryStakeSet(role, amount);
    }

    /// @inheritdoc IStakeManager
    function setUnbondingDelay(uint256 delay) external onlyOwner {
        _checkDelay(delay);
        unbondingDelay = delay;
        emit UnbondingDelaySet(delay);
    }

    // ---------------------------------------------------------------- internal

    /// @dev Enter or leave `role`'s registry after `account`'s stake changed, and keep its draw weight
    /// (stake less pending withdrawal) current in the sum tree. O(log n): swap-and-pop plus two tree
    /// updates. Called by every path that changes `amount` or `pendingWithdrawal` (deposit,
    /// requestWithdrawal, withdraw, slash); lock/unlock change neither.
    function _syncRegistry(address account, Role role, Stake storage s) internal {
        uint256 staying = uint256(s.amount) - s.pendingWithdrawal;
        bool eligible = staying != 0 && staying >= minRegistryStake[role];
        uint256 pos = _registryPos[role][account];
        LibSumTree.Tree storage tree = _drawTree[role];
        if (eligible) {
            if (pos == 0) {
                _registry[role].push(account);
                pos = _registry[role].length;
                _registryPos[role][account] = pos;
                emit Registered(account, role);
            }
            tree.set(pos, staying);
        } else if (pos != 0) {
            address[] storage registry = _registry[role];
            uint256 lastPos = registry.length;
            address last = registry[lastPos - 1];
            registry[pos - 1] = last;
            _registryPos[role][last] = pos;
            // INVARIANT: a slot's weight always belongs to the account in that slot.
            if (pos != lastPos) tree.set(pos, tree.weight[lastPos]);
            tree.set(lastPos, 0);
            registry.pop();
            delete _registryPos[role][account];
            emit Deregistered(account, role);
        }
    }

    /// @dev Stake-weighted probe: an account is hit with probability weight / total, so splitting
    /// stake over many accounts buys no more hits than holding it in one. Requires a non-empty registry.
    function _probe(Role role, uint256 seed, uint256 attempt) internal view returns (address) {
        LibSumTree.Tree storage tree = _drawTree[role];
        uint256 r = uint256(keccak256(abi.encode(seed, attempt))) % tree.total;
        return _registry[role][tree.find(r) - 1];
    }

    function _contains(address[] memory accounts, uint256 found, address candidate)
        internal
        pure
        returns (bool)
    {
        for (uint256 j; j < found; ++j) {
            if (accounts[j] == candidate) return true;
        }
        return false;
    }

    function _isExcluded(address candidate, address[] calldata exclude) internal pure returns (bool) {
        for (uint256 i; i < exclude.length; ++i) {
            if (exclude[i] == candidate) return true;
        }
        return false;
    }

    function _free(Stake storage s) internal view returns (uint256) {
        return uint256(s.amount) - s.locked - s.pendingWithdrawal;
    }

    function _credit(address account, uint256 amount) internal {
        if (amount == 0) return;
        uint256 newCredit = _credits[account] + amount;
        _credits[account] = newCredit;
        totalCredits += amount;
        emit Credited(account, amount, newCredit);
    }

    function _send(address to, uint256 amount) internal {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    function _checkRole(Role role) internal pure {
        // INVARIANT: Role.None is never a stake bucket (0 is never a valid state).
        if (role == Role.None) revert InvalidRole(role);
    }

    function _checkDelay(uint256 delay) internal pure {
        // INVARIANT: a zero delay would let a staker escape a slash by withdrawing in the same block.
        if (delay == 0 || delay > MAX_UNBONDING_DELAY) revert InvalidParameter("unbondingDelay", delay);
    }
}
