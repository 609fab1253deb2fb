from __future__ import annotations

from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_researcher": False, "is_contractor": False, "is_admin_role": False}
    return {
        "is_researcher": user.is_researcher,
        "is_contractor": user.is_contractor,
        "is_admin_role": user.is_admin_role,
    }
