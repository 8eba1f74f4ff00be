"""Reads of the pay ledger. Every selector starts from the scoping function core.scope.scoped."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum

from cadres.models import Person, Township
from core.access import can
from core.scope import get_scoped_or_404, scoped

from .choices import EntryType, RunStatus
from .filters import LedgerEntryFilter, PayPeriodFilter, PayRunFilter
from .models import BenefitRecord, LedgerEntry, LivingSubsidyStop, PayAccount, PayPeriod, PayRun, PayRunLine, mask_account


def _filtered(filterset_class, qs, filters, request=None):
    if filters is None:
        return qs
    fs = filterset_class(filters, queryset=qs, request=request)
    return fs.qs if fs.is_valid() else qs.none()


def can_see_bank_account(user) -> bool:
    return bool(user and user.is_authenticated and can(user, "subsidies.view_bank_account"))


def account_number_for(user, number: str) -> str:
    """Card numbers in full only for the finance permission; masked everywhere else."""
    return number if can_see_bank_account(user) else mask_account(number)


# --- periods ----------------------------------------------------------------------------------


def period_list(*, user, filters=None, request=None) -> QuerySet[PayPeriod]:
    return _filtered(PayPeriodFilter, scoped(user, PayPeriod).select_related("locked_by"), filters, request)


def period_get(*, user, pk: int) -> PayPeriod:
    return get_scoped_or_404(user, period_list(user=user), pk=pk)


# --- runs -------------------------------------------------------------------------------------


def run_list(*, user, filters=None, request=None) -> QuerySet[PayRun]:
    return _filtered(PayRunFilter, scoped(user, PayRun).with_related(), filters, request)


def run_get(*, user, pk: int) -> PayRun:
    return get_scoped_or_404(user, scoped(user, PayRun).with_related(), pk=pk)


def run_lines(*, user, run: PayRun) -> QuerySet[PayRunLine]:
    return (
        scoped(user, PayRunLine).filter(run=run).with_related().order_by("township__sort_order", "village_id", "person_id", "id")
    )


def run_entries(*, user, run: PayRun) -> QuerySet[LedgerEntry]:
    """A posted run's ledger entries with what its page shows of each (person, township,
    village): three joins rather than the ledger list's seven, whose planning alone took longer
    than reading the page of entries."""
    return scoped(user, LedgerEntry).filter(pay_run=run).select_related("person", "township", "village")


def run_zero_lines(*, user, run: PayRun) -> QuerySet[PayRunLine]:
    """The run's ¥0 lines, each with its reason (they stay on the run; the ledger has no zeros)."""
    return run_lines(user=user, run=run).filter(amount=0)


def person_zero_lines(*, user, person: Person, limit: int = 30) -> list[PayRunLine]:
    """The person's ¥0 lines in runs that are not cancelled, newest first (person page)."""
    return list(
        scoped(user, PayRunLine)
        .filter(person=person, amount=0)
        .exclude(run__status=RunStatus.CANCELLED)
        .select_related("run__period")
        .order_by("-run__period__year", "-run__period__month", "-id")[:limit]
    )


RUN_TOTALS_CACHE_SECONDS = 6 * 3600


def _posted_totals(user, run: PayRun, what: str, compute):
    """A posted run's totals, cached: they are sums over the run's ledger entries (a prefecture's
    monthly run has ~90,000), and the ledger is append-only — the key holds the ledger's latest
    entry id, so any new entry (a correction, a reversal) computes them afresh. Preview totals
    (lines replaced on every preview) are always computed."""
    if run.status not in (RunStatus.APPROVED, RunStatus.PAID):
        return compute()
    from core.cache import cached_per_scope

    if not hasattr(run, "_ledger_latest"):  # one read for both totals of the page
        run._ledger_latest = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return cached_per_scope(
        f"subsidies:run-totals:{what}",
        user=user,
        parts=(run.pk, run.status, run._ledger_latest),
        compute=compute,
        seconds=RUN_TOTALS_CACHE_SECONDS,
    )


def _run_rows(user, run: PayRun) -> QuerySet:
    if run.status in (RunStatus.APPROVED, RunStatus.PAID):
        return scoped(user, LedgerEntry).filter(pay_run=run)
    return scoped(user, PayRunLine).filter(run=run)


def run_totals_by_township(*, user, run: PayRun) -> list[dict]:
    """Totals by township: from the ledger once posted, from the preview lines before."""

    def compute():
        return list(
            _run_rows(user, run)
            .values("township_id", "township__name", "township__sort_order")
            .annotate(
                people=Count("person_id", distinct=True, filter=~Q(amount=0)),
                lines=Count("id", filter=~Q(amount=0)),
                total=Sum("amount"),
            )
            .order_by("township__sort_order", "township_id")
        )

    return _posted_totals(user, run, "township", compute)


