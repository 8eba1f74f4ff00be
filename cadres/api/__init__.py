"""REST API of the register under /api/v1/ (config/urls.py includes ``api_urlpatterns``).

Reads are read-only viewsets whose queryset is the scoped selector; writes are actions that
validate a plain input serializer and call one service. See views.py.
"""

from .urls import api_urlpatterns

__all__ = ["api_urlpatterns"]
