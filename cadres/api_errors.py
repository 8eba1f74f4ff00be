"""DRF exception handler: Django ValidationError from services → 400 keyed by field."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


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


def page_not_found(request, exception=None):
    """handler404: an API URL that matches no route (``/api/v1/people/1.5e-45/``) answers JSON like
    every other API 404; pages keep Django's own 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "未找到。"}, status=404, json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception)
