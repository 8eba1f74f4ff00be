"""Survey by ID number from the form and the 后备干部花名册 import: the same scope rule, and no
names of another township's reserve records in the messages a clerk reads."""

import datetime

import pytest
from django.urls import reverse

from cadres.models import Person
from core.imports.pipeline import build_preview, get_sheet_type
from core.scope import scoped
from reserves.models import ReserveCandidate

from ..factories import PersonFactory
from .factories import ReserveCandidateFactory
from .test_sheets import ZHAO, roster

pytestmark = pytest.mark.django_db
ST = get_sheet_type("reserves")
D = datetime.date


def _row(person):
    row = [*ZHAO]
    row[6] = person.id_number
    return row


def _form_data(person, village):
    return {
        "id_number": person.id_number,
        "village": village.pk,
        "cohort": 2026,
        "source": "returned_graduate",
        "intended_post": "committee_member",
        "surveyed_on": "2025-03-01",
    }


def test_import_refuses_a_file_of_another_township_by_row_column_and_value(clerk_a, village_a, township_b):
    other = PersonFactory(name="乙镇档案", born=D(1996, 8, 12), registered_township=township_b)
    preview = build_preview(roster([_row(other)]), ST, user=clerk_a, township=None)
    assert not preview.ok
    messages = preview.messages(ST)
    assert len(messages) == 1, messages
    assert messages[0].startswith("第3行「身份证号码」"), messages
    assert other.id_number in messages[0] and "不在您的数据范围内" in messages[0]
    assert ReserveCandidate.objects.count() == 0
    assert not scoped(clerk_a, Person).filter(pk=other.pk).exists()


def test_county_import_attaches_a_file_of_any_township(county_user, village_a, township_b):
    other = PersonFactory(name="乙镇档案", born=D(1996, 8, 12), registered_township=township_b)
    preview = build_preview(roster([_row(other)]), ST, user=county_user, township=None)
    assert preview.ok, preview.messages(ST)


def test_form_refuses_a_file_of_another_township(client, clerk_a, village_a, township_b):
    other = PersonFactory(born=D(1996, 8, 12), registered_township=township_b)
    client.force_login(clerk_a)
    response = client.post(reverse("reserves:candidate_create"), _form_data(other, village_a))
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == ["该身份证号已在其他乡镇建档，不在您的数据范围内，请联系县委组织部。"]
    assert ReserveCandidate.objects.count() == 0


@pytest.fixture
def shared(township_a, village_b):
    """A file of township A whose open reserve record (2026) is in township B's 乙一村."""
    person = PersonFactory(born=D(1996, 8, 12), registered_township=township_a)
    ReserveCandidateFactory(person=person, village=village_b)
    return person


def test_import_names_no_other_township_to_a_clerk(clerk_a, village_a, shared):
    messages = build_preview(roster([_row(shared)]), ST, user=clerk_a, township=None).messages(ST)
    assert len(messages) == 1, messages
    assert messages[0].startswith("第3行「村(社区)」") or messages[0].startswith("第3行「村（社区）」"), messages
    assert "已是其他乡镇的2026届后备力量" in messages[0]
    assert "乙镇" not in messages[0] and "乙一村" not in messages[0] and "村级摸底" not in messages[0]


def test_import_names_the_village_to_county_staff(county_user, village_a, shared):
    messages = build_preview(roster([_row(shared)]), ST, user=county_user, township=None).messages(ST)
    assert len(messages) == 1 and "此人已是乙镇乙一村2026届后备力量（村级摸底）" in messages[0], messages


def test_form_names_no_other_township_to_a_clerk(client, clerk_a, village_a, shared):
    client.force_login(clerk_a)
    response = client.post(reverse("reserves:candidate_create"), _form_data(shared, village_a))
    html = response.content.decode()
    assert response.status_code == 200
    assert "此人已是其他乡镇的2026届后备力量，不能重复录入，请联系县委组织部。" in html
    assert "乙一村" not in html and "乙镇" not in html
    assert ReserveCandidate.objects.count() == 1


def test_service_names_the_village_to_county_staff(county_user, village_a, shared):
    from django.core.exceptions import ValidationError

    from reserves import services

    with pytest.raises(ValidationError) as exc:
        services.reserve_survey(
            by=county_user,
            person=shared,
            village=village_a,
            cohort=2026,
            source="returned_graduate",
            intended_post="committee_member",
            surveyed_on=D(2025, 3, 1),
        )
    assert exc.value.message_dict["person"] == [
        "此人已是乙镇乙一村2026届后备力量（村级摸底），不能重复录入，如需调整请先办理退出。"
    ]


def test_service_refuses_a_file_outside_the_scope(clerk_a, village_a, township_b):
    from django.core.exceptions import PermissionDenied

    from reserves import services

    other = PersonFactory(born=D(1996, 8, 12), registered_township=township_b)
    with pytest.raises(PermissionDenied):
        services.reserve_survey(
            by=clerk_a,
            person=other,
            village=village_a,
            cohort=2026,
            source="returned_graduate",
            intended_post="committee_member",
            surveyed_on=D(2025, 3, 1),
        )
    assert ReserveCandidate.objects.count() == 0
