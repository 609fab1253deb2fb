from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
# Import every view now, not in the first request each process serves (two seconds on a small machine:
# the first contractors after a start or a worker restart would wait for it).
get_resolver().url_patterns  # noqa: B018 - the attribute's side effect is the point
