"""Every model of the app, for Django and migrations; each concern's folder owns its own."""

from __future__ import annotations

from annotation.comparing.models import (
    Candidate,
    CandidateSource,
    Comparison,
    ComparisonSetup,
    ComparisonStatus,
    CritiqueRating,
    Inclusion,
)
from annotation.datasets.models import Dataset, ImportJob, ImportStatus, Item, PlantedFlaw, content_hash
from annotation.labeling.models import (
    CommentAction,
    CommentJudgement,
    FlawReport,
    Review,
    ReviewStatus,
    Skip,
    SkipReason,
)
from annotation.quality.models import Exclusion
from annotation.results.models import Adjudication, AnalysisSnapshot, AnalysisStatus, ExportJob, ExportStatus, Verdict
from annotation.studies.models import (
    Arm,
    ArmKind,
    Assignment,
    AssignmentStatus,
    Design,
    Enrollment,
    Study,
    StudyItem,
    StudyStatus,
    TaskKind,
)
from annotation.tampering.models import Tamper, TamperFlaw, TamperReview, TamperSetup, TamperStatus
from annotation.users import Role, User

__all__ = [
    "Adjudication",
    "AnalysisSnapshot",
    "AnalysisStatus",
    "Arm",
    "ArmKind",
    "Assignment",
    "AssignmentStatus",
    "Candidate",
    "CandidateSource",
    "CommentAction",
    "CommentJudgement",
    "Comparison",
    "ComparisonSetup",
    "ComparisonStatus",
    "CritiqueRating",
    "Dataset",
    "Design",
    "Enrollment",
    "Exclusion",
    "ExportJob",
    "ExportStatus",
    "FlawReport",
    "ImportJob",
    "ImportStatus",
    "Inclusion",
    "Item",
    "PlantedFlaw",
    "Review",
    "ReviewStatus",
    "Role",
    "Skip",
    "SkipReason",
    "Study",
    "StudyItem",
    "StudyStatus",
    "Tamper",
    "TamperFlaw",
    "TamperReview",
    "TamperSetup",
    "TamperStatus",
    "TaskKind",
    "User",
    "Verdict",
    "content_hash",
]
