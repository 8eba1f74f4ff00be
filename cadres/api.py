"""API views: read-only viewsets over the scoped selectors, write actions that call services.

Every queryset comes from a selector in cadres.selectors, which starts from core.scope.scoped,
so an object of another township answers 404 exactly like a missing one. Filters are the
FilterSets of cadres.filters, applied by DjangoFilterBackend to the scoped queryset. Writes parse
a plain input serializer and call one service; services raise Django ValidationError dicts and
PermissionDenied, which core.api.exception_handler turns into field-keyed 400s and 403s.
"""

from __future__ import annotations

import datetime

from django import forms as djforms
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cadres import figures, selectors, services
from cadres.filters import (
    AppointmentFilter,
    FirstSecretaryFilter,
    PersonFilter,
    PersonPartFilter,
    QualificationReviewFilter,
    TownshipFilter,
    VillageFilter,
)
from cadres.models import DepartmentVerdict, Township, User
from cadres.reports import cached_figures
from core import dates as core_dates
from core.access import can
from core.api import ApiViewSet, WritePermission
from core.filters import MAX_ID, query_errors
from core.scope import get_scoped_or_404

from . import serializers as s

# ---------------------------------------------------------------------------------------------
# Shared plumbing
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Townships and villages (read-only)
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="乡镇(街道)列表"), retrieve=extend_schema(summary="乡镇(街道)详情"))
class TownshipViewSet(ApiViewSet):
    serializer_class = s.TownshipSerializer
    filterset_class = TownshipFilter
    ordering_fields = ["name", "code", "sort_order", "village_count"]
    # The selector's counts are GROUP BY aggregates, which drop Meta.ordering: order explicitly
    # so pages are stable.
    ordering = ["sort_order", "code"]

    def get_queryset(self):
        return selectors.township_list(user=self.request.user)


@extend_schema_view(list=extend_schema(summary="村(社区)列表"), retrieve=extend_schema(summary="村(社区)详情"))
class VillageViewSet(ApiViewSet):
    serializer_class = s.VillageSerializer
    filterset_class = VillageFilter
    ordering_fields = ["name", "code", "population", "households", "party_members"]

    def get_queryset(self):
        return selectors.village_list(user=self.request.user)


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="人员列表"), retrieve=extend_schema(summary="人员详情（一人一档）"))
class PersonViewSet(ApiViewSet):
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["name", "birth_date", "created_at", "updated_at"]
    write_permissions = {
        "create": (("cadres.add_person",), None),
        "partial_update": (("cadres.change_person",), None),
    }

    def get_queryset(self):
        qs = selectors.person_list(user=self.request.user)
        if self.action == "retrieve":  # the 干部任免审批表's lists: two prefetches, whatever their length
            qs = qs.prefetch_related("family_members", "resume_entries")
        return qs

    def get_serializer_class(self):
        return s.PersonDetailSerializer if self.action == "retrieve" else s.PersonSerializer

    @extend_schema(summary="新建人员档案", request=s.PersonCreateInput, responses={201: s.PersonCreatedSerializer})
    def create(self, request):
        data = self._input(s.PersonCreateInput)
        person = services.person_create(by=request.user, **data)
        fresh = self.get_queryset().get(pk=person.pk)
        answer = s.PersonCreatedSerializer(fresh, context=self.get_serializer_context())
        return Response(answer.data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="修改人员信息", request=s.PersonUpdateInput, responses={200: s.PersonSerializer})
    def partial_update(self, request, pk=None):
        person = self.get_object()
        data = self._input(s.PersonUpdateInput, partial=True)
        person = services.person_update(person=person, by=request.user, **data)
        return self._output(person)


# ---------------------------------------------------------------------------------------------
# The dossier's parts: 家庭主要成员及重要社会关系, 简历 (whoever may edit the person writes them)
# ---------------------------------------------------------------------------------------------

_EDIT_PERSON = (("cadres.change_person",), None)


@extend_schema_view(list=extend_schema(summary="家庭成员列表（?person= 某人）"), retrieve=extend_schema(summary="家庭成员详情"))
class FamilyMemberViewSet(ApiViewSet):
    serializer_class = s.FamilyMemberSerializer
    filterset_class = PersonPartFilter
    ordering_fields = ["sort", "name"]
    write_permissions = {"create": _EDIT_PERSON, "partial_update": _EDIT_PERSON, "destroy": _EDIT_PERSON}

    def get_queryset(self):
        return selectors.family_member_list(user=self.request.user)

    @extend_schema(summary="新增家庭成员", request=s.FamilyMemberCreateInput, responses={201: s.FamilyMemberSerializer})
    def create(self, request):
        data = dict(self._input(s.FamilyMemberCreateInput))
        member = services.family_member_create(person=data.pop("person"), by=request.user, **data)
        return self._output(member, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="修改家庭成员", request=s.FamilyMemberUpdateInput, responses={200: s.FamilyMemberSerializer})
    def partial_update(self, request, pk=None):
        member = self.get_object()
        data = self._input(s.FamilyMemberUpdateInput, partial=True)
        return self._output(services.family_member_update(member=member, by=request.user, **data))

    @extend_schema(summary="删除家庭成员", request=None, responses={204: None})
    def destroy(self, request, pk=None):
        services.family_member_delete(member=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(summary="简历列表（?person= 某人）"), retrieve=extend_schema(summary="简历详情"))
