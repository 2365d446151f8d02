#!/usr/bin/env python3
"""Accuracy on real pen-drawn digits, drawn the way the page draws them, in several placements.

Each UniPen digit is rendered with the page's own pad size, pen, caps and smoothing (static/pad.json),
then classified through exactly the server's path: in-process (preprocess -> classifier), over HTTP
with --url, or by replaying the strokes with a real mouse on the real page with --browser N.

    python benchmarks/real_drawings.py                      # measure writers, shipped model
    python benchmarks/real_drawings.py --naive --model baseline   # what most demos do
    python benchmarks/real_drawings.py --browser 200        # the same, through Chromium
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp import preprocess  # noqa: E402
from webapp.classifier import Registry  # noqa: E402
from webapp.training.drawings import PLACEMENTS, Drawing, load_drawings, renders, writer_split  # noqa: E402

Classify = Callable[[bytes], tuple[int, np.ndarray]]  # PNG -> (digit, model input 28x28)


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def naive(data: bytes) -> np.ndarray:
    """What most demos do: the whole canvas resized to 28x28 (the server's ?preprocess=none)."""
    return preprocess.whole_canvas(data)


def in_process(model: str, models_dir: Path, naive_resize: bool = False) -> Classify:
    clf = Registry(models_dir).get(model)
    prep = naive if naive_resize else preprocess.preprocess

    def classify(data: bytes) -> tuple[int, np.ndarray]:
        try:
            x = prep(data)
        except preprocess.EmptyDrawing:
            return -1, np.zeros((28, 28), np.float32)
        return int(clf.predict(x).argmax()), x

    return classify


def over_http(url: str, model: str) -> Classify:
    endpoint = f"{url.rstrip('/')}/api/predict?model={model}"

    def classify(data: bytes) -> tuple[int, np.ndarray]:
        req = urllib.request.Request(endpoint, data=data, headers={"Content-Type": "image/png"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                body = json.load(resp)
        except urllib.error.HTTPError as exc:
            if exc.code == 422:
                return -1, np.zeros((28, 28), np.float32)
            raise
        return body["digit"], np.array(body["input"], dtype=np.float32)

    return classify


def evaluate(drawings: Sequence[Drawing], classify: Classify, placements: Sequence[str],
             seed: int = 0, keep_failures: int = 60, as_uploaded: bool = True) -> dict:
    rows = []  # (placement, label, predicted, site)
    failures = []
    for placement in placements:
        for d, _strokes, img in renders(drawings, placement, seed=seed, as_uploaded=as_uploaded):
            data = png(img)
            pred, x = classify(data)
            rows.append((placement, d.label, pred, d.site))
            if pred != d.label and len(failures) < keep_failures:
                failures.append({"placement": placement, "id": d.id, "label": d.label,
                                 "predicted": pred, "drawn": img, "seen": x})
    return summarise(rows) | {"failures": failures}


def summarise(rows: list[tuple[str, int, int, str]]) -> dict:
    def acc(items: list[tuple]) -> float:
        return round(float(np.mean([r[1] == r[2] for r in items])), 4) if items else float("nan")

    groups: dict[str, dict[str, list]] = {"placement": defaultdict(list), "digit": defaultdict(list),
                                          "site": defaultdict(list)}
    for r in rows:
        groups["placement"][r[0]].append(r)
        groups["digit"][str(r[1])].append(r)
        groups["site"][r[3]].append(r)
    matrix = np.zeros((10, 11), dtype=int)  # column 10: "empty" (no answer)
    for _, label, pred, _ in rows:
        matrix[label, pred if pred >= 0 else 10] += 1
    return {
        "count": len(rows),
        "accuracy": acc(rows),
        "per_placement": {k: acc(v) for k, v in groups["placement"].items()},
        "per_digit": {k: acc(v) for k, v in sorted(groups["digit"].items())},
        "per_site": {k: {"accuracy": acc(v), "count": len(v)}
                     for k, v in sorted(groups["site"].items())},
        "confusion_matrix": matrix.tolist(),
    }


def contact_sheet(failures: list[dict], path: Path, per_row: int = 6) -> None:
    """Each failure: what was drawn, what the model saw, and 'label -> predicted'."""
    from PIL import ImageDraw

    cell_w, cell_h = 200, 118
    rows = max(1, -(-len(failures) // per_row))
    sheet = Image.new("RGB", (per_row * cell_w, rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    for i, f in enumerate(failures):
        x0, y0 = (i % per_row) * cell_w, (i // per_row) * cell_h
        drawn = Image.new("L", f["drawn"].size, 255)
        drawn.paste(0, mask=f["drawn"].getchannel("A"))
        sheet.paste(drawn.resize((84, 84), Image.Resampling.BOX), (x0 + 4, y0 + 4))
        seen = Image.fromarray(np.round(255 - f["seen"] * 255).astype(np.uint8), "L")
        sheet.paste(seen.resize((84, 84), Image.Resampling.NEAREST), (x0 + 96, y0 + 4))
        said = "empty" if f["predicted"] < 0 else str(f["predicted"])
        draw.text((x0 + 4, y0 + 92), f"{f['label']} -> {said}  {f['placement']}", fill="black")
    sheet.save(path)


def browser_replay(drawings: Sequence[Drawing], url: str | None, placements: Sequence[str],
                   seed: int, model: str, models_dir: Path) -> dict:
    """Replay strokes with Playwright's mouse on the real page and read what the page shows.

    The drawings are dealt round-robin over the placements; each one is also classified in-process
    from the very same strokes, so the two figures can be compared case by case."""
    from contextlib import ExitStack

    from playwright.sync_api import sync_playwright

    from benchmarks.common import launch_chromium, mouse_draw

    classify = in_process(model, models_dir)
    rows, agree = [], 0
    with ExitStack() as stack:
        if url is None:
            url = stack.enter_context(local_server(model))
        pw = stack.enter_context(sync_playwright())
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.goto(url)
        page.wait_for_selector("html[data-ready=true]")
        for k, placement in enumerate(placements):
            for d, strokes, img in renders(drawings[k::len(placements)], placement, seed=seed):
                page.keyboard.press("Escape")
                page.wait_for_selector("[data-testid=prediction][data-state=idle]")
                mouse_draw(page, strokes)
                page.wait_for_selector("[data-testid=prediction][data-state=done],"
                                       "[data-testid=prediction][data-state=empty]", timeout=10000)
                shown = page.locator("[data-testid=prediction]").text_content()
                pred = int(shown) if shown and shown.isdigit() else -1
                rows.append((placement, d.label, pred, d.site))
                agree += pred == classify(png(img))[0]
        browser.close()
    return summarise(rows) | {"agreement_with_in_process": round(agree / max(len(rows), 1), 4)}


def local_server(model: str):
    import threading
    from contextlib import contextmanager

    from werkzeug.serving import make_server

    from webapp import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    @contextmanager
    def serve():
        server = make_server("127.0.0.1", 0, create_app({"DEFAULT_MODEL": model}), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/"
        finally:
            server.shutdown()

    return serve()


def table(results: dict, placements: Sequence[str]) -> str:
    head = f"{'placement':<12}" + "".join(f"{p:>11}" for p in placements) + f"{'overall':>10}"
    line = f"{'accuracy':<12}" + "".join(
        f"{results['per_placement'][p] * 100:>10.2f}%" for p in placements) + \
        f"{results['accuracy'] * 100:>9.2f}%"
    digits = "per digit:  " + "  ".join(f"{k}:{v * 100:.1f}" for k, v in results["per_digit"].items())
    sites = "per site:   " + "  ".join(f"{k}:{v['accuracy'] * 100:.1f}({v['count']})"
                                       for k, v in results["per_site"].items())
    return "\n".join([head, line, digits, sites])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=str(ROOT / "data" / "unipen" / "dev.jsonl.gz"))
    p.add_argument("--split", default="measure", choices=["measure", "train", "all"],
                   help="which writers (webapp.training.drawings.writer_split); report on 'measure'")
    p.add_argument("--model", default="cnn")
    p.add_argument("--models-dir", default=str(ROOT / "models"))
    p.add_argument("--placements", nargs="+", default=list(PLACEMENTS), choices=list(PLACEMENTS))
    p.add_argument("--naive", action="store_true", help="resize the whole canvas (no MNIST recipe)")
    p.add_argument("--raster", action="store_true",
                   help="keep the screen pen in the image (not the page's upload pen): how the server "
                        "copes alone with rasters drawn elsewhere")
    p.add_argument("--url", default=None, help="classify over HTTP against this server")
    p.add_argument("--browser", type=int, default=0, metavar="N",
                   help="replay N drawings with a real mouse on the real page instead")
    p.add_argument("--limit", type=int, default=None, help="first N drawings only")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=None, help="write the full results here")
    p.add_argument("--sheet", default=None, help="contact sheet PNG of failures")
    args = p.parse_args(argv)

    drawings = [d for d in load_drawings(args.data)
                if args.split == "all" or writer_split(d.writer) == args.split]
    if args.browser:
        rng = np.random.default_rng(args.seed)
        drawings = [drawings[i] for i in sorted(rng.choice(len(drawings), args.browser, replace=False))]
    elif args.limit:
        drawings = drawings[: args.limit]
    writers = len({d.writer for d in drawings})
    started = time.perf_counter()
    if args.browser:
        results = browser_replay(drawings, args.url, args.placements, args.seed, args.model,
                                 Path(args.models_dir))
        how = "browser (Playwright mouse on the real page)"
    else:
        classify = (over_http(args.url, args.model) if args.url
                    else in_process(args.model, Path(args.models_dir), args.naive))
        results = evaluate(drawings, classify, args.placements, args.seed,
                           as_uploaded=not args.raster)
        how = f"{'HTTP ' + args.url if args.url else 'in-process'}" + (
            ", naive whole-canvas resize" if args.naive else ", MNIST recipe") + (
            ", raster with the screen pen" if args.raster else "")
    seconds = time.perf_counter() - started
    failures = results.pop("failures", [])
    spread = "dealt over" if args.browser else "x"
    print(f"Model {args.model}, {how}: {len(drawings)} drawings by {writers} writers "
          f"({args.split} split) {spread} {len(args.placements)} placements = {results['count']} "
          f"in {seconds:.0f} s")
    print(table(results, args.placements))
    if "agreement_with_in_process" in results:
        print(f"same answer as in-process on the same strokes: "
              f"{results['agreement_with_in_process'] * 100:.1f}%")
    if args.sheet and failures:
        Path(args.sheet).parent.mkdir(parents=True, exist_ok=True)
        contact_sheet(failures, Path(args.sheet))
        print(f"Failures: {args.sheet} ({len(failures)} shown)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(
            {"model": args.model, "how": how, "split": args.split, "drawings": len(drawings),
             "writers": writers, "seed": args.seed, "seconds": round(seconds, 1), **results},
            indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
