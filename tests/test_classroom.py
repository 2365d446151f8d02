"""The classroom API: sessions, submissions in the three forms, the presenter's rights, limits,
export, deletion. Every test runs on SQLite and on a real PostgreSQL server (the `db` fixture)."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest

from tests.helpers import drawing_png
from webapp import classroom, create_app, store
from webapp.training.drawings import place

TOKEN = "test-presenter-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_app(db, **config):
    return create_app({"TESTING": True, "PRESENTER_TOKEN": TOKEN, "DATABASE_URL": db, **config})


@pytest.fixture()
def class_app(db):
    return make_app(db)


@pytest.fixture()
def cc(class_app):
    return class_app.test_client()


@pytest.fixture(scope="module")
def digits(real_sample_module):
    """One real pen-drawn digit of each kind, as the page uploads it."""
    out = {}
    for d in real_sample_module:
        if d.label not in out:
            out[d.label] = drawing_png(place(d.strokes, 0.6, 0.5, 0.5))
    return out


@pytest.fixture(scope="module")
def real_sample_module():
    from webapp.training.drawings import load_drawings

    return load_drawings("tests/data/real_sample.jsonl.gz")


def new_session(cc) -> str:
    resp = cc.post("/api/sessions", headers=AUTH)
    assert resp.status_code == 201, resp.data
    code = resp.get_json()["code"]
    assert classroom.CODE.match(code)
    return code


def submit(cc, code, png, label, form="multipart", **fields):
    fields = {"label": label, "source": "prompted", "student": "s1", **fields}
    if form == "multipart":
        data = {k: str(v) for k, v in fields.items()}
        data["image"] = (io.BytesIO(png), "d.png")
        return cc.post(f"/api/sessions/{code}/drawings", data=data,
                       content_type="multipart/form-data")
    if form == "json":
        return cc.post(f"/api/sessions/{code}/drawings", json={
            "image": "data:image/png;base64," + base64.b64encode(png).decode(), **fields})
    return cc.post(f"/api/sessions/{code}/drawings", data=png, content_type="image/png",
                   query_string=fields)


def test_presenter_actions_need_the_token(cc):
    for method, path in (("post", "/api/sessions"), ("get", "/api/sessions")):
        resp = getattr(cc, method)(path)
        assert resp.status_code == 401 and resp.get_json()["error"] == "unauthorized"
        assert "Bearer" in resp.headers["WWW-Authenticate"]
        resp = getattr(cc, method)(path, headers={"Authorization": "Bearer wrong"})
        assert resp.status_code == 401
    code = new_session(cc)
    for method, path in (("delete", f"/api/sessions/{code}"),
                         ("get", f"/api/sessions/{code}/drawings"),
                         ("get", f"/api/sessions/{code}/export"),
                         ("get", f"/api/sessions/{code}/events"),
                         ("post", f"/api/sessions/{code}/close"),
                         ("get", f"/api/sessions/{code}/drawings/1")):
        assert getattr(cc, method)(path).status_code == 401, path
    assert cc.get(f"/api/sessions/{code}").status_code == 200  # students may check a code


def test_without_a_configured_token_nobody_is_the_presenter(db):
    app = make_app(db, PRESENTER_TOKEN=None)
    resp = app.test_client().post("/api/sessions", headers={"Authorization": "Bearer "})
    assert resp.status_code == 401


def test_a_class_in_the_three_forms(cc, digits):
    code = new_session(cc)
    answers = []
    for form, digit in (("multipart", 3), ("json", 7), ("raw", 2)):
        resp = submit(cc, code, digits[digit], digit, form=form, nickname="민지")
        assert resp.status_code == 201, resp.data
        body = resp.get_json()
        assert body["digit"] == digit and body["correct"] is True and body["id"] > 0
        answers.append(body)
    wrong = submit(cc, code, digits[1], 4, source="corrected").get_json()
    assert wrong["correct"] is False and wrong["label"] == 4
    rows = cc.get(f"/api/sessions/{code}/drawings", headers=AUTH).get_json()["drawings"]
    assert [r["label"] for r in rows] == [3, 7, 2, 4]
    assert rows[0]["nickname"] == "민지" and rows[3]["source"] == "corrected"
    assert "png" not in rows[0] and "input" not in rows[0]
    stats = cc.get(f"/api/sessions/{code}/stats").get_json()
    assert stats["drawings"] == 4 and stats["right"] == 3 and stats["students"] == 1
    assert stats["per_digit"]["4"] == {"drawings": 1, "right": 0, "accuracy": 0.0}
    one = cc.get(f"/api/sessions/{code}/drawings/{answers[0]['id']}", headers=AUTH).get_json()
    assert one["png"].startswith("data:image/png;base64,")
    stored = np.frombuffer(base64.b64decode(one["input"]), np.uint8).reshape(28, 28)
    assert np.abs(stored / 255 - np.array(answers[0]["input"])).max() < 0.003


@pytest.mark.parametrize("fields, message", [
    ({"label": 10}, "label"), ({"label": -1}, "label"), ({"label": "seven"}, "label"),
    ({"label": True}, "label"), ({"source": "guess"}, "source"), ({"student": "a b"}, "student"),
    ({"student": "x" * 65}, "student")])
def test_bad_submissions_are_400(cc, digits, fields, message):
    code = new_session(cc)
    fields = dict(fields)  # the parameter is shared between the two databases
    resp = submit(cc, code, digits[3], fields.pop("label", 3), form="json", **fields)
    assert resp.status_code == 400 and message in resp.get_json()["message"]


def test_unknown_and_closed_sessions(cc, digits):
    assert submit(cc, "ZZZZ", digits[3], 3).status_code == 404
    assert submit(cc, "../x", digits[3], 3).status_code == 404
    code = new_session(cc)
    assert cc.post(f"/api/sessions/{code}/close", headers=AUTH).get_json()["open"] is False
    resp = submit(cc, code, digits[3], 3)
    assert resp.status_code == 409 and resp.get_json()["error"] == "session_closed"


def test_upload_errors_are_those_of_predict(cc):
    code = new_session(cc)
    assert submit(cc, code, b"not an image", 3).status_code == 400
    blank = io.BytesIO()
    from PIL import Image

    Image.new("RGBA", (60, 60)).save(blank, "PNG")
    resp = submit(cc, code, blank.getvalue(), 3)
    assert resp.status_code == 422 and resp.get_json()["error"] == "empty_drawing"
    resp = cc.post(f"/api/sessions/{code}/drawings", data="x", content_type="text/plain")
    assert resp.status_code == 415
    assert store.count_drawings(cc.application.extensions["digitpad.db"]) == 0


def test_nicknames_are_bounded_and_stored_as_text(cc, digits):
    code = new_session(cc)
    nick = '<img src=x onerror=alert(1)>\u202eabc\x00'
    submit(cc, code, digits[3], 3, form="json", nickname=nick)
    row = cc.get(f"/api/sessions/{code}/drawings", headers=AUTH).get_json()["drawings"][0]
    assert row["nickname"] == "<img src=x onerror=al"[:20] and len(row["nickname"]) <= 20
    assert "\x00" not in row["nickname"] and "\u202e" not in row["nickname"]


def test_rate_limit_per_student_and_address(db, digits):
    app = make_app(db, SUBMIT_RATE=2.0, SUBMIT_RATE_PER_ADDRESS=3.0)
    # The limiters' clocks stand still: on a slow machine the seven stored drawings took over a
    # third of a second and the address's bucket refilled a token mid-test (a flaky 201 for 429).
    for which in ("digitpad.limiter", "digitpad.address_limiter"):
        app.extensions[which].clock = lambda: 1000.0
    cc = app.test_client()
    code = new_session(cc)
    statuses = [submit(cc, code, digits[3], 3, student="alone").status_code for k in range(5)]
    assert statuses == [201] * 4 + [429]  # one student: a burst of 2 x rate
    others = [submit(cc, code, digits[3], 3, student=f"s{k}").status_code for k in range(2)]
    assert others == [201, 429]  # the address: 6 requests in a burst, whoever sends them
    resp = submit(cc, code, digits[3], 3, student="late")
    assert resp.get_json()["error"] == "too_many_requests" and resp.headers["Retry-After"] == "1"


def test_limiter_refills():
    limiter = classroom.RateLimiter(rate=5, burst=5)
    assert all(limiter.allow("k", now=0.0) for _ in range(5))
    assert not limiter.allow("k", now=0.0)
    assert limiter.allow("k", now=0.25)  # 0.25 s at 5/s gives one more


def test_the_store_is_capped_per_student_and_session(db, digits):
    app = make_app(db, MAX_DRAWINGS_PER_STUDENT=2, MAX_DRAWINGS_PER_SESSION=3)
    cc = app.test_client()
    code = new_session(cc)
    got = [submit(cc, code, digits[3], 3, student="a").status_code for _ in range(3)]
    assert got == [201, 201, 429]
    assert submit(cc, code, digits[3], 3, student="b").status_code == 201
    resp = submit(cc, code, digits[3], 3, student="c")
    assert resp.status_code == 429 and resp.get_json()["error"] == "quota_reached"


def test_export_jsonl_and_npz(cc, digits):
    code = new_session(cc)
    for d in (0, 5, 9):
        submit(cc, code, digits[d], d)
    resp = cc.get(f"/api/sessions/{code}/export", headers=AUTH)
    assert resp.status_code == 200 and resp.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    assert [x["label"] for x in lines] == [0, 5, 9]
    assert np.array(lines[0]["input"]).shape == (28, 28)
    assert base64.b64decode(lines[0]["png"]).startswith(b"\x89PNG")
    npz = np.load(io.BytesIO(cc.get(f"/api/sessions/{code}/export?format=npz",
                                    headers=AUTH).data))
    assert npz["x"].shape == (3, 28, 28) and npz["x"].dtype == np.uint8
    assert list(npz["y"]) == [0, 5, 9] and list(npz["student"]) == ["s1"] * 3
    assert np.array_equal(npz["x"][1], np.array(lines[1]["input"], np.uint8))


def test_delete_removes_the_session_and_its_drawings_only(cc, digits):
    keep, drop = new_session(cc), new_session(cc)
    submit(cc, keep, digits[1], 1)
    submit(cc, drop, digits[2], 2)
    submit(cc, drop, digits[3], 3)
    resp = cc.delete(f"/api/sessions/{drop}", headers=AUTH)
    assert resp.get_json()["drawings_deleted"] == 2
    assert cc.get(f"/api/sessions/{drop}").status_code == 404
    assert cc.get(f"/api/sessions/{keep}/stats").get_json()["drawings"] == 1
    assert store.count_drawings(cc.application.extensions["digitpad.db"]) == 1


def test_one_session_never_shows_another_sessions_drawings(cc, digits):
    a, b = new_session(cc), new_session(cc)
    first = submit(cc, a, digits[4], 4).get_json()["id"]
    assert cc.get(f"/api/sessions/{b}/drawings/{first}", headers=AUTH).status_code == 404
    assert cc.get(f"/api/sessions/{b}/drawings", headers=AUTH).get_json()["drawings"] == []


def test_the_wall_feed_streams_drawings_and_stats(db, digits):
    app = make_app(db, EVENTS_MAX_SECONDS=0.3, EVENTS_POLL_SECONDS=0.05)
    cc = app.test_client()
    code = new_session(cc)
    first = submit(cc, code, digits[6], 6, nickname="<b>x</b>").get_json()
    text = cc.get(f"/api/sessions/{code}/events", headers=AUTH).get_data(as_text=True)
    assert f"id: {first['id']}" in text and "event: drawing" in text and "event: stats" in text
    drawing = json.loads(text.split("event: drawing\ndata: ")[1].split("\n")[0])
    assert drawing["nickname"] == "<b>x</b>" and len(base64.b64decode(drawing["input"])) == 784
    # A mistake comes with its 28x28 too: the wall draws it (it once failed without one).
    wrong = submit(cc, code, digits[1], 4).get_json()
    text = cc.get(f"/api/sessions/{code}/events", headers=AUTH).get_data(as_text=True)
    stats = json.loads(text.split("event: stats\ndata: ")[-1].split("\n")[0])
    assert [m["id"] for m in stats["mistakes"]] == [wrong["id"]]
    assert len(base64.b64decode(stats["mistakes"][0]["input"])) == 784
    later = cc.get(f"/api/sessions/{code}/events?after={wrong['id']}", headers=AUTH)
    assert "event: drawing" not in later.get_data(as_text=True)
    cc.delete(f"/api/sessions/{code}", headers=AUTH)


def test_qr_code_is_an_svg_of_the_join_url(cc):
    code = new_session(cc)
    resp = cc.get(f"/api/sessions/{code}/qr.svg", base_url="http://192.168.1.20:8000")
    assert resp.mimetype == "image/svg+xml" and b"<svg" in resp.data
    assert f"http://192.168.1.20:8000/join?code={code}".encode() in resp.data  # in its <title>


def test_schema_is_migrated_by_the_app(db):
    app = make_app(db)
    engine = app.extensions["digitpad.db"]
    assert store.schema_version(engine) == "0004"
    make_app(db)  # a second start (another worker, a restart) migrates nothing twice
    assert store.schema_version(engine) == "0004"
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_old_sessions_are_purged_at_start(db, digits):
    app = make_app(db)
    cc = app.test_client()
    code = new_session(cc)
    submit(cc, code, digits[1], 1)
    make_app(db, RETENTION_DAYS=-1)  # everything is older than "tomorrow"
    assert store.count_drawings(app.extensions["digitpad.db"]) == 0


def test_an_older_schema_is_upgraded_with_its_drawings(db):
    """A database made by the first version of the classroom (0001) is upgraded at start to the
    newest schema, and its drawings are all still there."""
    import datetime as dt

    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    engine = store.connect(db)
    cfg = Config()
    cfg.set_main_option("script_location", "webapp/migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    now = dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO class_sessions (code, created_at) VALUES ('AB23', :t)"),
                     {"t": now})
        conn.execute(sa.text(
            "INSERT INTO drawings (session_id, student, nickname, label, source, png, input, digit,"
            " confidence, probabilities, model, model_version, created_at) VALUES ((SELECT id FROM"
            " class_sessions), 's', 'n', 3, 'prompted', :png, :x, 3, 0.9, :p, 'cnn', 'v', :t)"),
            {"png": b"png", "x": bytes(784), "p": json.dumps([0.1] * 10), "t": now})
    engine.dispose()
    app = make_app(db)
    assert store.schema_version(app.extensions["digitpad.db"]) == "0004"
    rows = app.test_client().get("/api/sessions/AB23/drawings", headers=AUTH).get_json()
    assert [r["label"] for r in rows["drawings"]] == [3]


def test_a_retried_submission_is_stored_once(cc, digits):
    code = new_session(cc)
    first = submit(cc, code, digits[8], 8, submission="abc-123")
    again = submit(cc, code, digits[8], 8, submission="abc-123")
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["duplicate"]
    other = submit(cc, code, digits[8], 8, submission="abc-124")
    assert other.status_code == 201
    assert cc.get(f"/api/sessions/{code}/stats").get_json()["drawings"] == 2


def test_students_who_joined_count_before_they_draw(cc, digits):
    code = new_session(cc)
    for k in range(3):
        resp = cc.post(f"/api/sessions/{code}/students", json={"student": f"p{k}", "nickname": "x"})
        assert resp.status_code == 200 and resp.get_json()["code"] == code
    assert cc.post(f"/api/sessions/{code}/students", json={"student": "a b"}).status_code == 400
    assert cc.post("/api/sessions/ZZZZ/students", json={"student": "p1"}).status_code == 404
    submit(cc, code, digits[2], 2, student="p0")  # the same student, drawing: still 3
    stats = cc.get(f"/api/sessions/{code}/stats").get_json()
    assert stats["students"] == 3 and stats["connected"] == 3 and stats["students_drawing"] == 1
