"""Subdivision and merger: area conserved, parents retired (never deleted), lineage queryable."""

from .conftest import BASE_URI, digest, ref

LIVE, RETIRED = 1, 2


def spec(name, area):
    return (ref(name), digest(f"geometry {name}"), area, digest(f"deed {name}"))


def test_parcel_splits_into_children_whose_areas_sum_to_its_own(
    registry, make_parcel, registrar, alice
):
    parent = make_parcel(area=1_000)
    tx = registry.subdivide(parent, [spec("A", 600), spec("B", 400)], {"from": registrar})
    children = list(tx.events["ParcelRetired"]["successorIds"])
    assert children == [parent + 1, parent + 2]
    assert [registry.parcel(c)["area"] for c in children] == [600, 400]
    assert all(registry.ownerOf(c) == alice for c in children)
    assert registry.parcel(parent)["status"] == RETIRED
    assert registry.holderOf(parent) == "0x" + "00" * 20
    assert list(registry.childrenOf(parent)) == children
    assert all(list(registry.parentsOf(c)) == [parent] for c in children)
    assert [e["parentIds"] for e in tx.events["ParcelRegistered"]] == [(parent,), (parent,)]


def test_retired_parcel_keeps_its_record_and_metadata(registry, make_parcel, registrar):
    parent = make_parcel(area=100, cadastral="LOT-OLD")
    registry.subdivide(parent, [spec("A", 50), spec("B", 50)], {"from": registrar})
    assert registry.parcel(parent)["cadastralRef"] == "0x" + ref("LOT-OLD").hex()
    assert registry.parcelIdOf(ref("LOT-OLD")) == parent
    assert registry.tokenURI(parent) == f"{BASE_URI}{parent}"


def test_children_areas_must_sum_exactly_to_the_parents(registry, make_parcel, registrar, reverts):
    parent = make_parcel(area=1_000)
    with reverts("AreaMismatch", 1_000, 999):
        registry.subdivide(parent, [spec("A", 600), spec("B", 399)], {"from": registrar})


def test_subdivision_needs_at_least_two_children(registry, make_parcel, registrar, reverts):
    parent = make_parcel(area=100)
    with reverts("InvalidPartCount", 1, 2, 16):
        registry.subdivide(parent, [spec("A", 100)], {"from": registrar})


def test_subdivision_is_bounded_in_children(registry, make_parcel, registrar, reverts):
    parent = make_parcel(area=17)
    with reverts("InvalidPartCount", 17, 2, 16):
        registry.subdivide(parent, [spec(f"C{i}", 1) for i in range(17)], {"from": registrar})


def test_subdivision_into_the_maximum_of_children_is_allowed(registry, make_parcel, registrar):
    parent = make_parcel(area=16)
    tx = registry.subdivide(parent, [spec(f"C{i}", 1) for i in range(16)], {"from": registrar})
    assert len(tx.events["ParcelRegistered"]) == 16


def test_encumbered_parcel_cannot_be_subdivided(
    registry, make_parcel, add_lien, registrar, reverts
):
    parent = make_parcel(area=100)
    add_lien(parent)
    with reverts("ParcelEncumbered", parent, 1, 0):
        registry.subdivide(parent, [spec("A", 50), spec("B", 50)], {"from": registrar})


def test_parcel_with_an_open_proposal_cannot_be_subdivided(
    registry, make_parcel, propose, registrar, reverts
):
    parent = make_parcel(area=100)
    proposal_id = propose(parent)
    with reverts("ParcelHasOpenProposal", parent, proposal_id):
        registry.subdivide(parent, [spec("A", 50), spec("B", 50)], {"from": registrar})


def test_retired_parcel_cannot_be_subdivided_again(registry, make_parcel, registrar, reverts):
    parent = make_parcel(area=100)
    registry.subdivide(parent, [spec("A", 50), spec("B", 50)], {"from": registrar})
    with reverts("ParcelNotLive", parent, RETIRED):
        registry.subdivide(parent, [spec("C", 50), spec("D", 50)], {"from": registrar})


