"""Signing keys come from an encrypted keystore or the environment, with one-line errors."""

import json
import os
from pathlib import Path

import pytest
from eth_account import Account

from civicledger import devchain
from civicledger.accounts import load_signer
from civicledger.errors import ConfigError

KEY = "0x" + "11" * 32


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("CIVIC_KEYSTORE", "CIVIC_KEYSTORE_PASSWORD", "CIVIC_PRIVATE_KEY", "CIVIC_ACCOUNT"):
        monkeypatch.delenv(name, raising=False)


def test_encrypted_keystore_is_decrypted_with_the_password_from_the_environment(
    tmp_path, monkeypatch
):
    path = tmp_path / "treasurer.json"
    path.write_text(json.dumps(Account.encrypt(KEY, "s3cret", iterations=2)))
    monkeypatch.setenv("CIVIC_KEYSTORE", str(path))
    monkeypatch.setenv("CIVIC_KEYSTORE_PASSWORD", "s3cret")
    assert load_signer(11155111).address == Account.from_key(KEY).address


def test_wrong_keystore_password_is_one_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "treasurer.json"
    path.write_text(json.dumps(Account.encrypt(KEY, "s3cret", iterations=2)))
    monkeypatch.setenv("CIVIC_KEYSTORE", str(path))
    monkeypatch.setenv("CIVIC_KEYSTORE_PASSWORD", "wrong")
    with pytest.raises(ConfigError, match="cannot decrypt keystore"):
        load_signer(1)


def test_keystore_without_password_says_which_variable_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVIC_KEYSTORE", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError, match="not a file"):
        load_signer(1)


def test_live_chain_without_any_key_is_refused():
    with pytest.raises(ConfigError, match="no signing key for chain 1"):
        load_signer(1)


def test_dev_chain_falls_back_to_the_dev_mnemonic():
    assert load_signer(1337).address == devchain.dev_account(0).address


def test_malformed_private_key_is_refused(monkeypatch):
    monkeypatch.setenv("CIVIC_PRIVATE_KEY", "not-a-key")
    with pytest.raises(ConfigError, match="not a 32-byte hex private key"):
        load_signer(11155111)


def test_a_brownie_keystore_alias_is_read_from_the_users_accounts_folder(tmp_path, monkeypatch):
    (tmp_path / "city-admin.json").write_text(
        json.dumps(Account.encrypt(KEY, "s3cret", iterations=2))
    )
    monkeypatch.setenv("CIVIC_BROWNIE_ACCOUNTS", str(tmp_path))
    monkeypatch.setenv("CIVIC_KEYSTORE_PASSWORD", "s3cret")
    assert load_signer(1, account="city-admin").address == Account.from_key(KEY).address


def test_the_keystore_password_is_asked_for_when_the_environment_has_none(tmp_path, monkeypatch):
    (tmp_path / "city-admin.json").write_text(
        json.dumps(Account.encrypt(KEY, "s3cret", iterations=2))
    )
    monkeypatch.setenv("CIVIC_BROWNIE_ACCOUNTS", str(tmp_path))
    asked = []

    def prompt(text):
        asked.append(text)
        return "s3cret"

    signer = load_signer(1, account="city-admin", prompt=prompt)
    assert signer.address == Account.from_key(KEY).address and asked


def test_aliases_come_from_the_real_home_even_when_home_is_the_projects(monkeypatch, tmp_path):
    import pwd

    from civicledger.accounts import brownie_accounts_dir

    monkeypatch.delenv("CIVIC_BROWNIE_ACCOUNTS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    real = Path(pwd.getpwuid(os.getuid()).pw_dir)
    assert brownie_accounts_dir() == real / ".brownie" / "accounts"
