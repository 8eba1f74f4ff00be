"""Admin of education upgrades: subsidies handed to the pay ledger are read-only."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from training.models import EducationUpgrade

from .factories import EducationUpgradeFactory

pytestmark = pytest.mark.django_db
TUITION = {"tuition_fee", "tuition_subsidy", "tuition_subsidy_date"}
DIPLOMA = {"actual_graduation", "diploma_subsidy", "diploma_subsidy_date"}


def _fields(user, obj):
    request = RequestFactory().get("/")
    request.user = user
    ma = site._registry[EducationUpgrade]
    return set(ma.get_form(request, obj).base_fields), set(ma.get_readonly_fields(request, obj))


def test_subsidies_not_yet_fixed_are_editable(admin_user):
    upgrade = EducationUpgradeFactory()
    editable, readonly = _fields(admin_user, upgrade)
    assert editable >= TUITION | DIPLOMA and not (TUITION | DIPLOMA) & readonly


def test_tuition_subsidy_handed_to_the_ledger_is_read_only(admin_user):
    upgrade = EducationUpgradeFactory(
        tuition_fee=Decimal("6000.00"), tuition_subsidy=Decimal("3000.00"), tuition_subsidy_date=datetime.date(2023, 1, 5)
    )
    editable, readonly = _fields(admin_user, upgrade)
    assert readonly >= TUITION and not TUITION & editable
    assert editable >= DIPLOMA


def test_diploma_subsidy_handed_to_the_ledger_is_read_only(admin_user):
    upgrade = EducationUpgradeFactory(
        status="graduated",
        actual_graduation=datetime.date(2025, 7, 1),
        diploma_subsidy=Decimal("2000.00"),
        diploma_subsidy_date=datetime.date(2025, 8, 1),
    )
    editable, readonly = _fields(admin_user, upgrade)
    assert readonly >= DIPLOMA and not DIPLOMA & editable
    assert editable >= TUITION


def test_change_page_post_cannot_alter_a_handed_subsidy_nor_revert_history(client, admin_user):
    upgrade = EducationUpgradeFactory(
        tuition_fee=Decimal("6000.00"), tuition_subsidy=Decimal("3000.00"), tuition_subsidy_date=datetime.date(2023, 1, 5)
    )
    client.force_login(admin_user)
    page = client.get(reverse("admin:training_educationupgrade_change", args=[upgrade.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'name="tuition_subsidy"' not in html and "3000.00" in html
    version = upgrade.history.first()
    url = reverse("admin:training_educationupgrade_simple_history", args=[upgrade.pk, version.history_id])
    assert client.post(url, {"tuition_subsidy": "9999"}).status_code == 403
    upgrade.refresh_from_db()
    assert upgrade.tuition_subsidy == Decimal("3000.00")


def test_upgrades_enrolments_and_attendance_are_export_only_and_exports_are_logged(client, admin_user):
    from django.urls import NoReverseMatch

    from cadres.models import ExportLog

    EducationUpgradeFactory()
    for name in ("educationupgrade", "enrollment", "attendance"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:training_{name}_import")
    client.force_login(admin_user)
    html = client.get(reverse("admin:training_educationupgrade_changelist")).content.decode()
    assert "此处仅提供导出：学历提升须在系统页面" in html
    from import_export.formats.base_formats import XLSX

    request = RequestFactory().get("/admin/training/educationupgrade/export/")
    request.user = admin_user
    ma = site._registry[EducationUpgrade]
    ma.get_export_data(XLSX(), request, EducationUpgrade.objects.all())
    log = ExportLog.objects.get()
    assert (log.what, log.rows) == ("后台导出：学历提升", 1)
