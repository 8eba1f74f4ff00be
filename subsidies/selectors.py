"""Reads of the pay ledger. Every selector starts from the scoping function core.scope.scoped."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum

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


RUN_TOTALS_CACHE_SECONDS = 6 * 3600


def _posted_totals(user, run: PayRun, what: str, compute):
    """A posted run's totals, cached: they are sums over the run's ledger entries (a prefecture's
    monthly run has ~90,000), and the ledger is append-only — the key holds the ledger's latest
    entry id, so any new entry (a correction, a reversal) computes them afresh. Preview totals
    (lines replaced on every preview) are always computed."""
    if run.status not in (RunStatus.APPROVED, RunStatus.PAID):
        return compute()
    from django.core.cache import cache

    if not hasattr(run, "_ledger_latest"):  # one read for both totals of the page
        run._ledger_latest = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    latest = run._ledger_latest
    scope = f"{user.role}:{user.township_id or 0}:{int(user.sees_all_townships)}:{int(user.is_superuser)}"
    key = f"subsidies:run-totals:{what}:{scope}:{run.pk}:{run.status}:{latest}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, RUN_TOTALS_CACHE_SECONDS)
    return found


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
            .annotate(people=Count("person_id", distinct=True), lines=Count("id"), total=Sum("amount"))
            .order_by("township__sort_order", "township_id")
        )

    return _posted_totals(user, run, "township", compute)


def run_totals_by_type(*, user, run: PayRun) -> list[dict]:
    labels = dict(EntryType.choices)

    def compute():
        rows = _run_rows(user, run).values("entry_type").annotate(lines=Count("id"), total=Sum("amount")).order_by("entry_type")
        return [{**row, "label": labels.get(row["entry_type"], row["entry_type"])} for row in rows]

    return _posted_totals(user, run, "type", compute)


# --- ledger -----------------------------------------------------------------------------------


def entry_list(*, user, filters=None, request=None) -> QuerySet[LedgerEntry]:
    # The reversal of each row ("已冲销") in one extra query over the page's ids rather than a
    # join: SQLite's planner statistics count the NULLs of ``reverses`` (almost every row) and
    # then scan the whole ledger for every row of the page.
    qs = (
        scoped(user, LedgerEntry)
        .select_related("person", "township", "village", "period", "pay_run", "created_by")
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
    qs = scoped(user, LedgerEntry).filter(period__year=year)
    if period_code:
        qs = qs.filter(period__code=period_code)
    cells = qs.values("township_id", "entry_type").annotate(total=Sum("amount"), people=Count("person_id", distinct=True))
    townships = list(scoped(user, Township).order_by("sort_order", "code"))
    types = list(EntryType)
    grid = {(c["township_id"], c["entry_type"]): c["total"] for c in cells}
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
        "years": person_totals_by_year(user=user, person=person),
        "benefits": list(scoped(user, BenefitRecord).filter(person=person).order_by("-year", "kind")),
        "stops": list(scoped(user, LivingSubsidyStop).filter(person=person).order_by("-date")),
        "can_edit_account": can(user, "subsidies.change_payaccount"),
    }


def periods_with_runs(*, user) -> QuerySet[PayPeriod]:
    return period_list(user=user).prefetch_related(Prefetch("runs", queryset=scoped(user, PayRun).select_related("township")))


def account_list(*, user) -> QuerySet[PayAccount]:
    return scoped(user, PayAccount).select_related("person").order_by("person__name", "pk")
