"""The one scoping function, tried from the wrong side of every line."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from cadres import choices, selectors
from cadres.models import Appointment, FirstSecretary, Person, QualificationReview, Township, Village, VillageFlag
from core.scope import get_scoped_or_404, scoped

from ..factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory, UserFactory, VillageFlagFactory


@pytest.fixture
def two_townships(village_a, village_b, county_user):
    from cadres import services

    pa, pb = PersonFactory(name="甲人"), PersonFactory(name="乙人")
    AppointmentFactory(person=pa, village=village_a)
    AppointmentFactory(person=pb, village=village_b)
    FirstSecretaryFactory(village=village_a)
    FirstSecretaryFactory(village=village_b)
    VillageFlagFactory(village=village_a)
    VillageFlagFactory(village=village_b)
    services.qualification_review_request(by=county_user, person=pa, village=village_a, post=choices.SECRETARY)
    services.qualification_review_request(by=county_user, person=pb, village=village_b, post=choices.SECRETARY)
    return pa, pb


MODELS = [Township, Village, VillageFlag, Person, Appointment, FirstSecretary, QualificationReview]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_clerk_sees_only_own_township(two_townships, clerk_a, township_a, model):
    rows = list(scoped(clerk_a, model))
    assert rows, "the clerk should see the own township's rows"
    total = model.objects.count()
    assert len(rows) < total
    own = model.objects.for_township(township_a.pk)
    assert {r.pk for r in rows} == set(own.values_list("pk", flat=True))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("persona", ["county_user", "auditor", "admin_user"])
def test_county_auditor_and_admin_see_everything(two_townships, request, persona, model):
    user = request.getfixturevalue(persona)
    assert scoped(user, model).count() == model.objects.count()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_anonymous_inactive_and_roleless_users_see_nothing(two_townships, model):
    inactive = UserFactory(username="gone", role=choices.Role.COUNTY, is_active=False)
    assert scoped(AnonymousUser(), model).count() == 0
    assert scoped(inactive, model).count() == 0
    assert scoped(None, model).count() == 0


def test_other_townships_object_is_404_like_a_missing_one(two_townships, clerk_a):
    _, pb = two_townships
    with pytest.raises(Http404) as other:
        get_scoped_or_404(clerk_a, Person, pk=pb.pk)
    with pytest.raises(Http404) as missing:
        get_scoped_or_404(clerk_a, Person, pk=999999)
    assert str(other.value) == str(missing.value)


def test_person_with_posts_in_two_townships_is_visible_to_both(village_a, village_b, clerk_a, clerk_b):
    p = PersonFactory()
    AppointmentFactory(person=p, village=village_a, post="committee_member")
    AppointmentFactory(person=p, village=village_b, post="group_leader")
    assert scoped(clerk_a, Person).filter(pk=p.pk).exists()
    assert scoped(clerk_b, Person).filter(pk=p.pk).exists()
    # but each clerk sees only the own township's appointments of that person
    assert [a.village for a in selectors.person_appointments(user=clerk_a, person=p)] == [village_a]


def test_person_registered_by_a_township_is_visible_before_any_post(township_a, clerk_a, clerk_b):
    p = PersonFactory(registered_township=township_a)
    assert scoped(clerk_a, Person).filter(pk=p.pk).exists()
    assert not scoped(clerk_b, Person).filter(pk=p.pk).exists()


def test_clerk_without_township_filter_cannot_widen_scope(two_townships, clerk_a, township_b):
    qs = selectors.village_list(user=clerk_a, filters={"township": str(township_b.pk)})
    assert list(qs) == []


def test_vetting_details_hidden_from_clerks(two_townships, clerk_a, county_user, auditor):
    review = scoped(clerk_a, QualificationReview).get()
    assert list(selectors.qualification_review_verdicts(user=clerk_a, review=review)) == []
    assert selectors.qualification_review_verdicts(user=county_user, review=review).count() == 12
    assert selectors.qualification_review_verdicts(user=auditor, review=review).count() == 12


def test_an_object_found_through_the_scope_needs_no_second_query_to_be_judged_in_scope(
    village_a, village_b, clerk_a, django_assert_num_queries
):
    from core.access import within_scope

    mine = AppointmentFactory(village=village_a).person
    other = AppointmentFactory(village=village_b).person
    found = get_scoped_or_404(clerk_a, Person, pk=mine.pk)
    with django_assert_num_queries(0):
        assert within_scope(clerk_a, found)
    with django_assert_num_queries(1):  # not looked up through the scope: asked once
        assert not within_scope(clerk_a, other)
    with pytest.raises(Http404):
        get_scoped_or_404(clerk_a, Person, pk=other.pk)
    assert not within_scope(clerk_a, other)


def test_the_people_of_a_township_follow_links_registered_later(village_a, clerk_a):
    from cadres.models import register_person_township_link
    from cadres.querysets import PERSON_TOWNSHIP_LINKS

    person = PersonFactory(registered_township=None)
    assert not scoped(clerk_a, Person).filter(pk=person.pk).exists()  # the compiled union is now cached

    person.note = "挂职"
    person.save()
    register_person_township_link(lambda tid: Person.objects.filter(note="挂职").values("id"))
    try:
        assert scoped(clerk_a, Person).filter(pk=person.pk).exists()
    finally:
        PERSON_TOWNSHIP_LINKS.pop()
    assert not scoped(clerk_a, Person).filter(pk=person.pk).exists()
