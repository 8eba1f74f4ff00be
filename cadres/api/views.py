"""API views: read-only viewsets over the scoped selectors, write actions that call services.

Every queryset comes from a selector in cadres.selectors, which starts from cadres.scope.scoped,
so an object of another township answers 404 exactly like a missing one. Filters are the
FilterSets of cadres.filters, applied by DjangoFilterBackend to the scoped queryset. Writes parse
a plain input serializer and call one service; services raise Django ValidationError dicts and
PermissionDenied, which cadres.api_errors turns into field-keyed 400s and 403s.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from cadres import selectors, services
from cadres.filters import (
    AppointmentFilter,
    FirstSecretaryFilter,
    PersonFilter,
    QualificationReviewFilter,
    TownshipFilter,
    VillageFilter,
)
from cadres.models import DepartmentVerdict

from . import serializers as s

# ---------------------------------------------------------------------------------------------
# Shared plumbing
# ---------------------------------------------------------------------------------------------


class StandardPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; 50 a page, ``?page_size=`` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` over the view's ``ordering_fields``, with ``pk`` as tie-breaker so that
    pages do not overlap. Without the parameter the selector's (model's) ordering stands."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering = [*ordering, "pk"]
        return ordering


class WritePermission(BasePermission):
    """Reads: any signed-in user (the queryset is scoped). Writes: one of the Django permissions
    the view lists for the action in ``write_permissions``; unlisted writes are refused. The
    service checks the permission and the scope again; this only answers 403 before parsing."""

    message = "您没有执行此操作的权限。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or not hasattr(view, request.method.lower()):
            return True  # reads are scoped; an unmapped method gets its 405 from the view
        perms, message = getattr(view, "write_permissions", {}).get(view.action, ((), None))
        if message:
            self.message = message
        return any(user.has_perm(p) for p in perms)


class RegisterViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = StandardPagination
    permission_classes = [WritePermission]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    write_permissions: dict[str, tuple[tuple[str, ...], str | None]] = {}

    def _input(self, serializer_class, **kwargs):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _output(self, obj, *, status_code=status.HTTP_200_OK) -> Response:
        """Re-read the object through the scoped selector so the answer matches the list's shape."""
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)


# ---------------------------------------------------------------------------------------------
# Townships and villages (read-only)
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="乡镇(街道)列表"), retrieve=extend_schema(summary="乡镇(街道)详情"))
class TownshipViewSet(RegisterViewSet):
    serializer_class = s.TownshipSerializer
    filterset_class = TownshipFilter
    ordering_fields = ["name", "code", "sort_order", "village_count"]
    # The selector's counts are GROUP BY aggregates, which drop Meta.ordering: order explicitly
    # so pages are stable.
    ordering = ["sort_order", "code"]

    def get_queryset(self):
        return selectors.township_list(user=self.request.user)


@extend_schema_view(list=extend_schema(summary="村(社区)列表"), retrieve=extend_schema(summary="村(社区)详情"))
class VillageViewSet(RegisterViewSet):
    serializer_class = s.VillageSerializer
    filterset_class = VillageFilter
    ordering_fields = ["name", "code", "population", "households", "party_members"]

    def get_queryset(self):
        return selectors.village_list(user=self.request.user)


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="人员列表"), retrieve=extend_schema(summary="人员详情（一人一档）"))
class PersonViewSet(RegisterViewSet):
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["name", "birth_date", "created_at", "updated_at"]
    write_permissions = {
        "create": (("cadres.add_person",), None),
        "partial_update": (("cadres.change_person",), None),
    }

    def get_queryset(self):
        return selectors.person_list(user=self.request.user)

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
# Appointments and filing (备案)
# ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="任职列表"), retrieve=extend_schema(summary="任职详情"))
class AppointmentViewSet(RegisterViewSet):
    serializer_class = s.AppointmentSerializer
    filterset_class = AppointmentFilter
    ordering_fields = ["start_date", "end_date", "post", "status", "created_at"]
    write_permissions = {
        "create": (("cadres.add_appointment",), None),
        "approve": (("cadres.approve_appointment",), None),
        "file": (("cadres.file_appointment",), "只有县委组织部可以办理县级备案。"),
        "reject": (("cadres.approve_appointment", "cadres.file_appointment"), None),
        "end": (("cadres.change_appointment",), None),
    }

    def get_queryset(self):
        return selectors.appointment_list(user=self.request.user)

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
class QualificationReviewViewSet(RegisterViewSet):
    serializer_class = s.QualificationReviewSerializer
    filterset_class = QualificationReviewFilter
    ordering_fields = ["requested_at", "concluded_at", "outcome"]
    write_permissions = {"create": (("cadres.add_qualificationreview",), None)}

    def _can_view_details(self) -> bool:
        if not hasattr(self, "_details_allowed"):
            self._details_allowed = self.request.user.has_perm("cadres.view_vetting_details")
        return self._details_allowed

    def get_queryset(self):
        qs = selectors.qualification_review_list(user=self.request.user)
        if self._can_view_details():
            qs = qs.prefetch_related(
                Prefetch("verdicts", queryset=DepartmentVerdict.objects.select_related("reviewed_by").order_by("sort", "id"))
            )
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
class FirstSecretaryViewSet(RegisterViewSet):
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


# ---------------------------------------------------------------------------------------------
# Token (works with django-axes: failures count towards the account lockout)
# ---------------------------------------------------------------------------------------------


class TokenObtainApi(APIView):
    """``POST {"username", "password"}`` → ``{"token"}``.

    DRF's AuthTokenSerializer passes the request to ``authenticate()``, which the axes backend
    requires; a failure is recorded by axes and, past the limit, the account is locked even for
    the right password. A successful call is logged like a login (``user_logged_in``).
    """

    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()

    @extend_schema(
        summary="获取 API 令牌",
        request=s.TokenObtainInput,
        responses={
            200: s.TokenOutput,
            400: OpenApiResponse(description="用户名或密码错误"),
            429: OpenApiResponse(description="多次登录失败，账户已临时锁定"),
        },
        auth=[],
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
                return Response(
                    {"detail": f"登录失败次数过多，账户已临时锁定，请{minutes}分钟后再试或联系管理员解锁。"},
                    status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", status.HTTP_429_TOO_MANY_REQUESTS),
                )
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token.key})
