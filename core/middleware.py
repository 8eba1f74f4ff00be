"""The job queue being down is an answer, not a crash.

A view that queues a job (core.jobs.enqueue) and does not handle JobQueueUnavailable itself would
otherwise answer 500; this middleware answers 503 with the Chinese page (JSON under /api/)."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

from .jobs import JobQueueUnavailable


class JobQueueUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, JobQueueUnavailable):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": exception.messages[0]}, status=503, json_dumps_params={"ensure_ascii": False})
        return render(request, "503.html", {"message": exception.messages[0]}, status=503)
