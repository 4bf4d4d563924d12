"""patients: the folded names beside the names, and the index a person is found by

- patients.family_folded / given_folded: `scheduling.patient.fold_name` of each name,
  written with them, so that search, the patient file, the data export and the waiting
  list's duplicates select a person in SQL (birth date and folded names) instead of reading
  every row born that day and folding it in Python under a row bound;
- ix_patients_person (territory_id, birth_date, family_folded).

Existing rows are filled in by this migration, with the fold frozen here as it was written.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 23:10:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o"})
_BATCH = 1_000


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.translate(_LIGATURES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    spaced = bare.replace("-", " ").replace("'", " ").replace("\u2019", " ")
    return " ".join(spaced.casefold().split())[:100]


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("family_folded", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("given_folded", sa.String(length=100), nullable=True))
    bind = op.get_bind()
    patients = sa.table(
        "patients",
        sa.column("id", sa.Uuid()),
        sa.column("family_name", sa.String()),
        sa.column("given_name", sa.String()),
        sa.column("family_folded", sa.String()),
        sa.column("given_folded", sa.String()),
    )
    while True:
        rows = bind.execute(
            sa.select(patients.c.id, patients.c.family_name, patients.c.given_name)
            .where(patients.c.family_folded.is_(None))
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            patients.update()
            .where(patients.c.id == sa.bindparam("pid"))
            .values(family_folded=sa.bindparam("ff"), given_folded=sa.bindparam("gf")),
            [{"pid": r.id, "ff": _fold(r.family_name), "gf": _fold(r.given_name)} for r in rows],
        )
    op.create_index(
        "ix_patients_person", "patients", ["territory_id", "birth_date", "family_folded"]
    )


def downgrade() -> None:
    op.drop_index("ix_patients_person", table_name="patients")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("given_folded")
        batch.drop_column("family_folded")
