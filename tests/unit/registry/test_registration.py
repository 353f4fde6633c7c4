"""Registering parcels: who may, what a record needs, and what wallets see."""

import brownie

from .conftest import BASE_URI, digest, ref


def test_registrar_registers_a_parcel_with_its_record_and_title(registry, registrar, alice):
    tx = registry.register(
        alice,
        ref("LOT-0001"),
        digest("geometry"),
        1_250,
        digest("deed"),
        "ipfs://deed",
        {"from": registrar},
    )
    parcel_id = tx.events["ParcelRegistered"]["parcelId"]
    record = registry.parcel(parcel_id)
    assert parcel_id == 1
    assert record["cadastralRef"] == "0x" + ref("LOT-0001").hex()
    assert record["geometryHash"] == "0x" + digest("geometry").hex()
    assert record["deedHash"] == "0x" + digest("deed").hex()
    assert record["area"] == 1_250
    assert record["status"] == 1  # Live
    assert registry.ownerOf(parcel_id) == alice
    assert registry.holderOf(parcel_id) == alice
    assert registry.parcelIdOf(ref("LOT-0001")) == parcel_id
    event = tx.events["ParcelRegistered"]
    assert event["owner"] == alice and event["deedURI"] == "ipfs://deed"
    assert event["parentIds"] == ()


def test_title_token_points_at_parcel_metadata(registry, make_parcel):
    parcel_id = make_parcel()
    assert registry.tokenURI(parcel_id) == f"{BASE_URI}{parcel_id}"
    assert registry.balanceOf(registry.ownerOf(parcel_id)) == 1


def test_unknown_parcel_has_no_metadata(registry, reverts):
    with reverts("ERC721NonexistentToken", 99):
        registry.tokenURI(99)


def test_registry_announces_erc721_metadata_and_access_control(registry):
    assert registry.supportsInterface("0x80ac58cd")  # ERC-721
    assert registry.supportsInterface("0x5b5e139f")  # ERC-721 metadata
    assert registry.supportsInterface("0x7965db0b")  # AccessControl
    assert not registry.supportsInterface("0xffffffff")


def test_account_without_registrar_role_cannot_register(registry, alice, reverts):
    with reverts("AccessControlUnauthorizedAccount", alice, registry.REGISTRAR_ROLE()):
        registry.register(alice, ref("LOT-0001"), digest("g"), 10, digest("d"), "", {"from": alice})


def test_cadastral_reference_is_never_registered_twice(
    registry, make_parcel, registrar, bob, reverts
):
    first = make_parcel(cadastral="LOT-7")
    with reverts("CadastralReferenceTaken", ref("LOT-7"), first):
        registry.register(bob, ref("LOT-7"), digest("g"), 10, digest("d"), "", {"from": registrar})


def test_parcel_without_area_is_refused(registry, registrar, alice, reverts):
    with reverts("ParcelRecordIncomplete", ref("LOT-1"), digest("g"), 0, digest("d")):
        registry.register(alice, ref("LOT-1"), digest("g"), 0, digest("d"), "", {"from": registrar})


def test_parcel_without_cadastral_reference_is_refused(registry, registrar, alice, reverts):
    zero = bytes(32)
    with reverts("ParcelRecordIncomplete", zero, digest("g"), 10, digest("d")):
        registry.register(alice, zero, digest("g"), 10, digest("d"), "", {"from": registrar})


def test_parcel_without_geometry_hash_is_refused(registry, registrar, alice, reverts):
    zero = bytes(32)
    with reverts("ParcelRecordIncomplete", ref("LOT-1"), zero, 10, digest("d")):
        registry.register(alice, ref("LOT-1"), zero, 10, digest("d"), "", {"from": registrar})


def test_parcel_without_deed_hash_is_refused(registry, registrar, alice, reverts):
    zero = bytes(32)
    with reverts("ParcelRecordIncomplete", ref("LOT-1"), digest("g"), 10, zero):
        registry.register(alice, ref("LOT-1"), digest("g"), 10, zero, "", {"from": registrar})


def test_parcel_cannot_be_registered_to_the_zero_address(registry, registrar, reverts):
    with reverts("ERC721InvalidReceiver", brownie.ZERO_ADDRESS):
        registry.register(
            brownie.ZERO_ADDRESS,
            ref("LOT-1"),
            digest("g"),
            10,
            digest("d"),
            "",
            {"from": registrar},
        )


def test_registry_remembers_its_deployment_block_for_log_scans(registry):
    assert 0 < registry.deploymentBlock() <= brownie.web3.eth.block_number
