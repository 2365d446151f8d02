"""`digitpad run | serve | camp`: the start a presenter types, on any OS."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.serving import free_port
from tests.helpers import drawing_png
from webapp import cli
from webapp.training.drawings import place

ROOT = Path(__file__).resolve().parent.parent


def test_lan_addresses_are_reachable_ones():
    found = cli.lan_addresses()
    assert all(a.count(".") == 3 for a in found)
    assert not any(a.startswith(("127.", "169.254.")) for a in found)


def test_banner_gives_the_student_and_presenter_urls_and_a_qr_code():
    text = cli.banner("0.0.0.0", 8000, "tok123", ["192.168.0.7", "10.0.0.2"])
    assert "http://192.168.0.7:8000/join" in text and "http://10.0.0.2:8000/join" in text
    assert "http://192.168.0.7:8000/present#token=tok123" in text
    assert "hotspot" in text
    assert "█" in text or "▀" in text  # the QR code, in block characters


def test_the_terminal_qr_code_decodes_to_the_url():
    import segno

    qr = segno.make("http://192.168.0.7:8000/join", error="m")
    rows = qr.symbol_size(border=2)[1]
    assert cli.terminal_qr("http://192.168.0.7:8000/join").count("\n") == (rows + 1) // 2


def test_server_choice():
    assert cli.server_kind("waitress") == "waitress"
    assert cli.server_kind("auto") == ("waitress" if sys.platform == "win32" else "gunicorn")


def wait_for(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read())
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server never answered")


@pytest.mark.parametrize("server", ["waitress", "gunicorn"])
def test_camp_serves_a_class(server, tmp_path, real_sample):
    """The Windows path (waitress) is the same start as gunicorn's: tested here on loopback."""
    port = free_port()
    env = {**os.environ, "DIGITPAD_PRESENTER_TOKEN": "camp-token",
           "DIGITPAD_INSTANCE": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "webapp.cli", "camp", "--server", server, "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(port, proc)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/api/sessions", headers={"Authorization": "Bearer camp-token"})
        resp = conn.getresponse()
        assert resp.status == 201
        code = json.loads(resp.read())["code"]
        seven = next(d for d in real_sample if d.label == 7)
        conn.request("POST", f"/api/sessions/{code}/drawings?label=7&student=a",
                     body=drawing_png(place(seven.strokes, 0.6, 0.5, 0.5)),
                     headers={"Content-Type": "image/png"})
        resp = conn.getresponse()
        assert resp.status == 201 and json.loads(resp.read())["digit"] == 7
        assert (tmp_path / "digitpad.sqlite3").is_file()
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "/present#token=camp-token" in out and "/join" in out


FAULTS = """
import resource, sys
import numpy as np
if sys.argv[1] == "tuned":
    from webapp import gunicorn_conf
    gunicorn_conf.post_fork(None, None)


def request():  # a whole RGBA canvas's buffers: inflated rows, libspng's input, its pixels
    rows = bytearray(313_880)
    rows[::4096] = b"x" * len(rows[::4096])
    given = bytes(rows)
    pixels = np.frombuffer(given, np.uint8).copy()
    return int(pixels[::4096].sum())


for _ in range(5):
    request()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    request()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_workers_keep_a_canvas_worth_of_heap_between_requests():
    """gunicorn's workers keep the memory a whole canvas is decoded through: 200 requests' worth
    of buffers fault no new pages in (glibc's defaults give them back to the system after each
    request and fault them in again: ~200 faults a request). Every Linux counts the faults (one
    without glibc fails: its workers would give that memory back); elsewhere there is no glibc
    to tune, and the hook must leave the worker alone without an error."""
    if not sys.platform.startswith("linux"):
        from webapp import gunicorn_conf

        assert gunicorn_conf.post_fork(None, None) is None
        return
    faults = {how: int(subprocess.run([sys.executable, "-c", FAULTS, how], capture_output=True,
                                      text=True, check=True, cwd=ROOT).stdout)
              for how in ("default", "tuned")}
    assert faults["tuned"] < 200, faults  # under one page per request
    print(f"page faults in 200 requests: {faults}")
