"""Operations endpoints: /healthz for load balancers and people, /metrics for Prometheus."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from annotation.access import may_read_metrics, sees_health_details
from annotation.ops.health import public_view, run_checks
from annotation.ops.metrics import exposition


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = run_checks()
    body = report if sees_health_details(request) else public_view(report)
    return JsonResponse(body, status=503 if report["status"] == "down" else 200)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    allowed = may_read_metrics(request)
    if allowed is None:
        return redirect_to_login(request.get_full_path())
    if not allowed:
        raise PermissionDenied
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
