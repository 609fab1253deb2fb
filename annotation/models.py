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
from annotation.crowd.models import Outcome, Participant, Platform, StudyLink
from annotation.datasets.models import Dataset, ImportJob, ImportStatus, Item, PlantedFlaw, content_hash
from annotation.hooks.models import Delivery, DeliveryStatus, Event, Webhook
from annotation.labeling.models import (
    CommentAction,
    CommentJudgement,
    FlawReport,
    Review,
    ReviewStatus,
    Skip,
    SkipReason,
)
from annotation.quality.models import Exclusion, QualityPlan, Standing
from annotation.results.models import Adjudication, AnalysisSnapshot, AnalysisStatus, ExportJob, ExportStatus, Verdict
from annotation.studies.models import (
    Arm,
    ArmKind,
    Assignment,
    AssignmentStatus,
    CheckItem,
    CheckRole,
    Design,
    Enrollment,
    Purpose,
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
    "CheckItem",
    "CheckRole",
    "CommentAction",
    "CommentJudgement",
    "Comparison",
    "ComparisonSetup",
    "ComparisonStatus",
    "CritiqueRating",
    "Dataset",
    "Delivery",
    "DeliveryStatus",
    "Design",
    "Enrollment",
    "Event",
    "Exclusion",
    "ExportJob",
    "ExportStatus",
    "FlawReport",
    "ImportJob",
    "ImportStatus",
    "Inclusion",
    "Item",
    "Outcome",
    "Participant",
    "PlantedFlaw",
    "Platform",
    "Purpose",
    "QualityPlan",
    "Review",
    "ReviewStatus",
    "Role",
    "Skip",
    "SkipReason",
    "Standing",
    "Study",
    "StudyItem",
    "StudyLink",
    "StudyStatus",
    "Tamper",
    "TamperFlaw",
    "TamperReview",
    "TamperSetup",
    "TamperStatus",
    "TaskKind",
    "User",
    "Verdict",
    "Webhook",
    "content_hash",
]
