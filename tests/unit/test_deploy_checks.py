"""The settlement stablecoin is checked before anything is deployed against it."""

import pytest

from civicledger import deploy
from civicledger.errors import ConfigError


class _Call:
    def __init__(self, answer):
        self._answer = answer

    def call(self):
        if isinstance(self._answer, Exception):
            raise self._answer
        return self._answer


class _Stablecoin:
    """Stands in for a web3.py contract whose `decimals()` answers `decimals`."""

    address = "0x" + "ab" * 20

    def __init__(self, decimals):
        decimals_call = _Call(decimals)
        self.functions = type("F", (), {"decimals": staticmethod(lambda: decimals_call)})()


def test_stablecoin_with_18_decimals_is_refused_before_deploying():
    with pytest.raises(ConfigError, match=r"18 decimals.*at most 8"):
        deploy.check_settlement_decimals(_Stablecoin(18))


def test_stablecoin_with_6_decimals_is_accepted():
    assert deploy.check_settlement_decimals(_Stablecoin(6)) == 6


def test_stablecoin_with_as_many_decimals_as_the_bound_is_accepted():
    assert deploy.check_settlement_decimals(_Stablecoin(deploy.MAX_STABLECOIN_DECIMALS)) == 8


def test_token_without_decimals_is_refused_before_deploying():
    with pytest.raises(ConfigError, match="decimals()"):
        deploy.check_settlement_decimals(_Stablecoin(ValueError("execution reverted")))