def test_child_cannot_take_a_cadastral_reference_in_use(registry, make_parcel, registrar, reverts):
    taken = make_parcel(cadastral="LOT-TAKEN")
    parent = make_parcel(area=100)
    with reverts("CadastralReferenceTaken", ref("LOT-TAKEN"), taken):
        registry.subdivide(parent, [spec("A", 50), spec("LOT-TAKEN", 50)], {"from": registrar})


def test_only_a_registrar_can_subdivide(registry, make_parcel, alice, reverts):
    parent = make_parcel(area=100)
    with reverts("AccessControlUnauthorizedAccount", alice, registry.REGISTRAR_ROLE()):
        registry.subdivide(parent, [spec("A", 50), spec("B", 50)], {"from": alice})


def test_parcels_of_one_owner_merge_into_one_with_their_total_area(
    registry, make_parcel, registrar, alice
):
    first, second, third = make_parcel(area=100), make_parcel(area=250), make_parcel(area=50)
    tx = registry.merge([first, second, third], spec("MERGED", 400), {"from": registrar})
    merged = tx.events["ParcelRegistered"]["parcelId"]
    assert registry.parcel(merged)["area"] == 400
    assert registry.ownerOf(merged) == alice
    assert list(registry.parentsOf(merged)) == [first, second, third]
    for parent in (first, second, third):
        assert registry.parcel(parent)["status"] == RETIRED
        assert list(registry.childrenOf(parent)) == [merged]
    assert registry.balanceOf(alice) == 1


def test_parcels_of_different_owners_cannot_merge(
    registry, make_parcel, registrar, alice, bob, reverts
):
    first, second = make_parcel(area=10), make_parcel(owner=bob, area=10)
    with reverts("MergeOwnerMismatch", second, bob, alice):
        registry.merge([first, second], spec("M", 20), {"from": registrar})


def test_merged_area_must_equal_the_parents_sum(registry, make_parcel, registrar, reverts):
    first, second = make_parcel(area=10), make_parcel(area=20)
    with reverts("AreaMismatch", 30, 31):
        registry.merge([first, second], spec("M", 31), {"from": registrar})


def test_a_parcel_cannot_be_merged_with_itself(registry, make_parcel, registrar, reverts):
    first = make_parcel(area=10)
    with reverts("ParcelNotLive", first, RETIRED):
        registry.merge([first, first], spec("M", 20), {"from": registrar})


def test_merger_needs_at_least_two_parcels(registry, make_parcel, registrar, reverts):
    first = make_parcel(area=10)
    with reverts("InvalidPartCount", 1, 2, 16):
        registry.merge([first], spec("M", 10), {"from": registrar})


def test_merger_is_bounded_in_parcels(registry, make_parcel, registrar, reverts):
    parcels = [make_parcel(area=1) for _ in range(17)]
    with reverts("InvalidPartCount", 17, 2, 16):
        registry.merge(parcels, spec("M", 17), {"from": registrar})


def test_encumbered_parcel_cannot_be_merged(registry, make_parcel, add_lien, registrar, reverts):
    first, second = make_parcel(area=10), make_parcel(area=20)
    add_lien(first)
    with reverts("ParcelEncumbered", first, 1, 0):
        registry.merge([first, second], spec("M", 30), {"from": registrar})


def test_merged_parcel_can_be_subdivided_and_lineage_chains(registry, make_parcel, registrar):
    first, second = make_parcel(area=10), make_parcel(area=20)
    merged = registry.merge([first, second], spec("M", 30), {"from": registrar}).events[
        "ParcelRegistered"
    ]["parcelId"]
    tx = registry.subdivide(merged, [spec("X", 15), spec("Y", 15)], {"from": registrar})
    children = list(tx.events["ParcelRetired"]["successorIds"])
    assert list(registry.childrenOf(merged)) == children
    assert list(registry.parentsOf(merged)) == [first, second]
