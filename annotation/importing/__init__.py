from __future__ import annotations

from annotation.importing.errors import ImportFailed, RowError
from annotation.importing.service import ImportResult, do_import

__all__ = ("ImportFailed", "ImportResult", "RowError", "do_import")
