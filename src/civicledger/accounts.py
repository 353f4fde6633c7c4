"""Where signing keys come from: an encrypted keystore or the environment, never the repo.

In order: an account named on the command line (a Brownie keystore alias, `dev3` for a dev
chain's account 3, or a keystore file's path), then $CIVIC_KEYSTORE, then $CIVIC_PRIVATE_KEY,
then, on a local dev chain only, the dev mnemonic's account.
"""

from __future__ import annotations

import json
import os
import pwd
import re
from collections.abc import Callable
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from civicledger import devchain
from civicledger.chain import DEV_CHAIN_IDS
from civicledger.errors import ConfigError

KEYSTORE_ENV = "CIVIC_KEYSTORE"  # path to an encrypted JSON keystore (geth/Brownie format)
PASSWORD_ENV = "CIVIC_KEYSTORE_PASSWORD"
PRIVATE_KEY_ENV = "CIVIC_PRIVATE_KEY"  # for CI or a throwaway testnet key only
ACCOUNTS_DIR_ENV = (
    "CIVIC_BROWNIE_ACCOUNTS"  # where Brownie keystore aliases live, if not ~/.brownie
)

Prompt = Callable[[str], str]
_DEV_ALIAS = re.compile(r"^dev(\d+)$")


def brownie_accounts_dir() -> Path:
    """The user's real ~/.brownie/accounts, even when HOME points at the project's Brownie home
    (the Makefile does that so Brownie's networks are the project's)."""
    override = os.environ.get(ACCOUNTS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    try:
        home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        home = Path.home()
    return home / ".brownie" / "accounts"


def load_signer(
    chain_id: int,
    *,
    account: str | None = None,
    dev_index: int = 0,
    prompt: Prompt | None = None,
) -> LocalAccount:
    """The account to sign with on `chain_id`.

    `account` is a Brownie keystore alias, a keystore file's path, or `devN` (dev chains only).
    Without it: $CIVIC_KEYSTORE (decrypted with $CIVIC_KEYSTORE_PASSWORD), else
    $CIVIC_PRIVATE_KEY; on a local dev chain with neither set, the dev mnemonic's account
    `dev_index`. `prompt` asks for a keystore password when the environment has none.
    """
    if account:
        return _named(account, chain_id, prompt)
    keystore = os.environ.get(KEYSTORE_ENV)
    if keystore:
        return _decrypt(Path(keystore).expanduser(), f"{KEYSTORE_ENV} names", prompt)
    private_key = os.environ.get(PRIVATE_KEY_ENV)
    if private_key:
        try:
            return Account.from_key(private_key)
        except (ValueError, TypeError):
            raise ConfigError(f"{PRIVATE_KEY_ENV} is not a 32-byte hex private key") from None
    if chain_id in DEV_CHAIN_IDS:
        return devchain.dev_account(dev_index)
    raise ConfigError(
        f"no signing key for chain {chain_id}: pass --account ALIAS (a Brownie keystore), or set "
        f"{KEYSTORE_ENV} and {PASSWORD_ENV} (or {PRIVATE_KEY_ENV} for a throwaway testnet key)"
    )


def _named(account: str, chain_id: int, prompt: Prompt | None) -> LocalAccount:
    dev = _DEV_ALIAS.match(account)
    if dev:
        if chain_id not in DEV_CHAIN_IDS:
            raise ConfigError(
                f"'{account}' is a dev-chain account (public key) and chain {chain_id} is not a "
                "dev chain: pass a Brownie keystore alias"
            )
        return devchain.dev_account(int(dev.group(1)))
    path = Path(account).expanduser()
    if path.suffix == ".json" or os.sep in account:
        return _decrypt(path, "--account names", prompt)
    folder = brownie_accounts_dir()
    path = folder / f"{account}.json"
    if not path.is_file():
        have = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
        listing = f" (it has: {', '.join(have)})" if have else ""
        raise ConfigError(
            f"no account '{account}' in {folder}{listing}: create it with "
            f"`brownie accounts new {account}`, or pass a keystore file's path"
        )
    return _decrypt(path, f"account '{account}' is", prompt)


def _decrypt(path: Path, named_by: str, prompt: Prompt | None) -> LocalAccount:
    if not path.is_file():
        raise ConfigError(f"{named_by} {path}, which is not a file")
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if prompt is None:
            raise ConfigError(f"set {PASSWORD_ENV} to decrypt the keystore {path}")
        password = prompt(f"Password for {path.name}")
    try:
        key = Account.decrypt(json.loads(path.read_text()), password)
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot decrypt keystore {path}: {exc}") from None
    return Account.from_key(key)
