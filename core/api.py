"""The API frame: one base viewset (pagination, ordering, permissions), the exception handler
that turns services' errors into field-keyed 400s and 403s, and the token endpoint.

Every app's viewsets derive from :class:`ApiViewSet`; their querysets come from scoped selectors,
so an object of another township answers 404 exactly like a missing one.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .access import NO_PERMISSION, refusal
from .scope import scoped

# ---------------------------------------------------------------------------------------------
# Errors: Django ValidationError / PermissionDenied from services → 400 keyed by field / 403
# ---------------------------------------------------------------------------------------------


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "您没有执行此操作的权限。")
    return drf_exception_handler(exc, context)


# ---------------------------------------------------------------------------------------------
# Pagination, ordering, permissions, the base viewset
# ---------------------------------------------------------------------------------------------


class StandardPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; 50 a page, ``?page_size=`` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class KeysetPagination(BasePagination):
    """Cursor pages for very long lists (the pay ledger): ``?after=<cursor>`` / ``?before=``
    instead of ``?page=``, so a page costs the same at entry 50 and at entry 600,000.

    ``{"count", "count_exact", "next", "previous", "results"}``: ``count`` is exact up to 10,000
    rows and the database's estimate above (``count_exact`` false). The order is ``?ordering=``
    (fields of the model's own table, each indexed) or the view's ``keyset_ordering``, with the
    primary key as tie-breaker.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        from .paging import keyset_page, list_count

        ordering = tuple(queryset.query.order_by) if request.query_params.get("ordering") else ()
        if not ordering or any(not isinstance(f, str) or "__" in f for f in ordering):
            ordering = tuple(getattr(view, "keyset_ordering", ("-pk",)))
        try:
            size = min(int(request.query_params.get(self.page_size_query_param, self.page_size)), self.max_page_size)
        except (TypeError, ValueError):
            size = self.page_size
        size = max(size, 1)
        self.request = request
        self.count = list_count(queryset)
        params = request.query_params
        self.page = keyset_page(queryset, ordering, after=params.get("after", ""), before=params.get("before", ""), size=size)
        return self.page.rows

    def _link(self, **params) -> str:
        url = self.request.build_absolute_uri()
        for name in ("after", "before"):
            url = remove_query_param(url, name)
        for name, value in params.items():
            url = replace_query_param(url, name, value)
        return url

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count.value,
                "count_exact": self.count.exact,
                "next": self._link(after=self.page.next_cursor) if self.page.next_cursor else None,
                "previous": self._link(before=self.page.previous_cursor) if self.page.previous_cursor else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "count_exact", "results"],
            "properties": {
                "count": {"type": "integer", "description": "条数：不超过1万条时为准确数，超过时为估算数"},
                "count_exact": {"type": "boolean", "description": "count 是否为准确数"},
                "next": link,
                "previous": link,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        def param(name, description, kind="string"):
            return {"name": name, "required": False, "in": "query", "description": description, "schema": {"type": kind}}

        return [
            param("after", "下一页游标（上一页响应的 next 中给出）"),
            param("before", "上一页游标（响应的 previous 中给出）"),
            param(self.page_size_query_param, f"每页条数，最多 {self.max_page_size}", "integer"),
        ]


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` over the view's ``ordering_fields``, with ``pk`` as tie-breaker so that
    pages do not overlap. Without the parameter the selector's (model's) ordering stands."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering = [*ordering, "pk"]
        return ordering


class WritePermission(BasePermission):
    """Reads: any signed-in user (the queryset is scoped). Writes: one of the actions the view
    lists for the action in ``write_permissions``, asked of the gate (:func:`core.access.can`):
    without the object before parsing, with it when the view loads it (``get_object``).
    Unlisted writes are refused. The service asks the gate again."""

    message = "您没有执行此操作的权限。"

    def _writes(self, request, view):
        """The listed actions and message of this write; ``(None, None)`` for a read."""
        if request.method in SAFE_METHODS or not hasattr(view, request.method.lower()):
            return None, None  # reads are scoped; an unmapped method gets its 405 from the view
        return getattr(view, "write_permissions", {}).get(view.action, ((), None))

    def _allowed(self, user, actions, message, obj=None) -> bool:
        if not actions:
            return False  # an unlisted write
        reasons = [refusal(user, a, obj) for a in actions]
        if any(r is None for r in reasons):
            return True
        # The gate's own answer (the action's message, the scope, a rule such as separation of
        # duties); the view's message replaces only the plain "no permission".
        self.message = message if message and reasons[0] == NO_PERMISSION else reasons[0]
        return False

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        actions, message = self._writes(request, view)
        if actions is None or self._allowed(user, actions, message):
            return True
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in getattr(view, "kwargs", {}):
            # An object of another township answers 404 like a missing one, before the 403.
            view.get_object()
        return False

    def has_object_permission(self, request, view, obj) -> bool:
        actions, message = self._writes(request, view)
        return actions is None or self._allowed(request.user, actions, message, obj)


class ApiViewSet(viewsets.ReadOnlyModelViewSet):
    """The one base of every app's API viewsets: scoped read-only lists and details (the
    subclass's ``get_queryset`` is a scoped selector), 50 a page, ``?ordering=``, django-filter
    FilterSets, and write actions that parse an input serializer and call one service."""

    pagination_class = StandardPagination
    permission_classes = [WritePermission]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    # viewset action → (gate actions of core.access, message): one of them must pass ``can``.
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
# Input fields
# ---------------------------------------------------------------------------------------------


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id in the input, looked up through the requesting user's data scope.

    An object of another township is reported exactly like a missing one.
    """

    default_error_messages = {
        "required": "该字段是必填项。",
        "does_not_exist": "编号为 {pk_value} 的记录不存在或不在您的数据范围内。",
        "incorrect_type": "请填写记录编号（整数）。",
    }

    def __init__(self, model, **kwargs):
        # ``queryset`` names the model for DRF and the OpenAPI schema; lookups use get_queryset().
        super().__init__(queryset=model._default_manager.all(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return scoped(getattr(request, "user", None), self.queryset)


# ---------------------------------------------------------------------------------------------
# Token (works with django-axes: failures count towards the account lockout)
# ---------------------------------------------------------------------------------------------


class TokenObtainInput(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


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
        request=TokenObtainInput,
        responses={
            200: TokenOutput,
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
