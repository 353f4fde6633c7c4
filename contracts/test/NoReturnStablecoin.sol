// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title NoReturnStablecoin
/// @notice Test fixture only: a 6-decimal token shaped like mainnet USDT, whose `transfer`,
///         `transferFrom` and `approve` return nothing (not the `bool` ERC-20 asks for) and
///         revert on failure.
// slither-disable-next-line erc20-interface (on purpose: USDT's no-return shape, for SafeERC20 tests)
contract NoReturnStablecoin {
    string public constant name = "No Return Dollar";
    string public constant symbol = "nUSD";
    uint8 public constant decimals = 6;
    uint256 public totalSupply;
    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error NoReturnInsufficient(address account, uint256 available, uint256 needed);

    /// @notice Mint `amount` to `to` (no access control: a test fixture).
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Like USDT: no return value.
    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
    }

    /// @notice Like USDT: no return value.
    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    /// @notice Like USDT: no return value.
    function transferFrom(address from, address to, uint256 amount) external {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert NoReturnInsufficient(msg.sender, allowed, amount);
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        uint256 held = balanceOf[from];
        if (held < amount) revert NoReturnInsufficient(from, held, amount);
        balanceOf[from] = held - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