class ResumeEntryViewSet(ApiViewSet):
    serializer_class = s.ResumeEntrySerializer
    filterset_class = PersonPartFilter
    ordering_fields = ["start_date"]
    write_permissions = {"create": _EDIT_PERSON, "partial_update": _EDIT_PERSON, "destroy": _EDIT_PERSON}

    def get_queryset(self):
        return selectors.resume_entry_list(user=self.request.user)

    @extend_schema(summary="新增简历", request=s.ResumeEntryCreateInput, responses={201: s.ResumeEntrySerializer})
    def create(self, request):
        data = dict(self._input(s.ResumeEntryCreateInput))
        entry = services.resume_entry_create(person=data.pop("person"), by=request.user, **data)
        return self._output(entry, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="修改简历", request=s.ResumeEntryUpdateInput, responses={200: s.ResumeEntrySerializer})
    def partial_update(self, request, pk=None):
        entry = self.get_object()
        data = dict(self._input(s.ResumeEntryUpdateInput, partial=True))
        allow_overlap = data.pop("allow_overlap", False)
        entry = services.resume_entry_update(entry=entry, by=request.user, allow_overlap=allow_overlap, **data)
        return self._output(entry)

    @extend_schema(summary="删除简历", request=None, responses={204: None})
    def destroy(self, request, pk=None):
        services.resume_entry_delete(entry=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------
# Appointments and filing (备案)
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="任职列表"), retrieve=extend_schema(summary="任职详情"))
class AppointmentViewSet(ApiViewSet):
    serializer_class = s.AppointmentSerializer
    filterset_class = AppointmentFilter
    ordering_fields = ["start_date", "end_date", "post", "status", "created_at"]
    # Without ?ordering=: as the 任职备案 page, by entry (index cadres_appt_created); the model's
    # order (township, village, post) sorts every appointment of a prefecture for each page.
    ordering = ["created_at", "id"]
    write_permissions = {
        "create": (("cadres.add_appointment",), None),
        "approve": (("cadres.approve_appointment",), None),
        "file": (("cadres.file_appointment",), "只有县委组织部可以办理县级备案。"),
        "reject": (("cadres.approve_appointment", "cadres.file_appointment"), None),
        "end": (("cadres.change_appointment",), None),
        "bulk_file": (("cadres.file_appointment",), "只有县委组织部可以办理县级备案。"),
        "bulk_end": (("cadres.change_appointment",), None),
    }

    def get_queryset(self):
        return selectors.appointment_list(user=self.request.user)

    def _bulk(self, run, ids: list[int]) -> Response:
        """A batch: ids outside the user's scope answer 404 like missing rows; a refused batch
        answers 400 with every failing row, and nothing is written."""
        ids = list(dict.fromkeys(ids))
        if selectors.batch_appointments(user=self.request.user, ids=ids).count() != len(ids):
            raise NotFound("所选任职中有记录不存在。")
        try:
            run(ids)
        except services.BatchRefused as exc:
            failures = s.BatchFailureSerializer(exc.failures, many=True).data
            return Response({"non_field_errors": exc.messages, "failures": failures}, status=status.HTTP_400_BAD_REQUEST)
        rows = {a.pk: a for a in self.get_queryset().filter(pk__in=ids)}
        return Response(self.get_serializer([rows[pk] for pk in ids], many=True).data)

    @extend_schema(
        summary="批量县级备案（全部通过才办理）",
        request=s.AppointmentBulkFileInput,
        responses={200: s.AppointmentSerializer(many=True)},
    )
    @action(detail=False, methods=["post"], url_path="bulk-file")
    def bulk_file(self, request):
        data = self._input(s.AppointmentBulkFileInput)
        return self._bulk(
            lambda ids: services.appointment_file_bulk(ids=ids, by=request.user, note=data.get("note", "")), data["ids"]
        )

    @extend_schema(
        summary="批量离任（全部通过才办理）",
        request=s.AppointmentBulkEndInput,
        responses={200: s.AppointmentSerializer(many=True)},
    )
    @action(detail=False, methods=["post"], url_path="bulk-end")
    def bulk_end(self, request):
        data = self._input(s.AppointmentBulkEndInput)
        return self._bulk(
            lambda ids: services.appointment_end_bulk(
                ids=ids, by=request.user, end_date=data["end_date"], end_reason=data["end_reason"], note=data.get("note", "")
            ),
            data["ids"],
        )

    @extend_schema(summary="录入任职", request=s.AppointmentCreateInput, responses={201: s.AppointmentSerializer})
    def create(self, request):
        data = self._input(s.AppointmentCreateInput)
        appointment = services.appointment_create(by=request.user, **data)
        return self._output(appointment, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="乡镇审核（备案第一步）", request=s.AppointmentNoteInput, responses={200: s.AppointmentSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        appointment = self.get_object()
        data = self._input(s.AppointmentNoteInput)
        appointment = services.appointment_township_approve(appointment=appointment, by=request.user, **data)
        return self._output(appointment)

    @extend_schema(summary="县级备案（备案第二步）", request=s.AppointmentNoteInput, responses={200: s.AppointmentSerializer})
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        appointment = self.get_object()
        data = self._input(s.AppointmentNoteInput)
        appointment = services.appointment_file(appointment=appointment, by=request.user, **data)
        return self._output(appointment)

    @extend_schema(summary="退回", request=s.AppointmentNoteInput, responses={200: s.AppointmentSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        appointment = self.get_object()
        data = self._input(s.AppointmentNoteInput)
        appointment = services.appointment_reject(appointment=appointment, by=request.user, note=data.get("note", ""))
        return self._output(appointment)

    @extend_schema(summary="离任", request=s.AppointmentEndInput, responses={200: s.AppointmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        appointment = self.get_object()
        data = self._input(s.AppointmentEndInput)
        appointment = services.appointment_end(appointment=appointment, by=request.user, **data)
        return self._output(appointment)


# ---------------------------------------------------------------------------------------------
# Qualification joint review (资格联审)
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="资格联审列表"), retrieve=extend_schema(summary="资格联审详情"))
class QualificationReviewViewSet(ApiViewSet):
    serializer_class = s.QualificationReviewSerializer
    filterset_class = QualificationReviewFilter
    ordering_fields = ["requested_at", "concluded_at", "outcome"]
    write_permissions = {"create": (("cadres.add_qualificationreview",), None)}

    def _can_view_details(self) -> bool:
        if not hasattr(self, "_details_allowed"):
            self._details_allowed = can(self.request.user, "cadres.view_vetting_details")
        return self._details_allowed

    def get_queryset(self):
        qs = selectors.qualification_review_list(user=self.request.user)
        if self._can_view_details():
            # who entered each verdict as its name, not as a user instance: a page of 50 reviews
            # carries 600 verdicts
            verdicts = DepartmentVerdict.objects.annotate(reviewer_name=User.name_expression("reviewed_by"))
            qs = qs.prefetch_related(Prefetch("verdicts", queryset=verdicts.order_by("sort", "id")))
        return qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "can_view_vetting_details": self._can_view_details()}

    @extend_schema(
        summary="提请资格联审", request=s.QualificationReviewCreateInput, responses={201: s.QualificationReviewSerializer}
    )
    def create(self, request):
        data = self._input(s.QualificationReviewCreateInput)
        review = services.qualification_review_request(by=request.user, **data)
        return self._output(review, status_code=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# First secretaries (驻村第一书记)
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="驻村第一书记列表"))
class FirstSecretaryViewSet(ApiViewSet):
    serializer_class = s.FirstSecretarySerializer
    filterset_class = FirstSecretaryFilter
    ordering_fields = ["term_start", "term_end", "sending_unit", "status"]
    write_permissions = {
        "create": (("cadres.add_firstsecretary",), "驻村第一书记由县委组织部选派。"),
        "presence": (("cadres.add_presencemonth",), None),
    }

    def get_queryset(self):
        return selectors.first_secretary_list(user=self.request.user)

    @extend_schema(summary="驻村第一书记详情（含每月在村天数）", responses={200: s.FirstSecretaryDetailSerializer})
    def retrieve(self, request, pk=None):
        posting = self.get_object()
        context = {**self.get_serializer_context(), "presence": selectors.presence_months(posting=posting)}
        return Response(s.FirstSecretaryDetailSerializer(posting, context=context).data)

    @extend_schema(summary="选派驻村第一书记", request=s.FirstSecretaryCreateInput, responses={201: s.FirstSecretarySerializer})
    def create(self, request):
        data = self._input(s.FirstSecretaryCreateInput)
        posting = services.first_secretary_create(by=request.user, **data)
        return self._output(posting, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记某月在村天数（已登记则更正）",
        request=s.PresenceInput,
        responses={201: s.PresenceMonthSerializer, 200: s.PresenceMonthSerializer},
    )
    @action(detail=True, methods=["post"])
    def presence(self, request, pk=None):
        posting = self.get_object()
        data = self._input(s.PresenceInput)
        existed = posting.presence.filter(month=data["month"].replace(day=1)).exists()
        entry = services.presence_record(posting=posting, by=request.user, **data)
        row = next(r for r in selectors.presence_months(posting=posting) if r.pk == entry.pk)
        return Response(s.PresenceMonthSerializer(row).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="第一书记抽查记录列表"), retrieve=extend_schema(summary="抽查记录详情"))
class SpotCheckViewSet(ApiViewSet):
    """Spot checks of first secretaries: clerks read their township's, county staff record them
    (the year's annual grade is capped again at once)."""

    serializer_class = s.SpotCheckSerializer
    ordering_fields = ["date"]
    http_method_names = ["get", "post", "head", "options"]
    write_permissions = {"create": (("cadres.add_spotcheck",), "抽查记录由县委组织部登记。")}

    def get_queryset(self):
        return selectors.spot_check_list(user=self.request.user).order_by("-date", "-id")

    @extend_schema(summary="登记抽查结果", request=s.SpotCheckInput, responses={201: s.SpotCheckSerializer})
    def create(self, request):
        data = self._input(s.SpotCheckInput)
        check = services.spot_check_record(by=request.user, **data)
        return self._output(check, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="第一书记年度考核等次列表（含等次说明）"), retrieve=extend_schema(summary="年度考核等次详情")
)
class FirstSecretaryGradeViewSet(ApiViewSet):
    serializer_class = s.FirstSecretaryGradeSerializer
    ordering_fields = ["year"]
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return selectors.first_secretary_grade_list(user=self.request.user).order_by("-year", "id")


