"""Codes are enums throughout; every Client method's type hints resolve at run time."""
from __future__ import annotations

import inspect
import typing
from enum import IntEnum

import pytest

import nakama_sync
from nakama_sync.models import (
    ChannelType,
    Friend,
    FriendState,
    GroupUser,
    GroupUserState,
    Operator,
    SortOrder,
    StoreEnvironment,
    StoreProvider,
    Tournament,
    UserGroup,
    ValidatedPurchase,
    ValidatedSubscription,
)


@pytest.mark.parametrize("codes", [ChannelType, FriendState, GroupUserState, Operator, SortOrder, StoreProvider,
                                   StoreEnvironment])
def test_codes_are_int_enums(codes: type[IntEnum]) -> None:
    assert issubclass(codes, IntEnum)


def test_model_fields_hold_enum_members() -> None:
    friend = Friend.from_wire({"state": 2})
    assert friend.state is FriendState.INVITE_RECEIVED and friend.state == 2
    assert "INVITE_RECEIVED" in repr(friend)
    assert GroupUser.from_wire({"state": 1}).state is GroupUserState.ADMIN
    assert UserGroup.from_wire({}).state is GroupUserState.SUPERADMIN
    assert Tournament.from_wire({"sort_order": 1}).sort_order is SortOrder.DESCENDING
    assert Tournament.from_wire({"operator": 3}).operator is Operator.INCREMENT
    purchase = ValidatedPurchase.from_wire({"store": 1, "environment": 2})
    assert (purchase.store, purchase.environment) == (StoreProvider.GOOGLE_PLAY_STORE, StoreEnvironment.PRODUCTION)
    assert ValidatedSubscription.from_wire({"store": 4}).store is StoreProvider.SAMSUNG_GALAXY_STORE


def test_an_unknown_code_stays_a_number() -> None:
    state = Friend.from_wire({"state": 42}).state
    assert state == 42 and not isinstance(state, FriendState)


def test_type_hints_resolve_for_every_client_method() -> None:
    methods = [fn for name, fn in inspect.getmembers(nakama_sync.Client, inspect.isfunction)
               if not name.startswith("_")]
    assert len(methods) > 170
    for fn in methods:
        hints = typing.get_type_hints(fn)
        assert "return" in hints, fn.__name__
    assert typing.get_type_hints(nakama_sync.Client.list_friends)["session"] is nakama_sync.Session
