"""train.py with tf.distribute on this GPU-less machine: MirroredStrategy over two logical CPU
devices, MultiWorkerMirroredStrategy with two local worker processes (TF_CONFIG, loopback), and a
multi-worker run killed mid-training that resumes from its BackupAndRestore checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.serving import free_port
from webapp import classifier

ROOT = Path(__file__).resolve().parent.parent
SLICE = "tests/data/mnist-slice.npz"
QUICK = ["--limit", "2000", "--real", "none", "--no-augment", "--data", SLICE, "--device", "cpu",
         "--seed", "3"]
pytestmark = pytest.mark.slow


def env(tmp_path, **extra) -> dict:
    return {**os.environ, "DIGITPAD_CACHE": str(tmp_path / "cache"), "CUDA_VISIBLE_DEVICES": "",
            "PYTHONUNBUFFERED": "1", **extra}


def train(*args, tmp_path, extra_env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "train.py"), *args], cwd=ROOT,
                          env=env(tmp_path, **(extra_env or {})), capture_output=True, text=True,
                          timeout=timeout)


def served_accuracy(folder: Path, name: str) -> float:
    """The model as the server loads it (LiteRT), on the committed MNIST slice."""
    clf = classifier.load(folder, name, "litert")
    with np.load(ROOT / SLICE) as f:
        x, y = f["x_test"].astype(np.float32) / 255, f["y_test"]
    return float(np.mean([clf.predict(i).argmax() == t for i, t in zip(x, y)]))


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("single")
    done = train(*QUICK, "--epochs", "3", "--batch-size", "64", "--out", str(tmp / "one.keras"),
                 tmp_path=tmp)
    assert done.returncode == 0, done.stderr[-2000:]
    return served_accuracy(tmp, "one")


def test_mirrored_over_two_logical_cpus(tmp_path, single):
    done = train(*QUICK, "--epochs", "3", "--batch-size", "32", "--strategy", "mirrored",
                 "--devices", "cpu:2", "--out", str(tmp_path / "mirrored.keras"), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "MirroredStrategy over" in done.stdout and "(2 replicas)" in done.stdout
    card = json.loads((tmp_path / "mirrored.json").read_text())
    assert card["strategy"]["replicas"] == 2 and card["strategy"]["global_batch"] == 64
    # The same data and global batch as the single-device run: within 4 points on 1,000 images.
    accuracy = served_accuracy(tmp_path, "mirrored")
    assert abs(accuracy - single) <= 0.04, (accuracy, single)


def workers(tmp_path, out: Path, epochs: int, backup: Path) -> list[subprocess.Popen]:
    ports = [free_port(), free_port()]
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = []
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        log = open(tmp_path / f"worker{index}.log", "a")  # noqa: SIM115 (closed with the process)
        procs.append(subprocess.Popen(
            [sys.executable, str(ROOT / "train.py"), *QUICK, "--epochs", str(epochs),
             "--batch-size", "32", "--strategy", "multiworker", "--backup-dir", str(backup),
             "--out", str(out), "--force"],
            cwd=ROOT, env=env(tmp_path, TF_CONFIG=tf_config), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True))
    return procs


def wait_all(procs, seconds=300) -> list[int]:
    deadline = time.monotonic() + seconds
    for p in procs:
        p.wait(max(1, deadline - time.monotonic()))
    return [p.returncode for p in procs]


def test_two_workers_on_loopback(tmp_path, single):
    out = tmp_path / "multi.keras"
    codes = wait_all(workers(tmp_path, out, 3, tmp_path / "backup"))
    logs = [(tmp_path / f"worker{i}.log").read_text() for i in range(2)]
    assert codes == [0, 0], logs[0][-2000:] + logs[1][-2000:]
    assert "MultiWorkerMirroredStrategy, 2 workers" in logs[0]
    assert "the chief writes the model" in logs[1]  # only worker 0 writes
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["strategy"]["replicas"] == 2
    assert abs(served_accuracy(tmp_path, "multi") - single) <= 0.04
    assert not (tmp_path / "backup").exists()  # removed once training completed


def test_a_killed_worker_resumes_from_the_checkpoint(tmp_path):
    out = tmp_path / "resumed.keras"
    backup = tmp_path / "backup"
    procs = workers(tmp_path, out, 4, backup)
    log0 = tmp_path / "worker0.log"
    deadline = time.monotonic() + 240
    while "Epoch 3/4" not in (log0.read_text() if log0.exists() else ""):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), \
            log0.read_text()[-2000:]
        time.sleep(0.2)
    os.killpg(procs[1].pid, signal.SIGKILL)  # a worker dies; the cluster is stopped and restarted
    os.killpg(procs[0].pid, signal.SIGKILL)
    for p in procs:
        p.wait()
    assert backup.exists() and not out.exists()
    for i in range(2):
        (tmp_path / f"worker{i}.log").write_text("")
    codes = wait_all(workers(tmp_path, out, 4, backup))
    log = log0.read_text()
    assert codes == [0, 0], log[-2000:]
    # Resumed from the chief's last checkpoint (after epoch 2 or 3: the kill came right after
    # epoch 3 ended), never from the start.
    assert "Resumed from" in log and "Epoch 1/4" not in log and "Epoch 4/4" in log
    assert out.is_file() and served_accuracy(tmp_path, "resumed") > 0.5


def test_gpu_check_says_plainly_when_there_is_no_gpu(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_check.py")], cwd=ROOT,
                          env=env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "No GPU is visible" in done.stderr
    assert "Devices:" in done.stdout


def test_gpu_check_says_plainly_when_tensorflow_is_missing(tmp_path):
    """A GPU machine with JAX or PyTorch but no TensorFlow (the one lent to this project): a
    sentence and status 2, not a traceback."""
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "tensorflow.py").write_text("raise ImportError('not installed here')\n")
    run_env = {**env(tmp_path), "PYTHONPATH": str(hide)}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_check.py")], cwd=ROOT,
                          env=run_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "TensorFlow is not installed here" in done.stderr and "training_speed.py" in done.stderr
