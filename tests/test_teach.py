"""Teaching the network with a class's drawings: the rules (unit), the honest split, and the whole
flow through the API with a real fine-tuning process (slow)."""

from __future__ import annotations

import io
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import drawing_png
from webapp import create_app, store, teach
from webapp.training import finetune
from webapp.training.drawings import place

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "teach-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SLICE = str(ROOT / "tests" / "data" / "mnist-slice.npz")


@pytest.fixture()
def models(tmp_path):
    """A models folder of our own: the shipped models copied, so nothing here touches models/."""
    folder = tmp_path / "models"
    folder.mkdir()
    for f in (ROOT / "models").glob("*"):
        if f.suffix in (".keras", ".tflite", ".json"):
            shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture()
def app(models, tmp_path):
    return create_app({"TESTING": True, "PRESENTER_TOKEN": TOKEN, "MODELS_DIR": str(models),
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'teach.sqlite3'}",
                       "TEACH_DATA": SLICE, "EVENTS_POLL_SECONDS": 0.1, "SUBMIT_RATE": 1000.0})


@pytest.fixture()
def client(app):
    return app.test_client()


def open_class(client) -> str:
    return client.post("/api/sessions", headers=AUTH).get_json()["code"]


def send_class(client, code, real_sample, students=4, per_digit=6) -> int:
    """Real pen-drawn digits sent as a few students would send them."""
    sent = 0
    for digit in range(10):
        mine = [d for d in real_sample if d.label == digit][:per_digit]
        for k, d in enumerate(mine):
            resp = client.post(f"/api/sessions/{code}/drawings", data={
                "image": (io.BytesIO(drawing_png(place(d.strokes, 0.6, 0.5, 0.5))), "d.png"),
                "label": str(digit), "student": f"s{k % students}"},
                content_type="multipart/form-data")
            assert resp.status_code == 201, resp.data
            sent += 1
    return sent


# --- the rules ----------------------------------------------------------------------------------
def test_too_few_drawings_or_digits_missing_do_not_start(client, real_sample):
    code = open_class(client)
    resp = client.post(f"/api/sessions/{code}/teach", headers=AUTH)
    assert resp.status_code == 400 and resp.get_json()["error"] == "not_enough_drawings"
    for d in [d for d in real_sample if d.label != 9][:40]:
        client.post(f"/api/sessions/{code}/drawings", data=drawing_png(place(d.strokes, .6, .5, .5)),
                    content_type="image/png", query_string={"label": d.label, "student": "a"})
    resp = client.post(f"/api/sessions/{code}/teach", headers=AUTH)
    assert resp.status_code == 400 and resp.get_json()["error"] == "digits_missing"
    assert "9" in resp.get_json()["message"]
    assert client.get(f"/api/sessions/{code}/jobs", headers=AUTH).get_json()["jobs"] == []
    assert client.post(f"/api/sessions/{code}/teach").status_code == 401  # presenter only


def test_the_split_is_by_student():
    rng = np.random.default_rng(0)
    writers = np.array([f"w{k % 12}" for k in range(240)])
    extra = finetune.Extra(rng.integers(0, 255, (240, 28, 28), dtype=np.uint8),
                           np.arange(240) % 10, writers, np.arange(240).astype(str))
    train, held, unseen = finetune.split_by_writer(extra)
    assert len(train) + len(held) + len(unseen) == 240
    assert set(writers[unseen]).isdisjoint(writers[train]) and set(writers[unseen])
    assert set(writers[held]) <= set(writers[train])  # held back from students trained on
    assert len(set(writers[unseen])) == 3  # a quarter of 12
    again = finetune.split_by_writer(extra)
    assert all(np.array_equal(a, b) for a, b in zip((train, held, unseen), again))


def test_not_enough_data_is_refused_by_the_trainer_too():
    extra = finetune.Extra(np.zeros((20, 28, 28), np.uint8), np.arange(20) % 10,
                           np.array(["a", "b"] * 10), np.arange(20).astype(str))
    with pytest.raises(finetune.NotEnoughData, match="at least 30"):
        finetune.check_enough(extra)
    extra = finetune.Extra(np.zeros((40, 28, 28), np.uint8), np.arange(40) % 9,
                           np.array(["a", "b"] * 20), np.arange(40).astype(str))
    with pytest.raises(finetune.NotEnoughData, match="no drawings of 9"):
        finetune.check_enough(extra)


