"""API of the annual review, mounted at /api/v1/reviews/.

Querysets come from the scoped selectors (another township's object → 404); writes parse a plain
input serializer and call one service (Django ValidationError → field-keyed 400).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cadres.models import Township
from core.api import ApiViewSet
from core.scope import scoped

from . import selectors, services
from .choices import RaterGroup
from .filters import ProposalFilter, ResultFilter, ReviewFilter
from .models import AnnualReview, BallotTally, ConsequenceProposal, ReviewCampaign, ReviewResult, RollupRun

# ---------------------------------------------------------------------------------------------
# Output serializers
# ---------------------------------------------------------------------------------------------


class CampaignSerializer(serializers.ModelSerializer):
    phase_label = serializers.CharField(source="get_phase_display", read_only=True)
    review_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReviewCampaign
        fields = [
            "id",
            "year",
            "title",
            "phase",
            "phase_label",
            "report_deadline",
            "ballot_deadline",
            "grade_deadline",
            "publicity_start",
            "publicity_end",
            "review_count",
        ]


class TallySerializer(serializers.ModelSerializer):
    class Meta:
        model = BallotTally
        fields = ["group", "entitled", "attended", "counts", "invalid_ballots", "meeting_date"]


class ResultSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ReviewResult
        fields = [
            "id",
            "review",
            "year",
            "person",
            "person_name",
            "village",
            "village_name",
            "township",
            "township_name",
            "status",
            "status_label",
            "score",
            "score_explanation",
            "computed_grade",
            "grade",
            "grade_label",
            "grade_explanation",
            "quota_status",
            "override_grade",
            "override_reason",
            "rank",
            "rank_total",
            "village_category",
            "village_category_label",
            "category_explanation",
            "stars",
            "star_reasons",
            "locked",
        ]


class ReviewSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    tallies = TallySerializer(many=True, read_only=True)
    grade = serializers.SerializerMethodField()

    class Meta:
        model = AnnualReview
        fields = [
            "id",
            "year",
            "person",
            "person_name",
            "village",
            "village_name",
            "township",
            "township_name",
            "post_code",
            "post_name",
            "post_start_date",
            "service_years",
            "duty_report",
            "integrity_report",
            "township_score",
            "daily_score",
            "village_score",
            "tallies",
            "grade",
        ]

    def get_grade(self, obj) -> str:
        result = getattr(obj, "result", None)
        return result.grade if result is not None else ""


class ProposalSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ConsequenceProposal
        fields = [
            "id",
            "review",
            "year",
            "person",
            "person_name",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "reason",
            "start_date",
            "end_date",
            "votes_for",
            "votes_total",
            "decision_note",
        ]


class RollupRunSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = RollupRun
        fields = [
            "id",
            "year",
            "township",
            "status",
            "status_label",
            "progress_percent",
            "step",
            "counts",
            "message",
            "created_at",
            "finished_at",
        ]


# ---------------------------------------------------------------------------------------------
# Input serializers
# ---------------------------------------------------------------------------------------------


class ReviewUpdateInput(serializers.Serializer):
    duty_report = serializers.CharField(required=False, allow_blank=True)
    integrity_report = serializers.CharField(required=False, allow_blank=True)
    township_score = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)
    daily_score = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)
    village_score = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


class TallyInput(serializers.Serializer):
    group = serializers.ChoiceField(choices=RaterGroup.choices)
    entitled = serializers.IntegerField(min_value=1)
    attended = serializers.IntegerField(min_value=0)
    counts = serializers.DictField(child=serializers.IntegerField(min_value=0))
    invalid_ballots = serializers.IntegerField(min_value=0, default=0)
    meeting_date = serializers.DateField(required=False, allow_null=True)


class OverrideInput(serializers.Serializer):
    grade = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)


class ConfirmInput(serializers.Serializer):
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DismissInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


class RollupInput(serializers.Serializer):
    year = serializers.IntegerField()
    township = serializers.IntegerField(required=False, allow_null=True)


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="年度考核列表"), retrieve=extend_schema(summary="年度考核详情"))
class CampaignViewSet(ApiViewSet):
    serializer_class = CampaignSerializer
    lookup_field = "year"

    def get_queryset(self):
        return selectors.campaign_list(user=self.request.user).order_by("-year")


@extend_schema_view(list=extend_schema(summary="考核对象列表"), retrieve=extend_schema(summary="考核对象详情"))
class ReviewViewSet(ApiViewSet):
    serializer_class = ReviewSerializer
    ordering_fields = ["year", "id"]
    write_permissions = {
        "partial_update": (("assessments.change_annualreview",), None),
        "ballots": (("assessments.add_ballottally",), None),
    }

    filterset_class = ReviewFilter

    def get_queryset(self):
        # Every parameter (year, township, status, q) is applied by ReviewFilter (DjangoFilterBackend),
        # which answers 400 for any invalid one: the same FilterSet as the page and its export.
        return selectors.review_list(user=self.request.user).prefetch_related("tallies")

    @extend_schema(summary="录入述职和评分", request=ReviewUpdateInput, responses={200: ReviewSerializer})
    def partial_update(self, request, pk=None):
        review = self.get_object()
        data = self._input(ReviewUpdateInput, partial=True)
        review = services.review_update(review=review, by=request.user, **data)
        return self._output(review)

    @extend_schema(summary="录入测评票", request=TallyInput, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def ballots(self, request, pk=None):
        review = self.get_object()
        data = self._input(TallyInput)
        services.ballot_tally_save(review=review, by=request.user, **data)
        return self._output(review)


@extend_schema_view(list=extend_schema(summary="考核结果列表"), retrieve=extend_schema(summary="考核结果详情（含计算过程）"))
class ResultViewSet(ApiViewSet):
    serializer_class = ResultSerializer
    ordering_fields = ["year", "score", "rank"]
    write_permissions = {"override": (("assessments.override_result", "assessments.resolve_tie"), None)}

    filterset_class = ResultFilter

    def get_queryset(self):
        return scoped(self.request.user, ReviewResult).with_related().order_by("year", "township_id", "rank", "id")

    @extend_schema(summary="人工确定等次（名额并列由乡镇决定）", request=OverrideInput, responses={200: ResultSerializer})
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        result = self.get_object()
        data = self._input(OverrideInput)
        result = services.result_override(result=result, by=request.user, **data)
        return self._output(result)


@extend_schema_view(list=extend_schema(summary="考核后续处理建议"), retrieve=extend_schema(summary="后续处理详情"))
class ProposalViewSet(ApiViewSet):
    serializer_class = ProposalSerializer
    write_permissions = {
        "confirm": (("assessments.decide_proposal",), "只有县委组织部可以确认考核后续处理。"),
        "dismiss": (("assessments.decide_proposal",), "只有县委组织部可以处理考核后续处理建议。"),
    }

    filterset_class = ProposalFilter

    def get_queryset(self):
        return selectors.proposal_list(user=self.request.user)

    @extend_schema(summary="确认", request=ConfirmInput, responses={200: ProposalSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        proposal = self.get_object()
        proposal = services.proposal_confirm(proposal=proposal, by=request.user, **self._input(ConfirmInput))
        return self._output(proposal)

    @extend_schema(summary="不予采纳", request=DismissInput, responses={200: ProposalSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        proposal = self.get_object()
        proposal = services.proposal_dismiss(proposal=proposal, by=request.user, **self._input(DismissInput))
        return self._output(proposal)


@extend_schema_view(retrieve=extend_schema(summary="汇总计算进度"), list=extend_schema(summary="汇总计算记录"))
class RollupRunViewSet(mixins.CreateModelMixin, ApiViewSet):
    serializer_class = RollupRunSerializer
    write_permissions = {"create": (("assessments.run_rollup",), "只有县委组织部可以运行年度汇总。")}

    def get_queryset(self):
        return scoped(self.request.user, RollupRun).select_related("township")

    @extend_schema(summary="运行年度汇总计算（Celery）", request=RollupInput, responses={202: RollupRunSerializer})
    def create(self, request):
        data = self._input(RollupInput)
        township = get_object_or_404(scoped(request.user, Township), pk=data["township"]) if data.get("township") else None
        run = services.rollup_request(year=data["year"], by=request.user, township=township)
        return Response(RollupRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
