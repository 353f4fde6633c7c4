"""Where signing keys come from: an encrypted keystore or the environment, never the repo."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from civicledger import devchain
from civicledger.chain import DEV_CHAIN_IDS
from civicledger.errors import ConfigError

KEYSTORE_ENV = "CIVIC_KEYSTORE"  # path to an encrypted JSON keystore (geth/Brownie format)
PASSWORD_ENV = "CIVIC_KEYSTORE_PASSWORD"
PRIVATE_KEY_ENV = "CIVIC_PRIVATE_KEY"  # for CI or a throwaway testnet key only


def load_signer(chain_id: int, *, dev_index: int = 0) -> LocalAccount:
    """The account to sign with on `chain_id`.

    From $CIVIC_KEYSTORE (decrypted with $CIVIC_KEYSTORE_PASSWORD), else $CIVIC_PRIVATE_KEY; on a
    local dev chain with neither set, the dev mnemonic's account `dev_index`.
    """
    keystore = os.environ.get(KEYSTORE_ENV)
    if keystore:
        path = Path(keystore).expanduser()
        if not path.is_file():
            raise ConfigError(f"{KEYSTORE_ENV} names {path}, which is not a file")
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            raise ConfigError(f"set {PASSWORD_ENV} to decrypt the keystore {path}")
        try:
            key = Account.decrypt(json.loads(path.read_text()), password)
        except ValueError as exc:
            raise ConfigError(f"cannot decrypt keystore {path}: {exc}") from None
        return Account.from_key(key)
    private_key = os.environ.get(PRIVATE_KEY_ENV)
    if private_key:
        try:
            return Account.from_key(private_key)
        except (ValueError, TypeError):
            raise ConfigError(f"{PRIVATE_KEY_ENV} is not a 32-byte hex private key") from None
    if chain_id in DEV_CHAIN_IDS:
        return devchain.dev_account(dev_index)
    raise ConfigError(
        f"no signing key for chain {chain_id}: set {KEYSTORE_ENV} and {PASSWORD_ENV} "
        f"(or {PRIVATE_KEY_ENV} for a throwaway testnet key)"
    )
