"""What the CLI tests share: `civic`, run in-process with a clean environment."""

import pytest
from click.testing import CliRunner

from civicledger.cli import main

# Settings a developer's shell may carry that would change what a test's command does.
_USER_SETTINGS = (
    "CIVIC_NETWORK",
    "CIVIC_ACCOUNT",
    "CIVIC_KEYSTORE",
    "CIVIC_KEYSTORE_PASSWORD",
    "CIVIC_PRIVATE_KEY",
    "CIVIC_STABLECOIN",
)


@pytest.fixture
def civic(monkeypatch, tmp_path):
    """`civic(*args, env=…)`: the CLI's result, with manifests in a tmp folder; never a traceback."""
    monkeypatch.setenv("CIVIC_DEPLOYMENTS", str(tmp_path))
    for name in _USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)

    def run(*args, env=None):
        result = CliRunner().invoke(main, list(args), env=env)
        assert "Traceback" not in result.output
        return result

    return run
