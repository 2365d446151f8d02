"""Students who joined a class, and when each was last seen: the presenter's "connected" count
includes students who have not sent a drawing yet.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "class_students",
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("student", sa.String(64), primary_key=True),
        sa.Column("nickname", sa.String(20), nullable=False, server_default=""),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("class_students")
