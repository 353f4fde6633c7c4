"""The suite under attack: the unit tests' deployments and factories, plus signing helpers.

The fixtures are the unit suites' own (imported, not copied), so an attack runs against exactly
the set-up the behaviour tests trust. Deployments are module-scoped; `fn_isolation` (autouse in
tests/conftest.py) undoes each attack's side effects before the next test.
"""

from __future__ import annotations

import pytest
from brownie import chain, web3
from eth_account.messages import encode_typed_data

from civicledger import payments
from tests.unit.benefits.conftest import (  # noqa: F401 - fixtures, registered by import
    benefit,
    give,
    health,
    make_program,
    merchants,
)
from tests.unit.registry.conftest import (  # noqa: F401 - fixtures, registered by import
    add_lien,
    make_parcel,
    propose,
    registry,
)

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def authorization(citizen, merchant, program_id, amount=1, valid_after=None, valid_for=600):
    """An unsigned payment authorization, valid from a minute ago unless told otherwise."""
    now = chain.time()
    after = now - 60 if valid_after is None else valid_after
    return payments.PaymentAuthorization(
        citizen=getattr(citizen, "address", citizen),
        merchant=getattr(merchant, "address", merchant),
        program_id=program_id,
        amount=amount,
        nonce=payments.new_nonce(),
        valid_after=after,
        valid_before=after + valid_for,
    )


def sign_typed(key, auth, verifying_contract, chain_id=None) -> bytes:
    """`key` signs `auth` for `verifying_contract` on `chain_id`, whoever `auth` names."""
    document = payments.typed_data(auth, chain_id or web3.eth.chain_id, str(verifying_contract))
    return bytes(key.sign_message(encode_typed_data(full_message=document)).signature)


@pytest.fixture(scope="session")
def key(signer):
    """The eth-account key of a Brownie actor."""
    return signer
