"""REST API of the reserve pool under /api/v1/reserves/ (reserves/api_urls.py).

Reads: read-only viewsets whose queryset is a scoped selector (another township's record → 404).
Writes: actions that validate a plain input serializer and call one service; services raise
Django ValidationError dicts (→ field-keyed 400) and PermissionDenied (→ 403) through
core.api.exception_handler.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cadres.models import Person, Township, Village
from core.api import ApiViewSet, ScopedPrimaryKeyRelatedField
from core.filters import MAX_ID, YEAR_MAX, YEAR_MIN, query_errors
from core.scope import get_scoped_or_404

from . import selectors, services
from .access import DECIDE, MAINTAIN
from .choices import ExitReason, PartyStage
from .filters import CoverageQueryForm, ReserveCandidateFilter
from .models import Appraisal, Mentorship, PartyStageRecord, PracticePost, ReserveCandidate, ReserveEvent

# ---------------------------------------------------------------------------------------------
# Output serializers (read only what the selectors load)
# ---------------------------------------------------------------------------------------------


class MentorshipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mentorship
        fields = ["id", "mentor_type", "mentor_type_name", "mentor_name", "mentor_title", "start_date", "end_date", "note"]


class PracticePostSerializer(serializers.ModelSerializer):
    class Meta:
        model = PracticePost
        fields = ["id", "post", "post_name", "start_date", "end_date", "assessment"]


class AppraisalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appraisal
        fields = ["id", "year", "result", "result_name", "is_poor", "date", "note"]


class PartyStageSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = PartyStageRecord
        fields = ["id", "stage", "stage_label", "date", "until", "note"]


class EventSerializer(serializers.ModelSerializer):
    # Plain strings (codes of reserves.choices.Status) with labels beside them: one enum per
    # choice set keeps the OpenAPI schema free of enum-name collisions.
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    to_status_label = serializers.CharField(source="get_to_status_display", read_only=True)
    by = serializers.CharField(source="by.__str__", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ReserveEvent
        fields = ["id", "from_status", "to_status", "to_status_label", "date", "by", "at", "note"]


class CandidateSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    sex = serializers.CharField(source="person.get_sex_display", read_only=True)
    birth_date = serializers.DateField(source="person.birth_date", read_only=True)
    education = serializers.CharField(source="person.get_highest_education_display", read_only=True)
    political_status = serializers.CharField(source="person.get_political_status_display", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    township_id = serializers.IntegerField(source="village.township_id", read_only=True)
    township_name = serializers.CharField(source="village.township.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text="surveyed/nominated/reviewing/pooled/appointed/exited")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    exit_reason = serializers.CharField(read_only=True)
    review_outcome = serializers.CharField(
        source="qualification_review.outcome", read_only=True, default=None, allow_null=True, help_text="未提请联审时为 null"
    )
    mentor_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReserveCandidate
        fields = [
            "id",
            "person",
            "person_name",
            "sex",
            "birth_date",
            "education",
            "political_status",
            "village",
            "village_name",
            "township_id",
            "township_name",
            "cohort",
            "source",
            "source_name",
            "intended_post",
            "intended_post_name",
            "status",
            "status_label",
            "surveyed_on",
            "qualification_review",
            "review_outcome",
            "appointment",
            "closed_on",
            "exit_reason",
            "adjustment_proposed_on",
            "adjustment_note",
            "mentor_count",
            "note",
        ]


class CandidateDetailSerializer(CandidateSerializer):
    mentorships = MentorshipSerializer(many=True, read_only=True)
    practice_posts = PracticePostSerializer(many=True, read_only=True)
    appraisals = AppraisalSerializer(many=True, read_only=True)
    party_stages = PartyStageSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    party_next = serializers.SerializerMethodField()

    class Meta(CandidateSerializer.Meta):
        fields = [
            *CandidateSerializer.Meta.fields,
            "mentorships",
            "practice_posts",
            "appraisals",
            "party_stages",
            "events",
            "party_next",
        ]

    def get_party_next(self, obj) -> dict | None:
        step = selectors.party_next_step(obj)
        return {"stage": step["stage"], "label": step["label"], "due": step["due"].isoformat()} if step else None


# ---------------------------------------------------------------------------------------------
# Input serializers (shape only; the rules are in services)
# ---------------------------------------------------------------------------------------------


class SurveyInput(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(Person)
    village = ScopedPrimaryKeyRelatedField(Village)
    cohort = serializers.IntegerField(min_value=2000, max_value=2100)
    source = serializers.CharField(max_length=30)
    intended_post = serializers.CharField(max_length=30)
    surveyed_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class StepInput(serializers.Serializer):
    on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class AppointInput(serializers.Serializer):
    start_date = serializers.DateField()
    post = serializers.CharField(required=False, max_length=30)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ExitInput(StepInput):
    reason = serializers.ChoiceField(choices=ExitReason.choices)


class MentorshipInput(serializers.Serializer):
    mentor_type = serializers.CharField(max_length=30)
    mentor_name = serializers.CharField(max_length=30)
    mentor_title = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class MentorshipEndInput(serializers.Serializer):
    end_date = serializers.DateField()


class PracticeAssessInput(serializers.Serializer):
    assessment = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)


class PracticePostInput(serializers.Serializer):
    post = serializers.CharField(max_length=30)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    assessment = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class AppraisalInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    result = serializers.CharField(max_length=30)
    date = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class PartyStageInput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=PartyStage.choices)
    date = serializers.DateField()
    until = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="后备力量列表"), retrieve=extend_schema(summary="后备力量详情（含培养记录）"))
class ReserveCandidateViewSet(ApiViewSet):
    # The gate (core.access) before parsing and on the candidate; the services ask it again.
    write_permissions = {
        **{
            a: ((MAINTAIN,), None)
            for a in ("create", "nominate", "mentorships", "mentorship_end", "practice_post_assess", "practice_posts")
        },
        **{a: ((MAINTAIN,), None) for a in ("appraisals", "party_stages")},
        **{a: ((DECIDE,), None) for a in ("review", "pool", "appoint", "exit")},
    }
    filterset_class = ReserveCandidateFilter
    ordering_fields = ["cohort", "surveyed_on", "status", "person__name"]

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            return selectors.candidate_list(user=user)
        return selectors.candidate_list(user=user).with_development().prefetch_related("events__by")

    def get_serializer_class(self):
        return CandidateSerializer if self.action == "list" else CandidateDetailSerializer

    def _output(self, candidate, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=candidate.pk)
        return Response(CandidateDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(summary="村级摸底（新增后备力量）", request=SurveyInput, responses={201: CandidateDetailSerializer})
    def create(self, request):
        candidate = services.reserve_survey(by=request.user, **self._input(SurveyInput))
        self.action = "retrieve"
        return self._output(candidate, status.HTTP_201_CREATED)

    def _step(self, request, service, input_class, **extra):
        candidate = self.get_object()
        candidate = service(candidate=candidate, by=request.user, **self._input(input_class), **extra)
        return self._output(candidate)

    @extend_schema(summary="乡镇推荐", request=StepInput, responses={200: CandidateDetailSerializer})
    @action(detail=True, methods=["post"])
    def nominate(self, request, pk=None):
        return self._step(request, services.reserve_nominate, StepInput)

    @extend_schema(summary="县级审核：提请资格联审", request=StepInput, responses={200: CandidateDetailSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._step(request, services.reserve_review_request, StepInput)

    @extend_schema(summary="入库（联审通过后）", request=StepInput, responses={200: CandidateDetailSerializer})
    @action(detail=True, methods=["post"])
    def pool(self, request, pk=None):
        return self._step(request, services.reserve_pool_enter, StepInput)

    @extend_schema(summary="任用（录入任职并关闭后备记录）", request=AppointInput, responses={200: CandidateDetailSerializer})
    @action(detail=True, methods=["post"])
    def appoint(self, request, pk=None):
        return self._step(request, services.reserve_appoint, AppointInput)

    @extend_schema(summary="退出", request=ExitInput, responses={200: CandidateDetailSerializer})
    @action(detail=True, methods=["post"])
    def exit(self, request, pk=None):
        return self._step(request, services.reserve_exit, ExitInput)

    def _child(self, request, service, input_class):
        candidate = self.get_object()
        service(candidate=candidate, by=request.user, **self._input(input_class))
        return self._output(candidate, status.HTTP_201_CREATED)

    @extend_schema(summary="添加导师帮带", request=MentorshipInput, responses={201: CandidateDetailSerializer})
    @action(detail=True, methods=["post"])
    def mentorships(self, request, pk=None):
        return self._child(request, services.mentorship_add, MentorshipInput)

    @extend_schema(summary="结束导师帮带", request=MentorshipEndInput, responses={200: CandidateDetailSerializer})
    @action(detail=True, methods=["post"], url_path=r"mentorships/(?P<mentorship_pk>[0-9]+)/end")
    def mentorship_end(self, request, pk=None, mentorship_pk=None):
        candidate = self.get_object()
        mentorship = selectors.mentorship_get(user=request.user, candidate=candidate, pk=int(mentorship_pk))
        services.mentorship_end(mentorship=mentorship, by=request.user, **self._input(MentorshipEndInput))
        return self._output(candidate)

    @extend_schema(summary="定岗锻炼评价（可同时结束）", request=PracticeAssessInput, responses={200: CandidateDetailSerializer})
    @action(detail=True, methods=["post"], url_path=r"practice-posts/(?P<practice_pk>[0-9]+)/assess")
    def practice_post_assess(self, request, pk=None, practice_pk=None):
        candidate = self.get_object()
        practice = selectors.practice_post_get(user=request.user, candidate=candidate, pk=int(practice_pk))
        services.practice_post_assess(practice=practice, by=request.user, **self._input(PracticeAssessInput))
        return self._output(candidate)

    @extend_schema(summary="添加定岗锻炼", request=PracticePostInput, responses={201: CandidateDetailSerializer})
    @action(detail=True, methods=["post"], url_path="practice-posts")
    def practice_posts(self, request, pk=None):
        return self._child(request, services.practice_post_add, PracticePostInput)

    @extend_schema(summary="录入年度测评", request=AppraisalInput, responses={201: CandidateDetailSerializer})
    @action(detail=True, methods=["post"])
    def appraisals(self, request, pk=None):
        return self._child(request, services.appraisal_record, AppraisalInput)

    @extend_schema(summary="记录入党进程", request=PartyStageInput, responses={201: CandidateDetailSerializer})
    @action(detail=True, methods=["post"], url_path="party-stages")
    def party_stages(self, request, pk=None):
        return self._child(request, services.party_stage_record, PartyStageInput)


def _query(request) -> dict:
    """The validated ``?cohort=`` (policy default when absent) and ``?township=``; invalid → 400."""
    form = CoverageQueryForm(request.query_params)
    if not form.is_valid():
        raise ValidationError(query_errors(form))
    return {**form.cleaned_data, "cohort": form.cleaned_data["cohort"] or selectors.default_cohort()}


COHORT_PARAM = OpenApiParameter(
    "cohort",
    {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
    description="换届届次，如 2026；默认为当年政策配置中的当前届次",
)


class CoverageApi(APIView):
    """Coverage of one cohort: county, townships and villages (``?cohort=``, default from the
    policy; ``?township=`` one township in scope, 404 otherwise)."""

    @extend_schema(
        summary="后备力量覆盖情况",
        parameters=[
            COHORT_PARAM,
            OpenApiParameter("township", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, description="乡镇(街道) id"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        query = _query(request)
        cohort = query["cohort"]
        township_id = None
        if query["township"]:
            township_id = get_scoped_or_404(request.user, Township, pk=query["township"]).pk
        data = selectors.coverage(user=request.user, cohort=cohort, township_id=township_id)
        return Response(
            {
                "cohort": cohort,
                "target": data["target"],
                "county": {**data["county"], "share": str(data["county"]["share"])},
                "townships": [
                    {"township": t["township"].pk, "name": t["township"].name, **{k: v for k, v in t.items() if k != "township"}}
                    | {"share": str(t["share"])}
                    for t in data["townships"]
                ],
                "villages": [
                    {
                        "village": v.pk,
                        "name": v.name,
                        "township": v.township_id,
                        "pool_count": v.pool_count,
                        "meets": v.meets,
                        "shortfall": v.shortfall,
                    }
                    for v in data["villages"]
                ],
                "below": [v.pk for v in data["below"]],
            }
        )


class StructureApi(APIView):
    """Structure of the pool (入库 members of ``?cohort=``): age bands at the policy's cut-off date,
    education, sex, political status and source, per township in scope and in total."""

    @extend_schema(summary="后备力量结构分析", parameters=[COHORT_PARAM], responses={200: dict})
    def get(self, request):
        data = selectors.structure(user=request.user, cohort=_query(request)["cohort"])
        return Response(
            {
                "cohort": data["cohort"],
                "cutoff": data["cutoff"],
                "total": data["total"],
                "dimensions": [
                    {
                        "key": t["key"],
                        "label": t["label"],
                        "columns": t["columns"],
                        "rows": [
                            {
                                "name": r["name"],
                                "total": r["total"],
                                "counts": dict(zip(t["columns"], r["cells"], strict=True)),
                                **(
                                    {"shares": dict(zip(t["columns"], map(str, r["shares"]), strict=True))}
                                    if "shares" in r
                                    else {}
                                ),
                            }
                            for r in t["rows"]
                        ],
                    }
                    for t in data["tables"]
                ],
            }
        )
