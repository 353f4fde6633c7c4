"""CivicLedger: blockchain for smart cities.

The package talks to a chain through a web3.py ``Web3`` and an eth-account signer that it is
handed, and reads compiled contracts from the project's ``build/`` folder, so that the ``civic``
CLI, the Brownie scripts and the tests share one code path.
"""

from civicledger.errors import CivicError, ConfigError, ContractError, LiveChainRefused

__all__ = ["CivicError", "ConfigError", "ContractError", "LiveChainRefused"]
__version__ = "0.1.0"
