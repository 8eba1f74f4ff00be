"""The person page's deferred sections (cadres:person_section): the page shows at once and fills
in 报酬与补贴, 教育培训 and 年度考核 with requests of their own, under the same scope and
permissions as the page; the print still holds every section."""

import pytest
from django.urls import reverse

from cadres.person_sections import PERSON_SECTIONS
from tests.factories import AppointmentFactory
from tests.pages import person_page
from tests.subsidies.factories import LedgerEntryFactory, PayAccountFactory

DEFERRED = ("training", "assessments", "subsidies")


@pytest.fixture
def secretary(village_a):
    appointment = AppointmentFactory(village=village_a, person__name="王书记")
    PayAccountFactory(person=appointment.person, account_number="6221000011112222333")
    LedgerEntryFactory(person=appointment.person, village=village_a, explanation="¥2,250 = ¥27,000 ÷ 12（演示说明）")
    return appointment.person


def test_the_page_shows_placeholders_and_each_section_fills_in(client, clerk_a, secretary):
    assert {k for k, s in PERSON_SECTIONS.items() if s.deferred} == set(DEFERRED)
    client.force_login(clerk_a)
    page = client.get(reverse("cadres:person_detail", args=[secretary.pk]))
    html = page.content.decode()
    assert "¥27,000 ÷ 12（演示说明）" not in html  # the ledger is not read for the page itself
    for key in DEFERRED:
        url = reverse("cadres:person_section", args=[secretary.pk, key])
        assert f'hx-get="{url}" hx-trigger="load"' in html, key
        assert f'id="section-{key}"' in html
    assert [s["key"] for s in page.context["person_sections"] if s["deferred"]] == ["training", "assessments", "subsidies"]
    # the htmx request gets the section's body only; the browser's, a page of its own
    url = reverse("cadres:person_section", args=[secretary.pk, "subsidies"])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "¥27,000 ÷ 12（演示说明）" in body and "<html" not in body and "6221***********2333" in body
    full = client.get(url).content.decode()
    assert (
        "<html" in full
        and "王书记 · 报酬与补贴" in full
        and f"{reverse('cadres:person_detail', args=[secretary.pk])}#section-subsidies" in full
    )
    # filled in, the page reads as before
    assert "¥27,000 ÷ 12（演示说明）" in person_page(client, secretary.pk)


def test_a_section_is_only_shown_within_scope_and_permission(client, clerk_b, auditor, secretary):
    client.force_login(clerk_b)  # another township's clerk
    for key in DEFERRED:
        assert client.get(reverse("cadres:person_section", args=[secretary.pk, key]), HTTP_HX_REQUEST="true").status_code == 404
    client.force_login(auditor)
    assert client.get(reverse("cadres:person_section", args=[secretary.pk, "nonexistent"])).status_code == 404
    assert client.get(reverse("cadres:person_section", args=[secretary.pk, "training"])).status_code == 200


def test_the_page_runs_fewer_queries_than_the_filled_in_file(client, clerk_a, secretary, django_assert_max_num_queries):
    """The page itself no longer reads the three apps' records; each section is a small request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clerk_a)
    client.get(reverse("cadres:person_detail", args=[secretary.pk]))
    with CaptureQueriesContext(connection) as page:
        client.get(reverse("cadres:person_detail", args=[secretary.pk]))
    tables = " ".join(q["sql"] for q in page.captured_queries)
    assert (
        "subsidies_ledgerentry" not in tables and "training_enrollment" not in tables and "assessments_annualreview" not in tables
    )
    for key in DEFERRED:
        with django_assert_max_num_queries(14):
            assert (
                client.get(reverse("cadres:person_section", args=[secretary.pk, key]), HTTP_HX_REQUEST="true").status_code == 200
            )


def test_the_print_still_holds_every_section(client, clerk_a, secretary):
    client.force_login(clerk_a)
    html = client.get(reverse("cadres:person_print", args=[secretary.pk])).content.decode()
    assert "¥27,000 ÷ 12（演示说明）" in html
    for label in ("报酬与补贴", "教育培训", "年度考核（双述双评）"):
        assert label in html
