"""Query expressions the apps share."""

from __future__ import annotations

from django.db import connections, models


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


@models.Field.register_lookup
class AnyOf(models.Lookup):
    """``field__any_of=[…]`` on PostgreSQL: ``field = ANY(%s)`` with the values as one array
    parameter, one statement however many values (``__in`` writes a placeholder per value, and
    the database plans a list of thousands). Use it through :func:`among`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]


models.ForeignObject.register_lookup(AnyOf)  # person_id__any_of: related fields keep lookups of their own


def among(queryset, field: str, values, *, chunk: int = 900) -> list:
    """``queryset`` narrowed to rows whose ``field`` is one of ``values``, as the querysets to run
    one after the other: on PostgreSQL one (AnyOf), elsewhere IN lists of ``chunk`` values (within
    SQLite's parameter limit). None when ``values`` is empty."""
    values = list(values)
    if not values:
        return []
    if connections[queryset.db].vendor == "postgresql":
        return [queryset.filter(**{f"{field}__any_of": values})]
    return [queryset.filter(**{f"{field}__in": values[i : i + chunk]}) for i in range(0, len(values), chunk)]