def run_totals_by_type(*, user, run: PayRun) -> list[dict]:
    labels = dict(EntryType.choices)

    def compute():
        rows = (
            _run_rows(user, run)
            .values("entry_type")
            .annotate(lines=Count("id", filter=~Q(amount=0)), zero_lines=Count("id", filter=Q(amount=0)), total=Sum("amount"))
            .order_by("entry_type")
        )
        return [{**row, "label": labels.get(row["entry_type"], row["entry_type"])} for row in rows]

    return _posted_totals(user, run, "type", compute)


# --- ledger -----------------------------------------------------------------------------------


def entry_list(*, user, filters=None, request=None) -> QuerySet[LedgerEntry]:
    # The reversal of each row ("已冲销") in one extra query over the page's ids rather than a
    # join: SQLite's planner statistics count the NULLs of ``reverses`` (almost every row) and
    # then scan the whole ledger for every row of the page.
    # What the list and the API show of each entry (its village and run only as ids); every join
    # more is time the planner spends on every page.
    qs = (
        scoped(user, LedgerEntry)
        .select_related("person", "township", "period", "created_by")
        .prefetch_related("reversed_by_entry")
    )
    return _filtered(LedgerEntryFilter, qs, filters, request)


def entry_get(*, user, pk: int) -> LedgerEntry:
    return get_scoped_or_404(user, scoped(user, LedgerEntry).with_related(), pk=pk)


def person_entries(*, user, person: Person) -> QuerySet[LedgerEntry]:
    return scoped(user, LedgerEntry).filter(person=person).with_related()


def person_totals_by_year(*, user, person: Person) -> list[dict]:
    labels = dict(EntryType.choices)
    rows = (
        scoped(user, LedgerEntry)
        .filter(person=person)
        .values("period__year", "entry_type")
        .annotate(total=Sum("amount"))
        .order_by("-period__year", "entry_type")
    )
    return [{**r, "label": labels.get(r["entry_type"], r["entry_type"])} for r in rows]


def county_summary(*, user, year: int, period_code: str | None = None) -> dict:
    """Totals by township × entry type for a year (or one period), within the user's scope."""
    periods = PayPeriod.objects.filter(year=year)
    if period_code:
        periods = periods.filter(code=period_code)
    # the periods' ids first (a handful), so that the sum reads the ledger alone: no join per
    # entry, nothing but the two grouping columns and the amount (≈270,000 entries a year at
    # prefecture scale: 290 ms → 85 ms)
    qs = scoped(user, LedgerEntry).filter(period_id__in=list(periods.values_list("pk", flat=True)))
    cells = qs.values("township", "entry_type").annotate(total=Sum("amount")).order_by()
    townships = list(scoped(user, Township).order_by("sort_order", "code"))
    types = list(EntryType)
    grid = {(c["township"], c["entry_type"]): c["total"] for c in cells}
    rows = []
    col_totals = {t.value: Decimal("0.00") for t in types}
    for tw in townships:
        amounts = [grid.get((tw.pk, t.value)) or Decimal("0.00") for t in types]
        for t, a in zip(types, amounts, strict=True):
            col_totals[t.value] += a
        rows.append({"township": tw, "amounts": amounts, "total": sum(amounts, Decimal("0.00"))})
    return {
        "types": types,
        "rows": rows,
        "column_totals": [col_totals[t.value] for t in types],
        "grand_total": sum(col_totals.values(), Decimal("0.00")),
    }


def bank_sheet_rows(*, user, township: Township, period: PayPeriod, pay_run: PayRun | None = None) -> list[dict]:
    """Net amount per person for one township and period (optionally one run), with the bank
    account masked unless the user has the finance permission."""
    qs = scoped(user, LedgerEntry).filter(township=township, period=period)
    if pay_run is not None:
        qs = qs.filter(pay_run=pay_run)
    sums = qs.values("person_id").annotate(total=Sum("amount")).order_by()
    totals = {r["person_id"]: r["total"] for r in sums if r["total"]}
    people = (
        Person.objects.filter(pk__in=list(totals))
        .select_related("pay_account")
        .only("pk", "name", "id_number", "pay_account__bank_name", "pay_account__account_number", "pay_account__account_holder")
        .order_by("name", "pk")
    )
    full = can_see_bank_account(user)
    rows = []
    for p in people:
        acct = getattr(p, "pay_account", None)
        number = acct.account_number if acct else ""
        rows.append(
            {
                "person_id": p.pk,
                "name": p.name,
                "id_number": p.id_number,
                "holder": (acct.account_holder if acct and acct.account_holder else p.name),
                "bank_name": acct.bank_name if acct else "",
                "account_number": number if full else mask_account(number),
                "amount": totals[p.pk],
            }
        )
    return rows


# --- person page ------------------------------------------------------------------------------


def person_account(*, user, person: Person) -> PayAccount | None:
    return scoped(user, PayAccount).filter(person=person).first()


