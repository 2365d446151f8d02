"""The classroom: class sessions and their labelled drawings.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "class_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(8), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "drawings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("student", sa.String(64), nullable=False),
        sa.Column("nickname", sa.String(20), nullable=False, server_default=""),
        sa.Column("label", sa.SmallInteger, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("png", sa.LargeBinary, nullable=False),
        sa.Column("input", sa.LargeBinary(784), nullable=False),
        sa.Column("digit", sa.SmallInteger, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("probabilities", sa.JSON, nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_drawings_session_id_id", "drawings", ["session_id", "id"])
    op.create_index("ix_drawings_session_student", "drawings", ["session_id", "student"])


def downgrade() -> None:
    op.drop_table("drawings")
    op.drop_table("class_sessions")
