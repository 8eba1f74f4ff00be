"""QuerySets of the register's models, and the one definition of "current on date D".

An appointment is current on D when it is filed, has started (start date on or before D) and has
not ended (no end date, or an end date after D); a filed appointment starting later is 待任. A
first secretary is in post on D when the term has started, D is not after the term end and the
posting was not ended early. Every count, list, export and job asks these, never restates them.
"""

from __future__ import annotations

import datetime
import functools

from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL

from core import dates as core_dates
from core.models import ScopedQuerySet

from . import choices


def holds_on(start: datetime.date, end: datetime.date | None, on: datetime.date) -> bool:
    """Whether a post with these dates is held on ``on``: from the start date (任职时间) up to the
    day before the end date (离任时间: from that day on the post is no longer held). The one rule
    of "current on a date", in Python, for rows already loaded (see ``appointment_current_q``)."""
    return start <= on and (end is None or end > on)


def appointment_current_q(on: datetime.date | None = None, prefix: str = "") -> Q:
    """THE definition of "current on date D" (在任) for appointments, as a Q over Appointment
    (``prefix`` for lookups through a relation, e.g. ``"appointments__"``):

    - filed (已备案): drafts and filings in progress never count;
    - started: ``start_date <= D`` — an appointment filed with a later start date is 待任 until then;
    - not ended: no end date, or ``end_date > D`` — on the day of 离任 the post is no longer held,
      so a successor starting that day takes over without overlap.

    Every count, list, filter, export, API, pay run and roster asking "who holds a post on D" goes
    through this (``Appointment.objects.current(on=D)``, ``Person.objects.current(on=D)``)."""
    on = on or core_dates.today()
    return Q(**{f"{prefix}status": choices.FilingStatus.FILED, f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": on})
    )


def appointment_pending_q(on: datetime.date | None = None, prefix: str = "") -> Q:
    """待任 on D: filed, not ended, starting after D."""
    on = on or core_dates.today()
    return Q(
        **{
            f"{prefix}status": choices.FilingStatus.FILED,
            f"{prefix}start_date__gt": on,
            f"{prefix}end_date__isnull": True,
        }
    )


def first_secretary_current_q(on: datetime.date | None = None, prefix: str = "") -> Q:
    """THE definition of a first secretary "in post on D" (在岗): the term has started
    (``term_start <= D``), has not run out (``D <= term_end``, the last day of the term) and the
    posting was not ended early (no 实际离村日期, or D is before it; an end on or after the term's
    last day means the term ran its course)."""
    on = on or core_dates.today()
    p = prefix
    return Q(**{f"{p}term_start__lte": on, f"{p}term_end__gte": on}) & (
        Q(**{f"{p}ended_on__isnull": True}) | Q(**{f"{p}ended_on__gt": on}) | Q(**{f"{p}ended_on__gte": models.F(f"{p}term_end")})
    )


class UserQuerySet(models.QuerySet):
    def for_township(self, township_id: int):
        return self.filter(township_id=township_id)


class TownshipQuerySet(ScopedQuerySet):
    township_path = "id"


class VillageFlagQuerySet(ScopedQuerySet):
    township_path = "village__township_id"

    def current(self, on: datetime.date | None = None):
        on = on or core_dates.today()
        return self.filter(Q(start_date__lte=on), Q(end_date__isnull=True) | Q(end_date__gte=on))


class FilingEventQuerySet(ScopedQuerySet):
    township_path = "appointment__village__township_id"


class QualificationReviewQuerySet(ScopedQuerySet):
    township_path = "village__township_id"

    def with_related(self):
        return self.select_related("person", "village__township")


class DepartmentVerdictQuerySet(ScopedQuerySet):
    township_path = "review__village__township_id"


class PresenceMonthQuerySet(ScopedQuerySet):
    township_path = "first_secretary__village__township_id"


class SpotCheckQuerySet(ScopedQuerySet):
    township_path = "posting__village__township_id"

    def with_related(self):
        return self.select_related("posting__person", "posting__village__township", "recorded_by")

    def counted(self):
        """Unexcused absences: what the yearly policy counts (请假已报备 is not counted)."""
        return self.filter(result=choices.SpotCheckResult.ABSENT, excused=False)


class FirstSecretaryGradeQuerySet(ScopedQuerySet):
    township_path = "posting__village__township_id"


class ImportBatchQuerySet(ScopedQuerySet):
    township_path = "township_id"


class ExportLogQuerySet(ScopedQuerySet):
    township_path = "township_id"


class AppointmentQuerySet(ScopedQuerySet):
    township_path = "village__township_id"

    def current(self, on: datetime.date | None = None):
        """Held on ``on`` (default today): see ``appointment_current_q``, the one definition."""
        return self.filter(appointment_current_q(on))

    def pending(self, on: datetime.date | None = None):
        """Filed with a start date after ``on`` (default today): 待任, not counted anywhere yet."""
        return self.filter(appointment_pending_q(on))

    def held_between(self, first: datetime.date, last: datetime.date):
        """Held on at least one day of [first, last] (the same rule as ``current`` over a period:
        current(on=D) == held_between(D, D)); e.g. the months of a pay run."""
        return self.filter(status=choices.FilingStatus.FILED, start_date__lte=last).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=first)
        )

    def open(self):
        """Filed and not ended, whether started or 待任: what the one-secretary-per-village
        constraint guards (a second open secretary cannot be filed)."""
        return self.filter(status=choices.FilingStatus.FILED, end_date__isnull=True)

    def secretaries(self):
        return self.filter(post=choices.SECRETARY)

    def with_related(self):
        return self.select_related("person", "village__township", "qualification_review")


