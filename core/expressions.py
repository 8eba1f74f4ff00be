"""Query expressions the apps share."""

from __future__ import annotations

from django.db import models


class SubqueryCount(models.Subquery):
    """The number of rows of a correlated queryset, as one scalar subquery per outer row:
    ``SubqueryCount(Enrollment.objects.filter(session=OuterRef("pk")))``.

    Unlike ``Count("enrollments")`` it adds no join and no GROUP BY to the outer query, so a list
    page's COUNT stays a plain count of its rows, and with LIMIT the database counts for the
    rows shown only."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = models.IntegerField()

    def __init__(self, queryset, **extra):
        super().__init__(queryset.order_by().values("pk"), **extra)
