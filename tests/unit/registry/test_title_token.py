"""The ERC-721 surface: titles are visible in wallets but never move outside the workflow."""


def test_holder_cannot_move_a_title_with_transfer_from(registry, make_parcel, alice, bob, reverts):
    parcel_id = make_parcel()
    with reverts("TitleMovesOnlyThroughWorkflow", parcel_id, alice):
        registry.transferFrom(alice, bob, parcel_id, {"from": alice})


def test_holder_cannot_move_a_title_with_safe_transfer_from(
    registry, make_parcel, alice, bob, reverts
):
    parcel_id = make_parcel()
    with reverts("TitleMovesOnlyThroughWorkflow", parcel_id, alice):
        registry.safeTransferFrom["address,address,uint256"](alice, bob, parcel_id, {"from": alice})
    with reverts("TitleMovesOnlyThroughWorkflow", parcel_id, alice):
        registry.safeTransferFrom["address,address,uint256,bytes"](
            alice, bob, parcel_id, b"", {"from": alice}
        )


def test_holder_cannot_approve_an_operator_for_a_title(registry, make_parcel, alice, bob, reverts):
    parcel_id = make_parcel()
    with reverts("TitleMovesOnlyThroughWorkflow", parcel_id, alice):
        registry.approve(bob, parcel_id, {"from": alice})


def test_holder_cannot_approve_an_operator_for_all_titles(registry, alice, bob, reverts):
    with reverts("TitleMovesOnlyThroughWorkflow", 0, alice):
        registry.setApprovalForAll(bob, True, {"from": alice})


def test_registrar_cannot_move_a_title_with_transfer_from_either(
    registry, make_parcel, registrar, alice, bob, reverts
):
    parcel_id = make_parcel()
    with reverts("TitleMovesOnlyThroughWorkflow", parcel_id, registrar):
        registry.transferFrom(alice, bob, parcel_id, {"from": registrar})


def test_title_moves_through_the_workflow_and_wallets_see_it(
    registry, make_parcel, propose, registrar, alice, bob
):
    parcel_id = make_parcel()
    proposal_id = propose(parcel_id, accept=True)
    tx = registry.approveTransfer(proposal_id, {"from": registrar})
    assert tx.events["Transfer"]["from"] == alice
    assert tx.events["Transfer"]["to"] == bob
    assert registry.balanceOf(alice) == 0 and registry.balanceOf(bob) == 1
    assert registry.getApproved(parcel_id) == "0x" + "00" * 20
