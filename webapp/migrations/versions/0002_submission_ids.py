"""Idempotent submissions: a client-made id per drawing, so a retry after a network failure (a
worker restarted mid-request, a phone changing access points) stores the drawing once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drawings") as batch:
        batch.add_column(sa.Column("submission", sa.String(64), nullable=True))
    op.create_index("ux_drawings_submission", "drawings", ["session_id", "student", "submission"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("ux_drawings_submission", "drawings")
    with op.batch_alter_table("drawings") as batch:
        batch.drop_column("submission")