def test_extra_data_in_every_format(client, real_sample, tmp_path):
    code = open_class(client)
    send_class(client, code, real_sample, per_digit=1)
    jsonl = tmp_path / "class.jsonl"
    jsonl.write_bytes(client.get(f"/api/sessions/{code}/export", headers=AUTH).data)
    npz = tmp_path / "class.npz"
    npz.write_bytes(client.get(f"/api/sessions/{code}/export?format=npz", headers=AUTH).data)
    a, b = finetune.load_extra(jsonl), finetune.load_extra(npz)
    assert len(a) == len(b) == 10 and np.array_equal(a.x, b.x) and list(a.y) == list(range(10))
    assert list(a.writer) == list(b.writer)
    strokes = finetune.load_extra(ROOT / "tests" / "data" / "real_sample.jsonl.gz")
    assert len(strokes) == 200 and strokes.x.dtype == np.uint8 and strokes.x.max() == 255


def test_measure_inputs_are_what_the_benchmark_sees():
    """data/unipen/measure-inputs.npz must not go stale: a sample of it is made again here."""
    import io as _io

    from webapp import preprocess
    from webapp.training import drawings

    with np.load(finetune.MEASURE_INPUTS) as f:
        x, y, w, p = f["x"], f["y"], f["writer"], f["placement"]
    assert len(y) == 7080
    chosen = [d for d in drawings.load_drawings(finetune.UNIPEN)
              if drawings.writer_split(d.writer) == "measure"]
    for k, (d, _s, img) in enumerate(drawings.renders(chosen, "small", seed=0)):
        if k % 200:
            continue
        buf = _io.BytesIO()
        img.save(buf, "PNG")
        row = np.flatnonzero(p == "small")[k]
        assert y[row] == d.label and w[row] == d.writer
        assert np.array_equal(x[row], np.rint(preprocess.preprocess(buf.getvalue()) * 1000))


def test_shipped_models_can_never_be_deleted_or_overwritten(client, models):
    assert client.delete("/api/models/cnn", headers=AUTH).status_code == 403
    assert client.delete("/api/models/baseline", headers=AUTH).status_code == 403
    assert client.delete("/api/models/nope", headers=AUTH).status_code == 404
    assert client.delete("/api/models/cnn").status_code == 401
    assert (models / "cnn.tflite").is_file() and (models / "baseline.tflite").is_file()
    assert teach.model_name("AB12") == "class-ab12"  # the only names a job ever writes


def test_switching_a_class_to_another_model(client, models, real_sample):
    code = open_class(client)
    for suffix in (".keras", ".tflite", ".json"):  # a stand-in "fine-tuned" model
        shutil.copy(models / f"baseline{suffix}", models / f"class-zz99{suffix}")
    assert client.put(f"/api/sessions/{code}/model", json={"model": "nope"},
                      headers=AUTH).status_code == 404
    resp = client.put(f"/api/sessions/{code}/model", json={"model": "class-zz99"}, headers=AUTH)
    assert resp.get_json()["model"] == "class-zz99"
    assert client.get(f"/api/sessions/{code}").get_json()["model"] == "class-zz99"
    d = real_sample[0]
    answer = client.post(f"/api/sessions/{code}/drawings", data=drawing_png(place(d.strokes, .6, .5, .5)),
                         content_type="image/png", query_string={"label": d.label}).get_json()
    assert answer["model"] == "class-zz99"
    assert client.delete("/api/models/class-zz99", headers=AUTH).status_code == 200
    assert not (models / "class-zz99.tflite").exists()
    assert client.get(f"/api/sessions/{code}").get_json()["model"] == "cnn"  # back to default


def test_a_second_job_waits_for_the_first(app, client, real_sample):
    code = open_class(client)
    send_class(client, code, real_sample)
    engine = app.extensions["digitpad.db"]
    s = store.find_session(engine, code)
    first = store.start_job(engine, s["id"], "class-x", "cnn", "/nonexistent")
    store.set_job(engine, first, pid=1)  # "running" as far as the database knows (pid 1 lives)
    resp = client.post(f"/api/sessions/{code}/teach", headers=AUTH)
    assert resp.status_code == 409 and resp.get_json()["error"] == "busy"


def test_a_crashed_or_orphaned_job_never_stays_running(app, client, real_sample, tmp_path):
    code = open_class(client)
    engine = app.extensions["digitpad.db"]
    s = store.find_session(engine, code)
    job = store.start_job(engine, s["id"], "class-x", "cnn", str(tmp_path))
    store.set_job(engine, job, pid=2 ** 22 + 12345)  # no such process: it crashed
    assert teach.status(engine, job)["status"] == "failed"
    assert "stopped unexpectedly" in store.get_job(engine, job)["error"]
    # A server that restarts finds jobs its predecessor left running, and ends them.
    job = store.start_job(engine, s["id"], "class-x", "cnn", str(tmp_path))
    store.set_job(engine, job, pid=2 ** 22 + 12346)
    create_app({"TESTING": True, "DATABASE_URL": str(engine.url)})
    assert store.get_job(engine, job)["status"] == "failed"
    assert "restarted" in store.get_job(engine, job)["error"]


