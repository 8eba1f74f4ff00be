"""cadres.rules.person_defaults: a new file's values, blanks filled by the defaults (ORM-free)."""

import datetime
import itertools

import pytest

from cadres import choices
from cadres.rules import PERSON_DEFAULTS, person_defaults
from cadres.services import PERSON_FIELDS

JOINED = datetime.date(1995, 7, 1)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # nothing given: every default, 群众 (no Party join date)
        ({}, {**PERSON_DEFAULTS, "political_status": choices.PoliticalStatus.MASSES}),
        # blanks (None and "") take the default; a given value stays
        (
            {"ethnicity": "", "phone": None, "native_place": "湖南长沙"},
            {"ethnicity": "汉族", "phone": "", "native_place": "湖南长沙"},
        ),
        ({"ethnicity": "回族"}, {"ethnicity": "回族"}),
        # a Party join date without a status: 中共党员; with a status: as given
        ({"party_join_date": JOINED}, {"political_status": choices.PoliticalStatus.MEMBER, "party_join_date": JOINED}),
        ({"party_join_date": JOINED, "political_status": "probationary"}, {"political_status": "probationary"}),
        ({"political_status": ""}, {"political_status": choices.PoliticalStatus.MASSES}),
        # False is a value, not a blank
        ({"is_veteran": False, "is_returned_graduate": None}, {"is_veteran": False, "is_returned_graduate": False}),
    ],
)
def test_blank_fields_take_their_defaults(values, expected):
    out = person_defaults(values, PERSON_FIELDS)
    assert set(out) == set(PERSON_FIELDS) | set(PERSON_DEFAULTS)
    for field, value in expected.items():
        assert out[field] == value, field


def test_only_the_fields_asked_for_are_taken():
    out = person_defaults({"id_number": "430122195801010003", "name": "张三", "ethnicity": "壮族"}, ("name", "ethnicity"))
    assert "id_number" not in out
    assert (out["name"], out["ethnicity"], out["native_place"]) == ("张三", "壮族", "")


def test_a_field_without_a_default_keeps_the_blank_it_was_given():
    field = next(f for f in PERSON_FIELDS if f not in PERSON_DEFAULTS and f != "political_status")
    assert person_defaults({field: ""}, PERSON_FIELDS)[field] == ""
    assert person_defaults({}, PERSON_FIELDS)[field] is None


def test_without_a_field_list_every_given_key_is_kept():
    out = person_defaults({"name": "张三", "extra": 1, "ethnicity": None})
    assert (out["name"], out["extra"], out["ethnicity"]) == ("张三", 1, "汉族")


def _reference(values, fields=None):
    """The rule spelled out field by field (the way it read before it was made fast)."""
    out = {name: values.get(name) for name in fields} if fields is not None else dict(values)
    for field, default in PERSON_DEFAULTS.items():
        if out.get(field) is None or out.get(field) == "":
            out[field] = default
    if not out.get("political_status"):
        out["political_status"] = choices.PoliticalStatus.MEMBER if out.get("party_join_date") else choices.PoliticalStatus.MASSES
    return out


@pytest.mark.parametrize("fields", [PERSON_FIELDS, None, ("name", "ethnicity", "party_join_date")])
def test_agrees_with_the_rule_spelled_out_for_every_mix_of_blank_and_given(fields):
    given = {
        "ethnicity": "回族",
        "party_join_date": JOINED,
        "political_status": "member",
        "phone": "13800000000",
        "is_veteran": True,
    }
    for mix in itertools.product((None, "", "given", "absent"), repeat=len(given)):
        values = {"name": "张三"}
        for (field, value), how in zip(given.items(), mix, strict=True):
            if how != "absent":
                values[field] = value if how == "given" else how
        assert person_defaults(values, fields) == _reference(values, fields), values
