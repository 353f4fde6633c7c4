"""The land registry under test, its working roles granted, and factories for its records."""

from __future__ import annotations

import itertools
import warnings

import pytest
from brownie import chain
from eth_utils import keccak

BASE_URI = "https://land.example.city/parcels/"
DAY = 24 * 60 * 60


def ref(text: str) -> bytes:
    """A short ASCII reference (cadastral, case, kind, price) as bytes32."""
    return text.encode().ljust(32, b"\0")


def later(seconds: int) -> None:
    """Moves the chain's clock `seconds` ahead.

    Brownie 1.22.2 warns about its own internal rpc.sleep call (like rpc.snapshot, which the
    project's pytest config filters); silenced here rather than read past.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        chain.sleep(seconds)


def digest(text: str) -> bytes:
    """The hash of an off-chain document or geometry."""
    return keccak(text=text)


@pytest.fixture(scope="module")
def registry(LandRegistry, city, registrar, court, lender):
    reg = LandRegistry.deploy(city, BASE_URI, {"from": city})
    reg.grantRole(reg.REGISTRAR_ROLE(), registrar, {"from": city})
    reg.grantRole(reg.COURT_ROLE(), court, {"from": city})
    reg.grantRole(reg.LENDER_ROLE(), lender, {"from": city})
    reg.grantRole(reg.PAUSER_ROLE(), city, {"from": city})
    return reg


@pytest.fixture
def make_parcel(registry, registrar, alice):
    """Registers a parcel (defaults: alice's, 1,000 m²) and returns its id."""
    numbers = itertools.count(1)

    def _make(owner=alice, area=1_000, cadastral=None):
        n = next(numbers)
        tx = registry.register(
            owner,
            ref(cadastral or f"LOT-{n:04d}"),
            digest(f"geometry-{n}"),
            area,
            digest(f"deed-{n}"),
            f"ipfs://deed-{n}",
            {"from": registrar},
        )
        return tx.events["ParcelRegistered"]["parcelId"]

    return _make


@pytest.fixture
def propose(registry, alice, bob):
    """Proposes a sale of `parcel_id` (seller alice, buyer bob by default); returns its id."""

    def _propose(parcel_id, seller=alice, buyer=bob, days=7, accept=False):
        tx = registry.proposeTransfer(
            parcel_id,
            buyer,
            ref("PRICE-250000-EUR"),
            digest(f"new deed of {parcel_id}"),
            chain.time() + days * DAY,
            {"from": seller},
        )
        proposal_id = tx.events["TransferProposed"]["proposalId"]
        if accept:
            registry.acceptTransfer(proposal_id, {"from": buyer})
        return proposal_id

    return _propose


@pytest.fixture
def add_lien(registry, lender):
    """Registers a lien on `parcel_id` by `by` (the role-holding lender by default)."""

    def _add(parcel_id, by=lender):
        tx = registry.addLien(
            parcel_id, ref("EUR-200000"), digest(f"mortgage on {parcel_id}"), {"from": by}
        )
        return tx.events["LienAdded"]["lienId"]

    return _add
