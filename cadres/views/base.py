"""Shared pieces of the register's pages: option lists and the list view that knows the register's export columns."""

from __future__ import annotations

from core.scope import scoped
from core.views import ListPageView as BaseListPageView

from .. import export_columns as exports_spec
from ..models import Person, Township, Village

# ---------------------------------------------------------------------------------------------
# Small private helpers (all reads still start from core.scope.scoped)
# ---------------------------------------------------------------------------------------------


def _village_options(user):
    return scoped(user, Village).select_related("township").order_by("township__sort_order", "code")


def _people_options(user):
    return scoped(user, Person).order_by("name", "id")


def _township_options(user):
    return scoped(user, Township)


class ListPageView(BaseListPageView):
    """The register's lists name their export columns in cadres/export_columns.py."""

    def get_export_columns(self):
        return self.export_columns or exports_spec.LIST_COLUMNS[self.export_name]