# --- the whole flow, with a real fine-tuning process ---------------------------------------------
def wait_done(client, job_id, seconds=180) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=AUTH).get_json()
        if job["status"] != "running":
            return job
        time.sleep(0.5)
    raise AssertionError("the job never ended")


@pytest.mark.slow
def test_teach_a_class_and_switch_its_pads(client, models, real_sample):
    code = open_class(client)
    send_class(client, code, real_sample)
    resp = client.post(f"/api/sessions/{code}/teach", headers=AUTH)
    assert resp.status_code == 202, resp.data
    job = wait_done(client, resp.get_json()["id"])
    assert job["status"] == "done", job
    kinds = [e["event"] for e in job["events"]]
    assert kinds[:2] == ["start", "before"] and "epoch" in kinds and kinds[-1] == "done"
    result = job["result"]
    assert set(result["before"]) == set(result["after"]) >= {"held_back", "unseen_students",
                                                              "mnist_test", "real_drawings"}
    assert result["extra_data"]["drawings"] == 60 and result["extra_data"]["unseen_students"] == 1
    name = f"class-{code.lower()}"
    assert (models / f"{name}.tflite").is_file() and (models / f"{name}.keras").is_file()
    assert not list(models.glob(".*tmp*"))  # nothing half-written left behind
    text = client.get(f"/api/jobs/{job['id']}/events", headers=AUTH).get_data(as_text=True)
    assert "event: progress" in text and "event: end" in text
    client.put(f"/api/sessions/{code}/model", json={"model": name}, headers=AUTH)
    d = real_sample[3]
    answer = client.post(f"/api/sessions/{code}/drawings", data=drawing_png(place(d.strokes, .6, .5, .5)),
                         content_type="image/png", query_string={"label": d.label}).get_json()
    assert answer["model"] == name and answer["digit"] == d.label


@pytest.mark.slow
def test_a_cancelled_or_failing_job_leaves_the_served_model_untouched(app, client, models,
                                                                      real_sample):
    code = open_class(client)
    send_class(client, code, real_sample)
    shipped = (models / "cnn.tflite").read_bytes()
    job = client.post(f"/api/sessions/{code}/teach", headers=AUTH).get_json()
    done = client.post(f"/api/jobs/{job['id']}/cancel", headers=AUTH).get_json()
    assert done["status"] == "cancelled"
    time.sleep(1)
    assert not (models / f"class-{code.lower()}.tflite").exists()
    # A training process that fails (here: MNIST for the replay is not MNIST) is reported.
    bad = Path(app.instance_path) / "not-mnist.npz"
    np.savez(bad, x_train=np.zeros((3, 9, 9), np.uint8))
    app.config["TEACH_DATA"] = str(bad)
    job = client.post(f"/api/sessions/{code}/teach", headers=AUTH).get_json()
    failed = wait_done(client, job["id"])
    assert failed["status"] == "failed" and failed["error"]
    assert (models / "cnn.tflite").read_bytes() == shipped
    assert not (models / f"class-{code.lower()}.tflite").exists()
    assert json.loads((models / "cnn.json").read_text())["name"] == "cnn"


class Stop(Exception):
    pass


def test_teaching_moves_drawings_as_the_models_own_training_did(models, monkeypatch):
    """A model trained with other augmentation ranges is taught with those, not the shipped ones;
    ranges this code cannot apply are refused before anything is trained."""
    from dataclasses import asdict

    from webapp.training import pipeline, warps

    card = json.loads((models / "cnn.json").read_text())
    card["augmentation"] = {"warp": "gentle", **asdict(warps.WARPS["gentle"])}
    (models / "cnn.json").write_text(json.dumps(card))
    seen = []

    def stop_at_the_pipeline(*args, warp=pipeline.SHIPPED_WARP, **kwargs):
        seen.append(warp)
        raise Stop

    monkeypatch.setattr(pipeline, "pipeline", stop_at_the_pipeline)
    sample = ROOT / "tests" / "data" / "real_sample.jsonl.gz"
    with pytest.raises(Stop):
        finetune.run(models / "cnn.keras", [str(sample)], models / "taught.keras", data=SLICE,
                     emit=lambda event: None)
    assert seen == [warps.WARPS["gentle"]]

    card["augmentation"] = {"swirl": 2.0}
    (models / "cnn.json").write_text(json.dumps(card))
    loaded = []
    monkeypatch.setattr(finetune, "measure_inputs", lambda *a: loaded.append(a))
    with pytest.raises(ValueError, match="swirl"):
        finetune.run(models / "cnn.keras", [str(sample)], models / "taught.keras", data=SLICE,
                     emit=lambda event: None)
    assert not loaded  # refused before the model and the data were loaded
