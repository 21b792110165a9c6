// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Role} from "../../src/types/Types.sol";

/// @notice The slice of IStakeManager DisputeGame and RefereeCourt call, on plain mappings.
contract FakeStakeManager {
    address public treasury;
    mapping(address => uint256) public creditOf;
    mapping(address => mapping(Role => uint256)) public staked;
    mapping(address => mapping(Role => uint256)) public locked;
    mapping(address => uint256) public slashedOf;
    address[] private _pool; // draw candidates, in order
    uint256 public lastSeed;

    error InsufficientFreeStake(address account, Role role, uint256 free, uint256 needed);
    error InsufficientLocked(address account, Role role, uint256 locked, uint256 needed);

    constructor(address treasury_) {
        treasury = treasury_;
    }

    function setStake(address account, Role role, uint256 amount) external {
        staked[account][role] = amount;
    }

    function setPool(address[] calldata pool) external {
        _pool = pool;
    }

    function freeStake(address account, Role role) public view returns (uint256) {
        return staked[account][role] - locked[account][role];
    }

    function credit(address account) external payable {
        creditOf[account] += msg.value;
    }

    function lock(address account, Role role, uint256 amount) external {
        uint256 free = freeStake(account, role);
        if (free < amount) revert InsufficientFreeStake(account, role, free, amount);
        locked[account][role] += amount;
    }

    function unlock(address account, Role role, uint256 amount) external {
        uint256 l = locked[account][role];
        if (l < amount) revert InsufficientLocked(account, role, l, amount);
        locked[account][role] = l - amount;
    }

    function slash(address account, Role role, uint256 amount, address beneficiary, uint256 winnerShareBps)
        external
        returns (uint256 toBeneficiary)
    {
        uint256 l = locked[account][role];
        if (l < amount) revert InsufficientLocked(account, role, l, amount);
        locked[account][role] = l - amount;
        staked[account][role] -= amount;
        slashedOf[account] += amount;
        toBeneficiary = beneficiary == address(0) ? 0 : (amount * winnerShareBps) / 10_000;
        if (toBeneficiary != 0) creditOf[beneficiary] += toBeneficiary;
        creditOf[treasury] += amount - toBeneficiary;
    }

    /// @dev Deterministic: the first `count` pool members with enough free stake, rotated by the seed.
    function draw(Role role, uint256 count, uint256 minFree, uint256, address[] calldata exclude)
        external
        view
        returns (address[] memory accounts)
    {
        address[] memory picked = new address[](count);
        uint256 n;
        for (uint256 i; i < _pool.length && n < count; ++i) {
            address a = _pool[i];
            bool excluded;
            for (uint256 j; j < exclude.length; ++j) {
                if (exclude[j] == a) excluded = true;
            }
            if (!excluded && freeStake(a, role) >= minFree) picked[n++] = a;
        }
        accounts = new address[](n);
        for (uint256 i; i < n; ++i) {
            accounts[i] = picked[i];
        }
    }
}
