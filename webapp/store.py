"""The classroom's drawings, kept safe: SQLAlchemy Core over SQLite (default, WAL, under
instance/) or PostgreSQL (DIGITPAD_DATABASE_URL=postgresql+psycopg://...).

The schema is created and upgraded by the app itself with Alembic (webapp/migrations/); nothing
is ever done by hand. A drawing is committed before its 201 is sent: a server killed right after
an answer loses nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

sessions = sa.Table(
    "class_sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(8), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    # The model this class's pads use (migration 0003); None: the server's default.
    sa.Column("model", sa.String(64), nullable=True),
)

students = sa.Table(
    "class_students", metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("student", sa.String(64), primary_key=True),
    sa.Column("nickname", sa.String(20), nullable=False, server_default=""),
    sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
)

jobs = sa.Table(
    "finetune_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # running | done | failed | cancelled
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("base_model", sa.String(64), nullable=False),
    sa.Column("pid", sa.Integer, nullable=True),
    sa.Column("folder", sa.String(512), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
)
sa.Index("ux_finetune_jobs_one_running", jobs.c.status, unique=True,
         sqlite_where=sa.text("status = 'running'"), postgresql_where=sa.text("status = 'running'"))

drawings = sa.Table(
    "drawings", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("student", sa.String(64), nullable=False),
    sa.Column("nickname", sa.String(20), nullable=False, server_default=""),
    sa.Column("label", sa.SmallInteger, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # prompted | corrected
    sa.Column("png", sa.LargeBinary, nullable=False),  # the upload, as sent
    sa.Column("input", sa.LargeBinary(784), nullable=False),  # the 28x28 the model saw, uint8
    sa.Column("digit", sa.SmallInteger, nullable=False),  # the model's answer
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("probabilities", sa.JSON, nullable=False),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # A client-made id (migration 0002): the same submission sent twice is stored once.
    sa.Column("submission", sa.String(64), nullable=True),
)
sa.Index("ix_drawings_session_id_id", drawings.c.session_id, drawings.c.id)
sa.Index("ux_drawings_submission", drawings.c.session_id, drawings.c.student,
         drawings.c.submission, unique=True)
sa.Index("ix_drawings_session_student", drawings.c.session_id, drawings.c.student)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def database_url(configured: str | None, instance_path: str) -> str:
    if configured:
        return configured
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'digitpad.sqlite3'}"


def connect(url: str) -> Engine:
    """An engine for `url`. SQLite: WAL (readers never wait for the writer), synchronous=FULL (a
    commit is on disk before the answer), foreign keys on, and a wait instead of 'database is
    locked' when two workers write at once."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest version (Alembic). Safe to run from several processes: on
    PostgreSQL an advisory lock serialises them; SQLite's write lock does the same."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(20261129)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_version(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except sa.exc.DBAPIError:
            return None


# --- sessions ---------------------------------------------------------------------------------
def create_session(engine: Engine, code: str) -> dict | None:
    """A new session, or None when the code is taken (the unique index decides, across workers)."""
    created = now()
    try:
        with engine.begin() as conn:
            sid = conn.execute(sessions.insert().values(code=code, created_at=created)
                               .returning(sessions.c.id)).scalar_one()
    except sa.exc.IntegrityError:
        return None
    return {"id": sid, "code": code, "created_at": created, "closed_at": None, "model": None}


