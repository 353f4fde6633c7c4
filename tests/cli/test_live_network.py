"""The live-network path, driven as a city would drive it: `brownie run scripts/deploy.py
--network sepolia` against a separate Ganache process with Sepolia's chain id, its RPC URL and
key from the environment."""

import os
import subprocess
from pathlib import Path

from tests.conftest import dev_node

ROOT = Path(__file__).resolve().parents[2]


def test_deploy_script_reaches_sepolia_by_env_url_and_refuses_the_dev_stablecoin():
    with dev_node(accounts=1, chain_id=11155111) as sepolia:
        env = {
            **os.environ,
            "HOME": str(ROOT / ".brownie-home"),
            "SEPOLIA_RPC_URL": sepolia.w3.provider.endpoint_uri,
            "CIVIC_PRIVATE_KEY": "0x" + bytes(sepolia.accounts[0].key).hex(),
        }
        env.pop("CIVIC_STABLECOIN", None)
        result = subprocess.run(
            ["brownie", "run", "scripts/deploy.py", "--network", "sepolia"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert sepolia.w3.eth.get_transaction_count(sepolia.accounts[0].address) == 0
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert (
        "error: chain 11155111 is not a dev chain: pass the settlement stablecoin's address"
        in output
    )
    assert "Traceback" not in output
