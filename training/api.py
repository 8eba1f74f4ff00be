"""REST API of the training app (/api/v1/training/).

Reads: scoped selectors in ``get_queryset`` (another township's object answers 404), paginated
``{count, next, previous, results}``. Writes: a plain input serializer, then one service; services
raise field-keyed ValidationError (400) and PermissionDenied (403) via core.api.exception_handler.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cadres.models import Person, Township
from core.api import ApiViewSet
from core.filters import MAX_ID, YEAR_MAX, YEAR_MIN, query_errors
from core.scope import get_scoped_or_404

from . import selectors, services
from .access import GRANT_SUBSIDY, MAINTAIN
from .choices import AttendanceStatus, Audience, Kind, Level
from .filters import CoverageQueryForm, EducationUpgradeFilter, EnrollmentFilter, SessionFilter
from .models import EducationUpgrade, Enrollment, TrainingSession

# ---------------------------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    # Plain strings in the schema (values listed in help_text): "level"/"kind" enums of several
    # apps would otherwise collide in the OpenAPI component names.
    level = serializers.CharField(read_only=True, help_text="national/province/city/county/township")
    kind = serializers.CharField(read_only=True, help_text="rotation/thematic/study_visit/mentoring/online/induction/other")
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True, default=None, allow_null=True)
    enrolled = serializers.IntegerField(read_only=True)

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "code",
            "title",
            "level",
            "level_display",
            "kind",
            "kind_display",
            "topics",
            "audiences",
            "organiser",
            "place",
            "start_date",
            "end_date",
            "half_days",
            "off_days",
            "hours_override",
            "capacity",
            "township",
            "township_name",
            "enrolled",
            "note",
        ]


class SessionInput(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    level = serializers.CharField(help_text="、".join(f"{v}={label}" for v, label in Level.choices))
    kind = serializers.CharField(help_text="、".join(f"{v}={label}" for v, label in Kind.choices))
    organiser = serializers.CharField(max_length=100)
    place = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    half_days = serializers.ListField(child=serializers.DateField(), required=False, default=list)
    off_days = serializers.ListField(child=serializers.DateField(), required=False, default=list)
    hours_override = serializers.DecimalField(max_digits=6, decimal_places=1, required=False, allow_null=True, default=None)
    capacity = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    topics = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    audiences = serializers.ListField(child=serializers.ChoiceField(choices=Audience.choices), required=False, default=list)
    township = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class GraduateInput(serializers.Serializer):
    actual_graduation = serializers.DateField()


class WithdrawInput(serializers.Serializer):
    note = serializers.CharField(max_length=200, allow_blank=True)


class SubsidyInput(serializers.Serializer):
    date = serializers.DateField()
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="留空则按当年政策配置计算",
    )


class AttendanceMarkSerializer(serializers.Serializer):
    date = serializers.DateField()
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class EnrollmentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True, default=None, allow_null=True)
    session_code = serializers.CharField(source="session.code", read_only=True)
    certificate_display = serializers.CharField(source="get_certificate_display", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "session",
            "session_code",
            "person",
            "person_name",
            "township",
            "township_name",
            "village",
            "village_name",
            "post_name",
            "hours_credited",
            "missed",
            "certificate",
            "certificate_display",
        ]


class EnrollInput(serializers.Serializer):
    person = serializers.IntegerField()


class AttendanceInput(serializers.Serializer):
    marks = AttendanceMarkSerializer(many=True)


class UpgradeSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="degree=学历提升、farmer_college=农民大学生")
    level = serializers.CharField(read_only=True, help_text="学历层次代码，如 5_college")
    person_name = serializers.CharField(source="person.name", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)

    class Meta:
        model = EducationUpgrade
        fields = [
            "id",
            "person",
            "person_name",
            "township",
            "township_name",
            "village",
            "kind",
            "school",
            "programme",
            "level",
            "enrolled_on",
            "expected_graduation",
            "actual_graduation",
            "status",
            "tuition_fee",
            "tuition_subsidy",
            "tuition_subsidy_date",
            "diploma_subsidy",
            "diploma_subsidy_date",
        ]


class UpgradeInput(serializers.Serializer):
    person = serializers.IntegerField()
    kind = serializers.CharField()
    school = serializers.CharField(max_length=100)
    programme = serializers.CharField(max_length=100)
    level = serializers.CharField()
    enrolled_on = serializers.DateField()
    expected_graduation = serializers.DateField()
    tuition_fee = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


class TrainingViewSet(ApiViewSet):
    # The gate (core.access) before parsing and on the object; the services ask it again (and
    # keep a clerk to the own township's sessions).
    write_permissions = {
        **{a: ((MAINTAIN,), None) for a in ("create", "update", "partial_update", "enrol", "attendance")},
        **{a: ((MAINTAIN,), None) for a in ("graduate", "withdraw")},
        **{a: ((GRANT_SUBSIDY,), None) for a in ("tuition_subsidy", "diploma_subsidy")},
    }


@extend_schema_view(list=extend_schema(summary="培训班列表"), retrieve=extend_schema(summary="培训班详情"))
class SessionViewSet(TrainingViewSet):
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    ordering_fields = ["start_date", "code"]

    def get_queryset(self):
        return selectors.session_list(user=self.request.user)

    @extend_schema(summary="登记培训班", request=SessionInput, responses={201: SessionSerializer})
    def create(self, request):
        data = dict(self._input(SessionInput))
        township_id = data.pop("township")
        township = get_scoped_or_404(request.user, Township, pk=township_id) if township_id else None
        session = services.session_create(by=request.user, township=township, **data)
        return self._output(session, status_code=status.HTTP_201_CREATED)

    def _update(self, request, *, partial: bool) -> Response:
        session = self.get_object()
        serializer = SessionInput(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "township" in data:
            township_id = data.pop("township")
            data["township"] = get_scoped_or_404(request.user, Township, pk=township_id) if township_id else None
        for name in ("half_days", "off_days"):
            if name in data:
                data[name] = [d.isoformat() for d in data[name]]
        services.session_update(session=session, by=request.user, **data)
        return self._output(session)

    @extend_schema(summary="修改培训班（全部字段）", request=SessionInput, responses={200: SessionSerializer})
    def update(self, request, pk=None):
        return self._update(request, partial=False)

    @extend_schema(summary="修改培训班（部分字段）", request=SessionInput, responses={200: SessionSerializer})
    def partial_update(self, request, pk=None):
        return self._update(request, partial=True)

    @extend_schema(summary="加入培训名单", request=EnrollInput, responses={201: EnrollmentSerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        session = self.get_object()
        data = self._input(EnrollInput)
        person = get_scoped_or_404(request.user, Person, pk=data["person"])
        enrollment = services.enrollment_add(session=session, person=person, by=request.user)
        fresh = selectors.enrollment_list(user=request.user).get(pk=enrollment.pk)
        return Response(EnrollmentSerializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="参训记录列表"), retrieve=extend_schema(summary="参训记录详情"))
class EnrollmentViewSet(TrainingViewSet):
    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter
    ordering_fields = ["hours_credited", "session__start_date"]

    def get_queryset(self):
        return selectors.enrollment_list(user=self.request.user)

    @extend_schema(summary="登记考勤（按日）", request=AttendanceInput, responses={200: EnrollmentSerializer})
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        enrollment = self.get_object()
        data = self._input(AttendanceInput)
        marks = {m["date"]: m["status"] for m in data["marks"]}
        services.attendance_record(enrollment=enrollment, by=request.user, marks=marks)
        return self._output(enrollment)


@extend_schema_view(list=extend_schema(summary="学历提升列表"), retrieve=extend_schema(summary="学历提升详情"))
class UpgradeViewSet(TrainingViewSet):
    serializer_class = UpgradeSerializer
    filterset_class = EducationUpgradeFilter
    ordering_fields = ["enrolled_on", "expected_graduation"]

    def get_queryset(self):
        return selectors.upgrade_list(user=self.request.user)

    @extend_schema(summary="登记学历提升", request=UpgradeInput, responses={201: UpgradeSerializer})
    def create(self, request):
        data = dict(self._input(UpgradeInput))
        person = get_scoped_or_404(request.user, Person, pk=data.pop("person"))
        upgrade = services.upgrade_create(by=request.user, person=person, **data)
        return self._output(upgrade, status_code=status.HTTP_201_CREATED)

    def _act(self, service, input_class) -> Response:
        upgrade = self.get_object()
        service(upgrade=upgrade, by=self.request.user, **self._input(input_class))
        return self._output(upgrade)

    @extend_schema(summary="登记毕业", request=GraduateInput, responses={200: UpgradeSerializer})
    @action(detail=True, methods=["post"])
    def graduate(self, request, pk=None):
        return self._act(services.upgrade_graduate, GraduateInput)

    @extend_schema(summary="登记退学", request=WithdrawInput, responses={200: UpgradeSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(services.upgrade_withdraw, WithdrawInput)

    @extend_schema(summary="核定学费补贴（转入补贴台账）", request=SubsidyInput, responses={200: UpgradeSerializer})
    @action(detail=True, methods=["post"], url_path="tuition-subsidy")
    def tuition_subsidy(self, request, pk=None):
        return self._act(services.upgrade_tuition_subsidy_grant, SubsidyInput)

    @extend_schema(summary="核定学历补贴（转入补贴台账）", request=SubsidyInput, responses={200: UpgradeSerializer})
    @action(detail=True, methods=["post"], url_path="diploma-subsidy")
    def diploma_subsidy(self, request, pk=None):
        return self._act(services.upgrade_diploma_subsidy_grant, SubsidyInput)


class CoverageRowSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    name = serializers.CharField()
    township = serializers.CharField()
    village = serializers.CharField()
    posts = serializers.CharField()
    trained = serializers.BooleanField()
    county_sessions = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=7, decimal_places=1)
    required = serializers.DecimalField(max_digits=7, decimal_places=1)


COVERAGE_LISTS = ("not_trained", "trained", "short_of_hours", "induction_overdue")
COVERAGE_PAGE = 50


class CoverageApi(APIView):
    """Coverage of one year, grouped as the page is: per township the counts; for the report's
    scope (the county, or ``?township=``) the counts and the names — secretaries trained / not
    trained, 两委 members short of hours, new members not inducted in time — 50 a page
    (``?p_<list>=``; a prefecture has ~5,000 secretaries). The whole list is the page's export."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="年度培训覆盖情况",
        parameters=[
            OpenApiParameter("year", {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}, required=True),
            OpenApiParameter("township", {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
            *(
                OpenApiParameter(f"p_{name}", {"type": "integer", "minimum": 1}, description="名单页码（每页50人）")
                for name in COVERAGE_LISTS
            ),
        ],
        responses={200: dict},
    )
    def get(self, request):
        form = CoverageQueryForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(query_errors(form))
        year, township_id = form.cleaned_data["year"], form.cleaned_data["township"]
        if township_id:
            township_id = get_scoped_or_404(request.user, Township, pk=township_id).pk
        report = selectors.coverage_report_cached(user=request.user, year=year, township_id=township_id or None)

        def lists(t) -> dict:
            return {
                "not_trained": t.not_trained,
                "trained": t.trained,
                "short_of_hours": t.short_members,
                "induction_overdue": t.inductions_late,
            }

        def counts(t) -> dict:
            return {
                "township_id": t.township_id,
                "name": t.name,
                "secretaries": len(t.secretaries),
                "counts": {name: len(rows) for name, rows in lists(t).items()},
            }

        county = counts(report.county)
        for name, rows in lists(report.county).items():
            page = Paginator(rows, COVERAGE_PAGE).get_page(request.query_params.get(f"p_{name}"))
            if name == "induction_overdue":
                county[name] = [_induction_row(i) for i in page.object_list]
            else:
                county[name] = CoverageRowSerializer(page.object_list, many=True).data
            county.setdefault("pages", {})[name] = {"page": page.number, "pages": page.paginator.num_pages}
        return Response(
            {
                "year": year,
                "ref_date": report.ref_date,
                "page_size": COVERAGE_PAGE,
                "townships": [counts(t) for t in report.townships],
                "county": county,
            }
        )


def _induction_row(i) -> dict:
    return {
        "person_id": i.person_id,
        "name": i.name,
        "village": i.village,
        "post_name": i.post_name,
        "start": i.start,
        "deadline": i.result.deadline,
        "status": i.result.status,
        "overdue_since": i.result.overdue_since,
        "completed_on": i.result.completed_on,
    }
