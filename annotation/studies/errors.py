"""Why a study action was refused: one exception, said in words a researcher can act on."""

from __future__ import annotations


class StudyRefused(Exception):
    pass
