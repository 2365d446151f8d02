"""Teaching the model: the model a class's pads use, and fine-tuning jobs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("class_sessions") as batch:
        batch.add_column(sa.Column("model", sa.String(64), nullable=True))
    op.create_table(
        "finetune_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("base_model", sa.String(64), nullable=False),
        sa.Column("pid", sa.Integer, nullable=True),
        sa.Column("folder", sa.String(512), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    # One running job at a time, whichever worker or server starts it: the database says no.
    running = sa.text("status = 'running'")
    op.create_index("ux_finetune_jobs_one_running", "finetune_jobs", ["status"], unique=True,
                    sqlite_where=running, postgresql_where=running)


def downgrade() -> None:
    op.drop_table("finetune_jobs")
    with op.batch_alter_table("class_sessions") as batch:
        batch.drop_column("model")
