"""Training sessions are created on the pages (code allocation, day schedule): the admin only exports."""

import pytest
from django.urls import NoReverseMatch, reverse

from .factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


def test_session_admin_has_no_import(admin_client):
    TrainingSessionFactory()
    with pytest.raises(NoReverseMatch):
        reverse("admin:training_trainingsession_import")
    page = admin_client.get(reverse("admin:training_trainingsession_changelist")).content.decode()
    assert "导出" in page and "/import/" not in page
