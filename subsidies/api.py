"""REST API of the pay ledger under /api/v1/ledger/.

Reads: read-only viewsets whose queryset is a scoped selector (another township's object → 404).
Writes: actions that validate a plain input serializer and call one service. Bank card numbers
are masked unless the user holds ``subsidies.view_bank_account``. The ledger has no update or
delete endpoint: corrections are ``POST entries/<id>/reverse/``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from cadres.models import Person, Township
from core.api import ApiViewSet, KeysetPagination
from core.scope import get_scoped_or_404

from . import selectors, services
from .access import APPROVE, PAY, RETURN
from .choices import EntryType, RunKind
from .filters import LedgerEntryFilter, PayRunFilter
from .models import LedgerEntry, PayAccount, PayPeriod, PayRun, PayRunLine

# --- output serializers -----------------------------------------------------------------------


class PayPeriodSerializer(serializers.ModelSerializer):
    is_locked = serializers.BooleanField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="month / year")

    class Meta:
        model = PayPeriod
        fields = ["id", "code", "kind", "year", "month", "is_locked", "locked_at"]


class PayRunSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="base_monthly / performance_yearly / subsidy_yearly")
    period = serializers.CharField(source="period.code", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    township_name = serializers.CharField(source="scope_label", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = PayRun
        fields = [
            "id",
            "kind",
            "kind_display",
            "period",
            "township",
            "township_name",
            "status",
            "status_display",
            "progress_done",
            "progress_total",
            "progress_percent",
            "progress_step",
            "line_count",
            "total_amount",
            "message",
            "created_at",
            "prepared_at",
            "approved_at",
            "paid_at",
            "bank_batch_ref",
        ]


class PayRunLineSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True, default="")
    entry_type_display = serializers.CharField(source="get_entry_type_display", read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    zero_reason = serializers.CharField(read_only=True, help_text="金额为0时的未发放原因（如：未参保、未到龄、该职务不享受）")

    class Meta:
        model = PayRunLine
        fields = [
            "id",
            "person",
            "person_name",
            "township",
            "township_name",
            "village",
            "village_name",
            "entry_type",
            "entry_type_display",
            "amount",
            "zero_reason",
            "rule",
            "inputs",
            "explanation",
            "source_ref",
            "warning",
        ]


class LedgerEntrySerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="period.code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    entry_type_display = serializers.CharField(source="get_entry_type_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "person",
            "person_name",
            "township",
            "township_name",
            "village",
            "period",
            "entry_type",
            "entry_type_display",
            "amount",
            "source",
            "source_display",
            "pay_run",
            "rule",
            "inputs",
            "explanation",
            "source_ref",
            "reverses",
            "reason",
            "created_by",
            "created_at",
        ]


class PayAccountSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    account_number = serializers.SerializerMethodField(help_text="无“查看完整银行卡号（财务）”权限时脱敏")

    class Meta:
        model = PayAccount
        fields = [
            "id",
            "person",
            "person_name",
            "bank_name",
            "account_number",
            "account_holder",
            "pension_insured",
            "pension_at_standard",
            "living_extra",
        ]

    def get_account_number(self, obj) -> str:
        return selectors.account_number_for(self.context["request"].user, obj.account_number)


# --- input serializers ------------------------------------------------------------------------


class PayRunCreateInput(serializers.Serializer):
    kind = serializers.CharField(max_length=30, help_text="、".join(f"{v}={label}" for v, label in RunKind.choices))
    period = serializers.CharField(max_length=7)
    township = serializers.IntegerField(required=False, allow_null=True)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class BankRefInput(serializers.Serializer):
    bank_batch_ref = serializers.CharField(max_length=60)


class EntryCreateInput(serializers.Serializer):
    person = serializers.IntegerField()
    period = serializers.CharField(max_length=7)
    entry_type = serializers.ChoiceField(choices=EntryType.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField(max_length=300)


# --- viewsets ---------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="发放期间列表"), retrieve=extend_schema(summary="发放期间详情"))
class PayPeriodViewSet(ApiViewSet):
    serializer_class = PayPeriodSerializer
    write_permissions = {"lock": (("subsidies.lock_payperiod",), None), "unlock": (("subsidies.lock_payperiod",), None)}

    def get_queryset(self):
        return selectors.period_list(user=self.request.user)

    @extend_schema(summary="锁定期间（此后只能冲销更正）", request=None, responses={200: PayPeriodSerializer})
    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        return self._output(services.period_lock(period=self.get_object(), by=request.user))

    @extend_schema(summary="解锁期间", request=None, responses={200: PayPeriodSerializer})
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        return self._output(services.period_unlock(period=self.get_object(), by=request.user))


@extend_schema_view(list=extend_schema(summary="发放批次列表"), retrieve=extend_schema(summary="发放批次详情（含进度）"))
class PayRunViewSet(ApiViewSet):
    serializer_class = PayRunSerializer
    filterset_class = PayRunFilter
    ordering_fields = ["created_at", "total_amount"]
    write_permissions = {
        "create": (("subsidies.add_payrun",), None),
        "prepare": (("subsidies.prepare_payrun",), None),
        # The gate's actions (subsidies/access.py): county only; approval keeps separation of duties.
        "approve": ((APPROVE,), None),
        "send_back": ((RETURN,), None),
        "recompute": (("subsidies.add_payrun",), None),
        "cancel": (("subsidies.add_payrun",), None),
        "mark_paid": ((PAY,), None),
    }

    def get_queryset(self):
        return selectors.run_list(user=self.request.user)

    @extend_schema(summary="新建发放批次（排队计算预览）", request=PayRunCreateInput, responses={201: PayRunSerializer})
    def create(self, request):
        data = self._input(PayRunCreateInput)
        township = get_scoped_or_404(request.user, Township, pk=data["township"]) if data.get("township") else None
        run = services.payrun_create(by=request.user, kind=data["kind"], period_code=data["period"], township=township)
        return self._output(run, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="批次明细（含金额为0的行及未发放原因）", responses={200: PayRunLineSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=KeysetPagination)
    def lines(self, request, pk=None):
        qs = selectors.run_lines(user=request.user, run=self.get_object()).order_by("id")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PayRunLineSerializer(page, many=True).data)

    @extend_schema(summary="乡镇确认", request=None, responses={200: PayRunSerializer})
    @action(detail=True, methods=["post"])
    def prepare(self, request, pk=None):
        return self._output(services.payrun_prepare(run=self.get_object(), by=request.user))

    @extend_schema(summary="县级审批并入账", request=None, responses={200: PayRunSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._output(services.payrun_approve(run=self.get_object(), by=request.user))

    @extend_schema(summary="退回乡镇", request=ReasonInput, responses={200: PayRunSerializer})
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        run = self.get_object()
        data = self._input(ReasonInput)
        return self._output(services.payrun_return(run=run, by=request.user, reason=data["reason"]))

    @extend_schema(summary="重新计算预览", request=None, responses={200: PayRunSerializer})
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        return self._output(services.payrun_recompute(run=self.get_object(), by=request.user))

    @extend_schema(summary="作废批次", request=None, responses={200: PayRunSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._output(services.payrun_cancel(run=self.get_object(), by=request.user))

    @extend_schema(summary="登记已发放（银行批次号）", request=BankRefInput, responses={200: PayRunSerializer})
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        run = self.get_object()
        data = self._input(BankRefInput)
        return self._output(services.payrun_mark_paid(run=run, by=request.user, bank_batch_ref=data["bank_batch_ref"]))


@extend_schema_view(list=extend_schema(summary="账目列表"), retrieve=extend_schema(summary="账目详情（含计算说明）"))
class LedgerEntryViewSet(ApiViewSet):
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    # Cursor pages over indexed columns of the entry table (the ledger holds 100,000s of rows).
    pagination_class = KeysetPagination
    keyset_ordering = ("-id",)
    ordering_fields = ["id", "amount"]
    write_permissions = {
        "create": (("subsidies.add_ledgerentry",), "只有县级可以录入账目。"),
        "reverse": (("subsidies.reverse_ledgerentry",), "只有县级财务可以冲销更正。"),
    }

    def get_queryset(self):
        return selectors.entry_list(user=self.request.user).prefetch_related(None)  # no reversal shown

    @extend_schema(summary="手工录入账目（奖励、一次性发放）", request=EntryCreateInput, responses={201: LedgerEntrySerializer})
    def create(self, request):
        data = self._input(EntryCreateInput)
        person = get_scoped_or_404(request.user, Person, pk=data["person"])
        entry = services.ledger_entry_add(
            by=request.user,
            person=person,
            period_code=data["period"],
            entry_type=data["entry_type"],
            amount=data["amount"],
            reason=data["reason"],
        )
        return self._output(entry, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="冲销更正", request=ReasonInput, responses={201: LedgerEntrySerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        entry = self.get_object()
        data = self._input(ReasonInput)
        reversal = services.ledger_entry_reverse(entry=entry, by=request.user, reason=data["reason"])
        return self._output(reversal, status_code=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="报酬账户列表"), retrieve=extend_schema(summary="报酬账户详情"))
class PayAccountViewSet(ApiViewSet):
    serializer_class = PayAccountSerializer

    def get_queryset(self):
        return selectors.account_list(user=self.request.user)


__all__ = ["LedgerEntryViewSet", "PayAccountViewSet", "PayPeriodViewSet", "PayRunViewSet"]
