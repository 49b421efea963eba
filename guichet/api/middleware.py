"""Under /api/: every call written to ApiCall, and every error answered as problem details."""

import time

from guichet.core.net import client_ip

from .problems import is_problem, problem_for
from .services import api_call_record

API_PREFIX = "/api/"


class ApiCallMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        if response.status_code >= 400 and not is_problem(response):
            # Django's 404 and 500 pages, ninja's 405: HTML or text a client cannot read.
            response = problem_for(response)
        api_call_record(
            client=getattr(request, "api_client", None),
            method=request.method or "",
            path=request.path_info,
            status=response.status_code,
            duration_ms=round((time.monotonic() - started) * 1000),
            remote_address=client_ip(request),
        )
        return response
