"""Gunicorn reads this file from the working directory: one timeout for the demo, the Docker image
and compose alike. Uploads are parsed inside the request (up to REDLINE_IMPORT_MAX_BYTES), so the
worker timeout leaves them room; everything slow beyond that (critique runs, exports, large
analyses) runs in the Celery worker."""

import os

timeout = int(os.environ.get("REDLINE_WEB_TIMEOUT_S", "180"))
graceful_timeout = 30
keepalive = 5