def person_section_context(*, user, person: Person) -> dict:
    """The 报酬与补贴 section of the person page (permission-gated by the registration)."""
    account = person_account(user=user, person=person)
    # only what the section shows (period, who entered it): the list's seven joins cost the
    # planner more than the few rows cost to read
    entries = list(
        scoped(user, LedgerEntry)
        .filter(person=person)
        .select_related("period", "created_by")
        .order_by("-period__year", "-period__month", "-id")[:60]
    )
    account_history = []
    if account is not None:
        account_history = [
            {
                "when": h.history_date,
                "user": h.history_user,
                "bank_name": h.bank_name,
                "number": account_number_for(user, h.account_number),
                "pension": h.pension_insured and h.pension_at_standard,
            }
            for h in account.history.select_related("history_user").order_by("-history_date")[:20]
        ]
    return {
        "person": person,
        "account": account,
        "account_number": account_number_for(user, account.account_number) if account else "",
        "account_history": account_history,
        "entries": entries,
        "zero_lines": person_zero_lines(user=user, person=person),
        "years": person_totals_by_year(user=user, person=person),
        "benefits": list(scoped(user, BenefitRecord).filter(person=person).order_by("-year", "kind")),
        "stops": list(scoped(user, LivingSubsidyStop).filter(person=person).order_by("-date")),
        "can_edit_account": can(user, "subsidies.change_payaccount"),
    }


def periods_with_runs(*, user) -> QuerySet[PayPeriod]:
    return period_list(user=user).prefetch_related(Prefetch("runs", queryset=scoped(user, PayRun).select_related("township")))


def account_list(*, user) -> QuerySet[PayAccount]:
    return scoped(user, PayAccount).select_related("person").order_by("person__name", "pk")


def period_last_day(period: PayPeriod):
    """The last day of a month period, or 31 December of a year period."""
    import calendar
    import datetime

    month = period.month or 12
    return datetime.date(period.year, month, calendar.monthrange(period.year, month)[1])


def run_pay_sheet_rows(*, user, run: PayRun) -> list[dict]:
    """报酬代发表 rows of a posted run: one per payee (and township), the amount of every entry
    type, the posts the payee held in the village on the period's last day, and the bank account,
    the card number masked unless the user has the finance permission. Ordered by township,
    village, name. Four queries, however many payees: the sums, the payees with their accounts,
    the posts, the villages/townships."""
    from cadres.models import Appointment, Village

    sums = (
        scoped(user, LedgerEntry)
        .filter(pay_run=run)
        .values("township_id", "person_id", "entry_type")
        .annotate(total=Sum("amount"), village=Min("village_id"))
        .order_by()
    )
    payees: dict[tuple[int, int], dict] = {}
    for s in sums:
        row = payees.setdefault((s["township_id"], s["person_id"]), {"amounts": {}, "village_id": s["village"]})
        row["amounts"][s["entry_type"]] = row["amounts"].get(s["entry_type"], Decimal("0.00")) + s["total"]
        if row["village_id"] is None:
            row["village_id"] = s["village"]
    person_ids = {pid for _, pid in payees}
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=person_ids)
        .select_related("pay_account")
        .only("pk", "name", "pay_account__bank_name", "pay_account__account_number", "pay_account__account_holder")
    }
    posts: dict[tuple[int, int], list[str]] = {}
    held = (
        scoped(user, Appointment)
        .filter(person_id__in=person_ids)
        .current(period_last_day(run.period))
        .order_by("person_id", "post", "pk")
        .values_list("person_id", "village_id", "post_name")
    )
    for person_id, village_id, post_name in held:
        posts.setdefault((person_id, village_id), []).append(post_name)
    village_ids = {r["village_id"] for r in payees.values() if r["village_id"]}
    villages = dict(Village.objects.filter(pk__in=village_ids).values_list("pk", "name"))
    townships = {
        t.pk: t for t in Township.objects.filter(pk__in={tid for tid, _ in payees}).only("pk", "name", "sort_order", "code")
    }
    full = can_see_bank_account(user)
    rows = []
    for (township_id, person_id), data in payees.items():
        person, township = people[person_id], townships[township_id]
        account = getattr(person, "pay_account", None)
        number = account.account_number if account else ""
        rows.append(
            {
                "township": township,
                "person_id": person_id,
                "name": person.name,
                "village": villages.get(data["village_id"], ""),
                "post": "、".join(posts.get((person_id, data["village_id"]), [])),
                "bank_name": account.bank_name if account else "",
                "holder": (account.account_holder if account and account.account_holder else person.name),
                "account_number": number if full else mask_account(number),
                "amounts": data["amounts"],
                "total": sum(data["amounts"].values(), Decimal("0.00")),
            }
        )
    rows.sort(key=lambda r: (r["township"].sort_order, r["township"].code, r["village"], r["name"], r["person_id"]))
    return rows