class FirstSecretaryQuerySet(ScopedQuerySet):
    township_path = "village__township_id"

    def active(self):
        """Status 在岗 (not ended), whether the term has started or not: what the
        one-posting-per-village/person constraints guard. For counts use ``current``."""
        return self.filter(status=choices.FirstSecretaryStatus.ACTIVE)

    def current(self, on: datetime.date | None = None):
        """In post on ``on`` (default today): see ``first_secretary_current_q``."""
        return self.filter(first_secretary_current_q(on))

    def pending(self, on: datetime.date | None = None):
        """Sent but not yet arrived (待到岗): 在岗 status, term starting after ``on``."""
        on = on or core_dates.today()
        return self.filter(status=choices.FirstSecretaryStatus.ACTIVE, term_start__gt=on)

    def with_related(self):
        return self.select_related("person", "village__township")


def _model(name: str):
    """A register model by name, for the querysets below (cadres.models imports this module)."""
    from django.apps import apps

    return apps.get_model("cadres", name)


class VillageQuerySet(ScopedQuerySet):
    township_path = "township_id"

    def with_related(self):
        today = core_dates.today()
        return self.select_related("township").prefetch_related(
            models.Prefetch("flags", queryset=_model("VillageFlag").objects.current(today), to_attr="current_flags"),
            models.Prefetch(
                "appointments",
                queryset=_model("Appointment").objects.current().filter(post=choices.SECRETARY).select_related("person"),
                to_attr="current_secretaries",
            ),
        )


# Extra ways a person belongs to a township, registered by other apps (reserves, …): each is a
# callable ``(township_id) -> QuerySet of person ids`` (preferred: ``.values("person_id")``) or a
# Q/Exists evaluated against Person rows.
PERSON_TOWNSHIP_LINKS: list = []


def register_person_township_link(func) -> None:
    if func not in PERSON_TOWNSHIP_LINKS:
        PERSON_TOWNSHIP_LINKS.append(func)


@functools.lru_cache(maxsize=4096)
def _township_people_sql(alias: str, township_id: int, links: tuple[int, ...]) -> tuple[str, tuple]:
    """The ids of the people who belong to ``township_id`` (see PersonQuerySet.for_township), as
    compiled SQL for the database ``alias``. ``links``: the registered links (part of the key)."""
    sets = [
        _model(name).objects.filter(village__township_id=township_id).order_by().values("person_id")
        for name in ("Appointment", "FirstSecretary")
    ]
    for link in PERSON_TOWNSHIP_LINKS:
        extra = link(township_id)
        if isinstance(extra, models.QuerySet):
            sets.append(extra.order_by())
    person = _model("Person")
    registered = person._default_manager.filter(registered_township_id=township_id).order_by().values("id")
    sql, params = registered.union(*sets).query.get_compiler(using=alias).as_sql()
    return sql, tuple(params)


class PersonQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None, **lookup):
        """People holding, on ``on`` (default today), an appointment matching ``lookup`` (e.g.
        ``post=SECRETARY``, ``village__township_id=…``): the people form of
        ``appointment_current_q``."""
        held = _model("Appointment").objects.current(on).filter(**lookup).order_by().values("person_id")
        return self.filter(pk__in=held)

    def for_township(self, township_id: int):
        """A person belongs to a township through any appointment or posting there, or when the
        township registered the file; other apps add links via register_person_township_link."""
        # One ``pk IN (… UNION …)`` of small id sets rather than correlated EXISTS or an OR of
        # several IN: the database computes the township's few hundred ids once and knows the set
        # is small, so a list sorted by name reads those people only (an OR made PostgreSQL walk
        # every person in name order: 175 ms → 21 ms for a clerk's first page at prefecture scale).
        # The union's SQL is compiled once per township and process (compiling it cost ≈1 ms a
        # query, and a clerk's person page scopes a dozen queries by it); the database still
        # evaluates it on every query.
        other = Q()
        for link in PERSON_TOWNSHIP_LINKS:
            extra = link(township_id)
            if not isinstance(extra, models.QuerySet):
                other |= extra
        sql, params = _township_people_sql(self.db, int(township_id), tuple(map(id, PERSON_TOWNSHIP_LINKS)))
        return self.filter(Q(pk__in=RawSQL(sql, params)) | other)  # noqa: S611 (compiled by Django above)

    def with_related(self):
        return self.select_related("registered_township").prefetch_related(
            models.Prefetch(
                "appointments",
                queryset=_model("Appointment")
                .objects.current()
                .select_related("village__township")
                .order_by("village_id", "post"),
                to_attr="current_appointments",
            )
        )
