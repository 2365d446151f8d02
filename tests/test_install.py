"""The light install: `pip install digitpad` (no extras) gives a working server without
TensorFlow, from a built wheel, in a fresh virtual environment, outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

CHECK = textwrap.dedent("""
    import importlib.util, io, json, sys
    assert importlib.util.find_spec("tensorflow") is None, "TensorFlow is installed"
    assert importlib.util.find_spec("keras") is None, "Keras is installed"
    import webapp
    assert "site-packages" in webapp.__file__, webapp.__file__
    from webapp import create_app
    from PIL import Image, ImageDraw
    img = Image.new("RGBA", (90, 90))
    ImageDraw.Draw(img).line([(45, 8), (45, 82)], fill=(0, 0, 0, 255), width=9)
    buf = io.BytesIO(); img.save(buf, "PNG")
    client = create_app().test_client()
    resp = client.post("/api/predict", data=buf.getvalue(), content_type="image/png")
    assert resp.status_code == 200, resp.data
    assert resp.get_json()["digit"] == 1, resp.get_json()
    assert client.get("/").status_code == 200 and client.get("/join").status_code == 200
    assert client.get("/static/js/main.js").status_code == 200
    assert "tensorflow" not in sys.modules
    print("light install OK")
""")


def test_light_install_serves_without_tensorflow(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(wheels), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    wheel = next(wheels.glob("digitpad-*.whl"))
    done = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           str(wheel)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    run = subprocess.run([str(py), "-c", CHECK], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                            "DIGITPAD_INSTANCE": str(tmp_path / "instance")})
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "light install OK" in run.stdout
    site = next(env_dir.glob("lib/python*/site-packages"))
    tooling = {"pip", "setuptools", "pkg_resources", "_distutils_hack"}
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file()
               and f.relative_to(site).parts[0].split("-")[0] not in tooling)
    print(f"light install: {size / 1e6:.0f} MB of packages (TensorFlow's install: ~1,700 MB)")
    assert size < 200e6
