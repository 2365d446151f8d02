"""The classroom's JSON API: thin routes over classroom (rules), recognition (the model) and store
(the database). Presenter actions need `Authorization: Bearer <presenter token>`; students need
nothing but the class code."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from flask import Blueprint, Response, current_app, request, stream_with_context

from webapp import classroom, store, teach
from webapp.api import classify_upload, json_response, model_named, read_upload
from webapp.security import RequestError

bp = Blueprint("classroom", __name__)


def engine():
    return current_app.extensions["digitpad.db"]


def require_presenter() -> None:
    token = current_app.config.get("PRESENTER_TOKEN")
    if not classroom.presenter_ok(request.headers.get("Authorization"),
                                  None if token is None else str(token)):
        raise RequestError(401, "unauthorized",
                           "This needs the presenter token: Authorization: Bearer <token> "
                           "(printed by `digitpad camp`).",
                           headers={"WWW-Authenticate": 'Bearer realm="digitpad presenter"'})


def session_or_404(code: str) -> dict:
    normal = classroom.normalise_code(code)
    found = store.find_session(engine(), normal) if normal else None
    if found is None:
        raise RequestError(404, "unknown_session", f"No class with the code {code[:8]!r}.")
    return found


def limited(key: str, which: str = "digitpad.limiter") -> None:
    limiter: classroom.RateLimiter = current_app.extensions[which]
    if not limiter.allow(key):
        raise RequestError(429, "too_many_requests",
                           "Too many drawings at once: wait a moment and send it again.",
                           headers={"Retry-After": "1"})


def session_model(s: dict) -> str:
    """The model this class's pads use: the presenter's choice, else the server's default (also
    when the chosen one has been deleted since)."""
    chosen = s.get("model")
    if chosen and current_app.extensions["digitpad.registry"].exists(chosen):
        return chosen
    return current_app.config["DEFAULT_MODEL"]


def public_session(s: dict) -> dict:
    return {"code": s["code"], "open": s["closed_at"] is None, "model": session_model(s),
            "created_at": s["created_at"].isoformat(),
            "join_url": join_url(s["code"])}


def drawing_json(row: dict) -> dict:
    out = {k: row[k] for k in ("id", "student", "nickname", "label", "source", "digit",
                               "confidence", "probabilities", "model")}
    out["correct"] = row["digit"] == row["label"]
    out["created_at"] = row["created_at"].isoformat()
    if "input" in row:
        out["input"] = base64.b64encode(row["input"]).decode()  # 784 bytes, row by row
    return out


# --- sessions ---------------------------------------------------------------------------------
@bp.post("/api/sessions")
def create_session():
    require_presenter()
    for _ in range(20):  # a collision among 31^4 codes is rare; try another
        created = store.create_session(engine(), classroom.new_code())
        if created is not None:
            return json_response(public_session(created), 201)
    raise RequestError(503, "no_code", "Could not find a free class code; try again.")


@bp.get("/api/sessions")
def list_sessions():
    require_presenter()
    return json_response({"sessions": [
        {**public_session(s), "drawings": s["drawings"]} for s in store.list_sessions(engine())]})


@bp.get("/api/sessions/<code>")
def show_session(code: str):
    return json_response(public_session(session_or_404(code)))


@bp.post("/api/sessions/<code>/close")
def close_session(code: str):
    require_presenter()
    s = session_or_404(code)
    store.close_session(engine(), s["id"])
    return json_response(public_session(store.find_session(engine(), s["code"])))


@bp.delete("/api/sessions/<code>")
def delete_session(code: str):
    require_presenter()
    s = session_or_404(code)
    gone = store.delete_session(engine(), s["id"])
    return json_response({"code": s["code"], "deleted": True, "drawings_deleted": gone})


# --- drawings ---------------------------------------------------------------------------------
@bp.post("/api/sessions/<code>/drawings")
def submit_drawing(code: str):
    s = session_or_404(code)
    if s["closed_at"] is not None:
        raise RequestError(409, "session_closed", "This class is closed: no more drawings.")
    client = request.remote_addr or "?"
    data, fields = read_upload(request)
    fallback = "anon-" + hashlib.sha256(
        f"{client}|{request.user_agent.string}".encode()).hexdigest()[:16]
    try:
        sub = classroom.parse_submission(fields, fallback)
    except classroom.Invalid as exc:
        raise RequestError(400, "invalid_request", str(exc)) from None
    limited(f"ip:{client}", "digitpad.address_limiter")
    limited(f"student:{s['id']}:{sub.student}")
    name = session_model(s)
    answer = classify_upload(data, model_named(name), several=False)  # a challenge asks for one digit
    registry = current_app.extensions["digitpad.registry"]
    row = {"student": sub.student, "nickname": sub.nickname, "label": sub.label,
           "source": sub.source, "png": data, "input": answer.input_uint8().tobytes(),
           "digit": answer.digit, "confidence": answer.confidence,
           "probabilities": [round(float(p), 6) for p in answer.probabilities],
           "model": name, "model_version": registry.version(name), "submission": sub.submission}
    cfg = current_app.config
    new_id, created = store.add_drawing(engine(), s["id"], row, cfg["MAX_DRAWINGS_PER_STUDENT"],
                                        cfg["MAX_DRAWINGS_PER_SESSION"])
    if new_id is None:
        raise RequestError(429, "quota_reached",
                           "This class (or this student) has reached its number of drawings.")
    body = answer.as_json(name)
    body.update(id=new_id, label=sub.label, source=sub.source, correct=answer.digit == sub.label,
                duplicate=not created)
    # A retried submission already stored: 200 with the same id, never a second row.
    return json_response(body, 201 if created else 200)


@bp.get("/api/sessions/<code>/drawings")
def list_drawings(code: str):
    """At most 1,000 a page, oldest first: `?after=<last id>` for the next page."""
    require_presenter()
    s = session_or_404(code)
    after = request.args.get("after", "0")
    rows = store.list_drawings(engine(), s["id"], after=int(after) if after.isdigit() else 0)
    return json_response({"code": s["code"], "drawings": [drawing_json(r) for r in rows]})


@bp.get("/api/sessions/<code>/drawings/<int:drawing_id>")
def show_drawing(code: str, drawing_id: int):
    require_presenter()
    s = session_or_404(code)
    row = store.get_drawing(engine(), s["id"], drawing_id)
    if row is None:
        raise RequestError(404, "unknown_drawing", "No such drawing in this class.")
    out = drawing_json(row)
    out["png"] = "data:image/png;base64," + base64.b64encode(row["png"]).decode()
    return json_response(out)


CONNECTED_SECONDS = 60  # a student's page says it is there every 20 s


def stats_for(session_id: int) -> dict:
    c = store.counts(engine(), session_id)
    joined, connected = store.count_students(engine(), session_id, CONNECTED_SECONDS)
    return {**classroom.accuracy_table(c["per_digit"]), "students": max(joined, c["students"]),
            "students_drawing": c["students"], "connected": connected}


@bp.post("/api/sessions/<code>/students")
def student_here(code: str):
    """A student joins (or is still there): counted on the presenter's page before drawing."""
    s = session_or_404(code)
    if s["closed_at"] is not None:
        raise RequestError(409, "session_closed", "This class is closed.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RequestError(400, "invalid_json", 'Send {"student": "...", "nickname": "..."}.')
    try:
        student, nickname = classroom.parse_student(body)
    except classroom.Invalid as exc:
        raise RequestError(400, "invalid_request", str(exc)) from None
    limited(f"student:{s['id']}:{student}")
    store.seen(engine(), s["id"], student, nickname or None)
    return json_response(public_session(s))


@bp.get("/api/sessions/<code>/stats")
def stats(code: str):
    s = session_or_404(code)
    return json_response({"code": s["code"], **stats_for(s["id"])})


# --- the wall's live feed ---------------------------------------------------------------------
def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@bp.get("/api/sessions/<code>/events")
def events(code: str):
    """Server-sent events for the presenter's wall: each new drawing (with its 28x28), the stats
    and the most confident mistakes when they change. The database is the source (any worker may
    have stored a drawing); one cheap query per listener every half second, no client polling."""
    require_presenter()
    s = session_or_404(code)
    after = request.args.get("after") or request.headers.get("Last-Event-ID") or "0"
    cfg = current_app.config
    db = engine()

    def stream() -> Iterator[str]:
        last = int(after) if after.isdigit() else 0
        started = time.monotonic()
        beat = started
        yield "retry: 1000\n\n"
        changed = True
        while time.monotonic() - started < cfg["EVENTS_MAX_SECONDS"]:
            if store.find_session(db, s["code"]) is None:
                yield sse("deleted", {"code": s["code"]})
                return
            rows = store.list_drawings(db, s["id"], after=last, limit=200, with_input=True)
            for row in rows:
                last = row["id"]
                yield f"id: {last}\n" + sse("drawing", drawing_json(row))
            # Also every 5 s: students come and go without drawing.
            if rows or changed or time.monotonic() - beat > 5:
                yield sse("stats", {**stats_for(s["id"]), "mistakes": [
                    drawing_json(r) for r in store.confident_mistakes(db, s["id"])]})
                changed = False
                beat = time.monotonic()
            time.sleep(cfg["EVENTS_POLL_SECONDS"])

    return Response(stream_with_context(stream()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# --- export -----------------------------------------------------------------------------------
@bp.get("/api/sessions/<code>/export")
def export(code: str):
    """The session as a dataset: JSON lines (default) or ?format=npz, both readable by train.py."""
    require_presenter()
    s = session_or_404(code)
    rows = store.iter_export(engine(), s["id"])
    name = f"digitpad-{s['code']}"
    if request.args.get("format") == "npz":
        buf = io.BytesIO()
        classroom.write_dataset(rows, buf)
        return Response(buf.getvalue(), mimetype="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{name}.npz"'})

    def lines() -> Iterator[str]:
        for r in rows:
            x = np.frombuffer(r["input"], np.uint8).reshape(28, 28)
            yield json.dumps({
                **{k: r[k] for k in ("id", "label", "source", "student", "nickname", "digit",
                                     "confidence", "probabilities", "model", "model_version")},
                "created_at": r["created_at"].isoformat(),
                "input": x.tolist(),
                "png": base64.b64encode(r["png"]).decode(),
            }, separators=(",", ":")) + "\n"

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="{name}.jsonl"'})


# --- QR code ----------------------------------------------------------------------------------
@bp.get("/api/sessions/<code>/qr.svg")
def qr(code: str):
    import segno

    s = session_or_404(code)
    url = join_url(s["code"])
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=10, border=2, xmldecl=False,
                                    svgns=True, title=url)
    return Response(buf.getvalue(), mimetype="image/svg+xml")


def join_url(code: str) -> str:
    """The address students type or scan. Seen from the presenter's own laptop the host is
    127.0.0.1, which no phone can reach: then the machine's address on the network is used."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return f"{base.rstrip('/')}/join?code={code}"
    host = request.host
    name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    if name in ("127.0.0.1", "localhost", "[::1]"):
        from webapp.cli import lan_addresses

        addresses = lan_addresses()
        if addresses:
            host = f"{addresses[0]}:{port}" if port else addresses[0]
    return f"{request.scheme}://{host}/join?code={code}"


# --- teaching the network with the class's drawings ----------------------------------------------
def teach_error(exc: teach.CannotTeach) -> RequestError:
    return RequestError(exc.status, exc.code, str(exc))


def job_json(job: dict) -> dict:
    """A job's state for the page; when it is done, the new model's before/after."""
    out = dict(job)
    if job["status"] == "done":
        card = current_app.extensions["digitpad.registry"].card(job["model"])
        out["result"] = {k: card.get(k) for k in (
            "before", "after", "fixed", "broken", "extra_data", "training_seconds",
            "total_seconds", "recipe")}
    return out


def job_or_404(job_id: int) -> dict:
    try:
        return teach.status(engine(), job_id)
    except KeyError:
        raise RequestError(404, "unknown_job", "No such training job.") from None


@bp.post("/api/sessions/<code>/teach")
def start_teaching(code: str):
    require_presenter()
    s = session_or_404(code)
    cfg = current_app.config
    try:
        job = teach.start(engine(), s, Path(cfg["MODELS_DIR"]), Path(current_app.instance_path),
                          cfg["DEFAULT_MODEL"], cfg.get("TEACH_DATA"))
    except teach.CannotTeach as exc:
        raise teach_error(exc) from None
    return json_response(job_json(job), 202)


@bp.get("/api/sessions/<code>/jobs")
def list_jobs(code: str):
    require_presenter()
    s = session_or_404(code)
    return json_response({"jobs": [job_json(teach.status(engine(), j["id"]))
                                   for j in store.session_jobs(engine(), s["id"])]})


@bp.get("/api/jobs/<int:job_id>")
def show_job(job_id: int):
    require_presenter()
    return json_response(job_json(job_or_404(job_id)))


@bp.post("/api/jobs/<int:job_id>/cancel")
def cancel_job(job_id: int):
    require_presenter()
    job_or_404(job_id)
    return json_response(job_json(teach.cancel(engine(), job_id)))


@bp.get("/api/jobs/<int:job_id>/events")
def job_events(job_id: int):
    """The training's progress as server-sent events, until it ends."""
    require_presenter()
    job_or_404(job_id)
    db = engine()
    cfg = current_app.config

    def stream() -> Iterator[str]:
        sent = 0
        started = time.monotonic()
        while time.monotonic() - started < cfg["EVENTS_MAX_SECONDS"]:
            job = teach.status(db, job_id)
            for event in job["events"][sent:]:
                yield sse("progress", event)
            sent = len(job["events"])
            if job["status"] != "running":
                yield sse("end", {k: v for k, v in job.items() if k != "events"})
                return
            time.sleep(cfg["EVENTS_POLL_SECONDS"])

    return Response(stream_with_context(stream()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@bp.put("/api/sessions/<code>/model")
def choose_model(code: str):
    """Switch a class's pads to another model (a fine-tuned one, or null for the default): every
    worker reads it with the session on the next request, no restart."""
    require_presenter()
    s = session_or_404(code)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not (body.get("model") is None or isinstance(body["model"], str)):
        raise RequestError(400, "invalid_request", 'Send {"model": "class-ab12"} or {"model": null}.')
    name = body.get("model")
    if name is not None:
        model_named(name)  # 404 for an unknown model, before anything changes
    store.set_session_model(engine(), s["id"], name)
    return json_response(public_session(store.find_session(engine(), s["code"])))


@bp.delete("/api/models/<name>")
def delete_model(name: str):
    require_presenter()
    if not current_app.extensions["digitpad.registry"].exists(name):
        raise RequestError(404, "unknown_model", f"No model named {name[:80]!r}.")
    if name == current_app.config["DEFAULT_MODEL"]:
        raise RequestError(403, "protected_model", "The default model cannot be deleted.")
    try:
        teach.delete_model(Path(current_app.config["MODELS_DIR"]), name)
    except teach.CannotTeach as exc:
        raise teach_error(exc) from None
    store.forget_model(engine(), name)
    return json_response({"deleted": name})
