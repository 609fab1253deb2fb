"""What assist tells the rest of Redline without importing it: a run finished."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a critique run ends (done or cancelled): run_id, status, owner_id, done, failed, total.
run_finished = Signal()
