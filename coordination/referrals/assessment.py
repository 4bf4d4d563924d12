"""A structured wound assessment; repeated over time they draw the healing trajectory.

The checks here are the clinical ones the wire cannot express (colours summing to 100 %, a
Braden score only for pressure ulcers); ranges are enforced again by CHECK constraints.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum
from kernel.errors import Invalid

CHRONIC_WEEKS = 6  # a wound not healed in six weeks is chronic (HAS)


class WoundType(enum.StrEnum):
    VENOUS_ULCER = "venous_ulcer"
    ARTERIAL_ULCER = "arterial_ulcer"
    MIXED_ULCER = "mixed_ulcer"
    PRESSURE_ULCER = "pressure_ulcer"
    DIABETIC_FOOT = "diabetic_foot"
    POST_SURGICAL = "post_surgical"
    OTHER = "other"


class Exudate(enum.StrEnum):
    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class InfectionSign(enum.StrEnum):
    ERYTHEMA = "erythema"
    WARMTH = "warmth"
    SWELLING = "swelling"
    PAIN_INCREASE = "pain_increase"
    PURULENT_DISCHARGE = "purulent_discharge"
    ODOUR = "odour"
    FEVER = "fever"
    DELAYED_HEALING = "delayed_healing"


class BradenRisk(enum.StrEnum):
    """Bands of the Braden total (6–23): the lower, the higher the risk."""

    VERY_HIGH = "very_high"  # ≤ 9
    HIGH = "high"  # 10–12
    MODERATE = "moderate"  # 13–14
    MILD = "mild"  # 15–18
    NONE = "none"  # ≥ 19


BRADEN_SUBSCALES = {
    "sensory_perception": 4,
    "moisture": 4,
    "activity": 4,
    "mobility": 4,
    "nutrition": 4,
    "friction_shear": 3,
}


def braden_risk(total: int) -> BradenRisk:
    if total <= 9:
        return BradenRisk.VERY_HIGH
    if total <= 12:
        return BradenRisk.HIGH
    if total <= 14:
        return BradenRisk.MODERATE
    if total <= 18:
        return BradenRisk.MILD
    return BradenRisk.NONE


@dataclass(frozen=True, slots=True)
class BedColours:
    black: int  # necrosis
    yellow: int  # slough
    red: int  # granulation
    pink: int  # epithelialisation


@dataclass(frozen=True, slots=True)
class AssessmentDraft:
    wound_type: WoundType
    body_site: str
    length_cm: float
    width_cm: float
    depth_cm: float
    age_weeks: int
    bed_colours: BedColours
    exudate: Exudate
    pain: int
    infection_signs: frozenset[InfectionSign] = field(default_factory=frozenset)
    braden: dict[str, int] | None = None  # the six subscales, pressure ulcers only
    dressing: str | None = None


def area_cm2(length_cm: float, width_cm: float) -> float:
    """Length × width, the usual bedside estimate (the ellipse would be × π/4); it is the
    trajectory's trend that matters, measured the same way each time."""
    return round(length_cm * width_cm, 2)


def check(draft: AssessmentDraft, prefix: str = "assessment") -> None:
    colours = draft.bed_colours
    parts = (colours.black, colours.yellow, colours.red, colours.pink)
    if any(p < 0 or p > 100 for p in parts) or sum(parts) != 100:
        raise Invalid(
            f"bed colour proportions must sum to 100 % (they sum to {sum(parts)} %)",
            code="wound_bed_colours_sum",
            params={"total": sum(parts)},
            field=f"{prefix}.bed_colours",
        )
    if not draft.body_site.strip():
        raise Invalid(
            "name the body site", code="wound_body_site_required", field=f"{prefix}.body_site"
        )
    if draft.braden is None and draft.wound_type is WoundType.PRESSURE_ULCER:
        raise Invalid(
            "a pressure ulcer needs its Braden score",
            code="wound_braden_required",
            field=f"{prefix}.braden",
        )
    if draft.braden is not None:
        if draft.wound_type is not WoundType.PRESSURE_ULCER:
            raise Invalid(
                "a Braden score is for pressure ulcers",
                code="wound_braden_pressure_only",
                field=f"{prefix}.braden",
            )
        if set(draft.braden) != set(BRADEN_SUBSCALES):
            raise Invalid(
                "Braden needs the six subscales: " + ", ".join(BRADEN_SUBSCALES),
                code="wound_braden_subscales",
                field=f"{prefix}.braden",
            )
        for name, top in BRADEN_SUBSCALES.items():
            if not 1 <= draft.braden[name] <= top:
                raise Invalid(
                    f"{name} scores 1 to {top}",
                    code="wound_braden_subscale_range",
                    params={"subscale": name, "top": top},
                    field=f"{prefix}.braden.{name}",
                )