def find_session(engine: Engine, code: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(sessions.select().where(sessions.c.code == code)).mappings().first()
    return dict(row) if row else None


def close_session(engine: Engine, session_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(sessions.update().where(sessions.c.id == session_id)
                     .values(closed_at=now()))


def set_session_model(engine: Engine, session_id: int, model: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(sessions.update().where(sessions.c.id == session_id).values(model=model))


def forget_model(engine: Engine, model: str) -> None:
    """Classes that used a deleted model go back to the server's default."""
    with engine.begin() as conn:
        conn.execute(sessions.update().where(sessions.c.model == model).values(model=None))


def delete_session(engine: Engine, session_id: int) -> int:
    """The session and every drawing in it; returns how many drawings went."""
    with engine.begin() as conn:
        conn.execute(jobs.delete().where(jobs.c.session_id == session_id))
        conn.execute(students.delete().where(students.c.session_id == session_id))
        gone = conn.execute(drawings.delete().where(drawings.c.session_id == session_id)).rowcount
        conn.execute(sessions.delete().where(sessions.c.id == session_id))
    return gone


def list_sessions(engine: Engine) -> list[dict]:
    count = (sa.select(sa.func.count()).where(drawings.c.session_id == sessions.c.id)
             .scalar_subquery())
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sessions, count.label("drawings"))
                            .order_by(sessions.c.id.desc())).mappings().all()
    return [dict(r) for r in rows]


def purge_older_than(engine: Engine, days: float) -> int:
    """Sessions (and their drawings) created more than `days` ago; returns how many sessions."""
    cutoff = now() - dt.timedelta(days=days)
    with engine.begin() as conn:
        old = conn.execute(sa.select(sessions.c.id).where(sessions.c.created_at < cutoff)).scalars().all()
        if old:
            conn.execute(jobs.delete().where(jobs.c.session_id.in_(old)))
            conn.execute(students.delete().where(students.c.session_id.in_(old)))
            conn.execute(drawings.delete().where(drawings.c.session_id.in_(old)))
            conn.execute(sessions.delete().where(sessions.c.id.in_(old)))
    return len(old)


# --- students ---------------------------------------------------------------------------------
def seen(engine: Engine, session_id: int, student: str, nickname: str | None = None) -> None:
    """A student joined, or is still there (the page says so now and then)."""
    with engine.begin() as conn:
        _seen(conn, session_id, student, nickname)


def _seen(conn: sa.Connection, session_id: int, student: str, nickname: str | None) -> None:
    t = now()
    updated = conn.execute(students.update().where(
        students.c.session_id == session_id, students.c.student == student).values(
        last_seen=t, **({"nickname": nickname} if nickname is not None else {}))).rowcount
    if not updated:
        try:
            with conn.begin_nested():
                conn.execute(students.insert().values(
                    session_id=session_id, student=student, nickname=nickname or "",
                    joined_at=t, last_seen=t))
        except sa.exc.IntegrityError:
            pass  # joined from another worker at the same moment


def count_students(engine: Engine, session_id: int, within_seconds: float) -> tuple[int, int]:
    """(joined, seen in the last `within_seconds`)."""
    cutoff = now() - dt.timedelta(seconds=within_seconds)
    base = sa.select(sa.func.count()).select_from(students).where(students.c.session_id == session_id)
    with engine.connect() as conn:
        joined = conn.execute(base).scalar_one()
        recent = conn.execute(base.where(students.c.last_seen >= cutoff)).scalar_one()
    return int(joined), int(recent)


# --- drawings ---------------------------------------------------------------------------------
SUMMARY = [drawings.c.id, drawings.c.student, drawings.c.nickname, drawings.c.label,
           drawings.c.source, drawings.c.digit, drawings.c.confidence, drawings.c.probabilities,
           drawings.c.model, drawings.c.model_version, drawings.c.created_at]


def add_drawing(engine: Engine, session_id: int, row: dict[str, Any],
                max_per_student: int, max_per_session: int) -> tuple[int | None, bool]:
    """Store one drawing, committed before this returns: (its id, whether it is new). A drawing
    whose `submission` id was stored before is not stored again (its first id comes back). The id
    is None when a cap is reached (checked in the same transaction as the insert). The student
    counts as seen, in the same transaction: one commit per drawing."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # One writer per session at a time for the cap check; other sessions are not held up.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": session_id})
        _seen(conn, session_id, row["student"], row.get("nickname") or None)
        if row.get("submission"):
            before = conn.execute(sa.select(drawings.c.id).where(
                drawings.c.session_id == session_id, drawings.c.student == row["student"],
                drawings.c.submission == row["submission"])).scalar()
            if before is not None:
                return before, False
        mine = conn.execute(sa.select(sa.func.count()).where(
            drawings.c.session_id == session_id, drawings.c.student == row["student"])).scalar_one()
        total = conn.execute(sa.select(sa.func.count()).where(
            drawings.c.session_id == session_id)).scalar_one()
        if mine >= max_per_student or total >= max_per_session:
            return None, False
        new_id = conn.execute(drawings.insert().values(session_id=session_id, created_at=now(),
                                                       **row).returning(drawings.c.id)).scalar_one()
        return new_id, True


def list_drawings(engine: Engine, session_id: int, after: int = 0, limit: int = 1000,
                  with_input: bool = False) -> list[dict]:
    cols = SUMMARY + ([drawings.c.input] if with_input else [])
    query = (sa.select(*cols).where(drawings.c.session_id == session_id, drawings.c.id > after)
             .order_by(drawings.c.id).limit(limit))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def get_drawing(engine: Engine, session_id: int, drawing_id: int) -> dict | None:
    query = sa.select(drawings).where(drawings.c.session_id == session_id,
                                      drawings.c.id == drawing_id)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def iter_export(engine: Engine, session_id: int, batch: int = 500) -> Iterator[dict]:
    """Every drawing of a session with its images, in order, a batch at a time."""
    after = 0
    while True:
        query = (sa.select(drawings).where(drawings.c.session_id == session_id,
                                           drawings.c.id > after)
                 .order_by(drawings.c.id).limit(batch))
        with engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        if not rows:
            return
        yield from rows
        after = rows[-1]["id"]


def counts(engine: Engine, session_id: int) -> dict:
    """Per digit: drawings and how many the model got right; students who took part."""
    query = (sa.select(drawings.c.label, sa.func.count().label("n"),
                       sa.func.sum(sa.case((drawings.c.digit == drawings.c.label, 1), else_=0))
                       .label("right"))
             .where(drawings.c.session_id == session_id).group_by(drawings.c.label))
    students = (sa.select(sa.func.count(sa.distinct(drawings.c.student)))
                .where(drawings.c.session_id == session_id))
    with engine.connect() as conn:
        per = {int(r.label): (int(r.n), int(r.right or 0)) for r in conn.execute(query)}
        n_students = conn.execute(students).scalar_one()
    return {"per_digit": per, "students": int(n_students)}


def confident_mistakes(engine: Engine, session_id: int, limit: int = 6) -> list[dict]:
    query = (sa.select(*SUMMARY, drawings.c.input).where(drawings.c.session_id == session_id,
                                                         drawings.c.digit != drawings.c.label)
             .order_by(drawings.c.confidence.desc()).limit(limit))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def count_drawings(engine: Engine, session_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(drawings)
    if session_id is not None:
        query = query.where(drawings.c.session_id == session_id)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


# --- fine-tuning jobs -------------------------------------------------------------------------
def start_job(engine: Engine, session_id: int, model: str, base_model: str, folder: str
              ) -> int | None:
    """A new running job, or None while another one runs (one at a time: training takes the
    machine's cores). A unique index on running jobs decides, whichever worker asks."""
    try:
        with engine.begin() as conn:
            return conn.execute(jobs.insert().values(
                session_id=session_id, status="running", model=model, base_model=base_model,
                folder=folder, started_at=now()).returning(jobs.c.id)).scalar_one()
    except sa.exc.IntegrityError:
        return None


def set_job(engine: Engine, job_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(jobs.update().where(jobs.c.id == job_id).values(**values))


def finish_job(engine: Engine, job_id: int, status: str, error: str | None = None) -> bool:
    """Move a running job to its end state; False if it had already ended (another worker)."""
    with engine.begin() as conn:
        done = conn.execute(jobs.update().where(jobs.c.id == job_id, jobs.c.status == "running")
                            .values(status=status, error=error, finished_at=now()))
    return done.rowcount == 1


def get_job(engine: Engine, job_id: int) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(jobs.select().where(jobs.c.id == job_id)).mappings().first()
    return dict(row) if row else None


def running_jobs(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(jobs.select().where(jobs.c.status == "running"))
                .mappings()]


def session_jobs(engine: Engine, session_id: int) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(jobs.select().where(jobs.c.session_id == session_id)
                                              .order_by(jobs.c.id.desc())).mappings()]
