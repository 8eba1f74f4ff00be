"""Fixtures shared by the register's tests."""

import pytest

from cadres.models import Person


@pytest.fixture
def photo_storage(tmp_path, monkeypatch):
    """一寸照 files go to a temporary private folder. The field's storage object is built at import
    (and shared by every instance's file), so its location is redirected in place."""
    storage = Person._meta.get_field("photo").storage
    location = tmp_path / "private"
    monkeypatch.setitem(storage.__dict__, "base_location", str(location))
    monkeypatch.setitem(storage.__dict__, "location", str(location))
    return storage