class WoundAssessment(Base):
    __tablename__ = "wound_assessments"
    __table_args__ = (
        CheckConstraint(
            "bed_black + bed_yellow + bed_red + bed_pink = 100", name="bed_colours_sum"
        ),
        CheckConstraint("pain BETWEEN 0 AND 10", name="pain_range"),
        CheckConstraint(
            "length_cm > 0 AND width_cm > 0 AND depth_cm >= 0", name="positive_dimensions"
        ),
        CheckConstraint(
            "braden_total IS NULL OR braden_total BETWEEN 6 AND 23", name="braden_range"
        ),
        CheckConstraint("age_weeks >= 0", name="age_positive"),
        CheckConstraint("chronic = (age_weeks >= 6)", name="chronic_from_age"),
        # The trajectory's order, even for assessments recorded in the same instant.
        UniqueConstraint("referral_id", "seq"),
    )

    id: Mapped[uuid.UUID] = id_column()
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)  # 1, 2, … within the referral
    assessed_at: Mapped[datetime] = mapped_column(nullable=False)
    assessed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    wound_type: Mapped[WoundType] = mapped_column(str_enum(WoundType, 16), nullable=False)
    body_site: Mapped[str] = mapped_column(String(100), nullable=False)
    length_cm: Mapped[float] = mapped_column(Float, nullable=False)
    width_cm: Mapped[float] = mapped_column(Float, nullable=False)
    depth_cm: Mapped[float] = mapped_column(Float, nullable=False)
    area_cm2: Mapped[float] = mapped_column(Float, nullable=False)
    age_weeks: Mapped[int] = mapped_column(Integer, nullable=False)
    chronic: Mapped[bool] = mapped_column(Boolean, nullable=False)
    bed_black: Mapped[int] = mapped_column(Integer, nullable=False)
    bed_yellow: Mapped[int] = mapped_column(Integer, nullable=False)
    bed_red: Mapped[int] = mapped_column(Integer, nullable=False)
    bed_pink: Mapped[int] = mapped_column(Integer, nullable=False)
    exudate: Mapped[Exudate] = mapped_column(str_enum(Exudate, 10), nullable=False)
    infection_signs: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    pain: Mapped[int] = mapped_column(Integer, nullable=False)
    braden: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    braden_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    braden_risk: Mapped[BradenRisk | None] = mapped_column(str_enum(BradenRisk, 10), nullable=True)
    dressing: Mapped[str | None] = mapped_column(String(300), nullable=True)


def assessment_row(
    draft: AssessmentDraft, referral_id: uuid.UUID, seq: int, by: uuid.UUID, at: datetime
) -> dict[str, Any]:
    total = sum(draft.braden.values()) if draft.braden is not None else None
    return {
        "id": uuid.uuid4(),
        "referral_id": referral_id,
        "seq": seq,
        "assessed_at": at,
        "assessed_by": by,
        "wound_type": draft.wound_type,
        "body_site": draft.body_site.strip(),
        "length_cm": draft.length_cm,
        "width_cm": draft.width_cm,
        "depth_cm": draft.depth_cm,
        "area_cm2": area_cm2(draft.length_cm, draft.width_cm),
        "age_weeks": draft.age_weeks,
        "chronic": draft.age_weeks >= CHRONIC_WEEKS,
        "bed_black": draft.bed_colours.black,
        "bed_yellow": draft.bed_colours.yellow,
        "bed_red": draft.bed_colours.red,
        "bed_pink": draft.bed_colours.pink,
        "exudate": draft.exudate,
        "infection_signs": sorted(s.value for s in draft.infection_signs),
        "pain": draft.pain,
        "braden": dict(draft.braden) if draft.braden is not None else None,
        "braden_total": total,
        "braden_risk": braden_risk(total) if total is not None else None,
        "dressing": (draft.dressing or "").strip() or None,
    }