# ---------------------------------------------------------------------------------------------
# Headline figures (主要指标): the home page's and 统计报表's values and 口径
# ---------------------------------------------------------------------------------------------


class FiguresQueryForm(djforms.Form):
    township = djforms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, error_messages={"invalid": "“乡镇(街道)”应为编号。"}
    )
    on = djforms.DateField(required=False, error_messages={"invalid": "“统计日”应为日期，如 2025-12-31。"})

    def clean_on(self):
        on = self.cleaned_data.get("on")
        if on is not None and not (datetime.date(1990, 1, 1) <= on <= core_dates.today()):
            raise djforms.ValidationError("“统计日”应在1990年1月1日至今天之间。")
        return on


def _number(value):
    return str(value) if value is not None and not isinstance(value, int) else value


class FiguresApi(APIView):
    """The headline figures (cadres.figures) in the user's scope: the same values and 口径 as the
    home page and 统计报表, plus the age and education structure of secretaries and 两委 members."""

    permission_classes = [WritePermission]

    @extend_schema(
        summary="主要指标（与首页、统计报表同一口径）",
        parameters=[
            OpenApiParameter("township", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, description="乡镇(街道) id"),
            OpenApiParameter("on", {"type": "string", "format": "date"}, description="统计日，默认今天"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        form = FiguresQueryForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(query_errors(form))
        on = form.cleaned_data["on"] or core_dates.today()
        township_id = None
        if form.cleaned_data["township"]:
            township_id = get_scoped_or_404(request.user, Township, pk=form.cleaned_data["township"]).pk
        payload = cached_figures(
            user=request.user,
            parts=("api", on.isoformat(), township_id or 0),
            compute=lambda: _figures_payload(user=request.user, on=on, township_id=township_id),
        )
        return Response(payload)


def _figures_payload(*, user, on: datetime.date, township_id: int | None) -> dict:
    memo: dict = {}
    values = figures.figure_values(user=user, on=on, township_id=township_id, memo=memo)
    scope = figures.FigureScope(user=user, on=on, township_id=township_id, memo=memo)
    structures = {}
    for group in figures.GROUPS:
        data = figures.structure(scope, group)
        structures[group] = {
            "total": data["total"],
            "age": [{"label": label, "count": n} for label, n in data["age"]],
            "education": [{"label": label, "count": n} for label, n in data["education"]],
        }
    return {
        "on": on.isoformat(),
        "township": township_id,
        "figures": [
            {
                "key": spec.key,
                "label": value.label or spec.label,
                "value": _number(value.value),
                "unit": spec.unit,
                "note": value.note,
                "definition": spec.definition,
            }
            for spec, value in values
        ],
        "structures": structures,
        "structure_definitions": figures.STRUCTURE_DEFINITIONS,
    }
