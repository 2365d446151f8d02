#!/usr/bin/env python3
"""Accuracy on real pen-drawn digits, drawn the way the page draws them, in several placements.

Each UniPen digit is rendered with the page's own pad size, pen, caps and smoothing (static/pad.json),
then classified through exactly the server's path: in-process (preprocess -> classifier), over HTTP
with --url, or by replaying the strokes with a real mouse on the real page with --browser N.

    python benchmarks/real_drawings.py                      # measure writers, shipped model
    python benchmarks/real_drawings.py --naive --model baseline   # what most demos do
    python benchmarks/real_drawings.py --browser 200        # the same, through Chromium
    python benchmarks/real_drawings.py --group final --not-digit --numbers 1000   # issue #15

--group picks writers by webapp.training.variety.writer_groups (the final group is the one no
decision looked at); --not-digit adds how many clearly-non-digit letters (those writers) and drawn
shapes are answered "not a digit" and how many real digits are wrongly rejected; --numbers N
composes N numbers of 2-4 digits from those writers' digits and reads them whole.
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

from webapp import preprocess, recognition  # noqa: E402
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


REJECTED, SEVERAL = -2, -3  # answers that are not one digit: "not a digit", several digits


def in_process(model: str, models_dir: Path, naive_resize: bool = False) -> Classify:
    """The server's own path (webapp.recognition, as /api/predict): a real digit answered "not a
    digit", or read as several digits, counts as wrong."""
    clf = Registry(models_dir).get(model)

    def classify(data: bytes) -> tuple[int, np.ndarray]:
        try:
            r = recognition.recognise(data, clf, whole_canvas=naive_resize)
        except preprocess.EmptyDrawing:
            return -1, np.zeros((28, 28), np.float32)
        if len(r.digits) > 1:
            return SEVERAL, r.thousandths / 1000
        return (REJECTED if r.rejected else r.digit), r.thousandths / 1000

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
        if body.get("rejected"):
            return REJECTED, np.array(body["input"], dtype=np.float32)
        if len(body.get("digits") or [1]) > 1:
            return SEVERAL, np.array(body["input"], dtype=np.float32)
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
    # columns 10-12: "empty" (no answer), "not a digit", "several digits"
    matrix = np.zeros((10, 13), dtype=int)
    for _, label, pred, _ in rows:
        matrix[label, pred if pred >= 0 else {-1: 10, REJECTED: 11, SEVERAL: 12}[pred]] += 1
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
        said = {-1: "empty", REJECTED: "not a digit", SEVERAL: "several"}.get(f["predicted"],
                                                                          str(f["predicted"]))
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


def not_digits(group_writers: set[str], clf, seed: int,
               shapes: int = 1600, keep_failures: int = 48) -> dict:
    """How many clearly-non-digit letters (by these writers) and drawn shapes the server answers
    "not a digit", in a random placement each, through the app's path."""
    from webapp.training import drawings as dr
    from webapp.training import variety

    letters = [d for d in variety.load_letters() if d.writer in group_writers]
    drawn = variety.shapes(shapes, seed=seed + 100)  # not the shapes trained on (seed 0)
    rng = np.random.default_rng([seed, 404])
    names = list(PLACEMENTS)
    out, failures = {}, []
    for kind, items in (("letters", letters), ("shapes", drawn)):
        said, by, as_number = [], defaultdict(list), defaultdict(list)
        for d in items:
            placement = names[int(rng.integers(len(names)))]
            img = dr.render(dr.placed(d, placement, rng), dr.placement_pen(placement))
            try:
                r = recognition.recognise(png(img), clf)
            except preprocess.EmptyDrawing:
                continue  # "draw something": not a digit answer either, and not counted
            said.append(r.rejected)
            name = d.id.split("|")[-1] if kind == "letters" else d.id.split("/")[1]
            by[name].append(r.rejected)
            # answered as a number of several digits (hatching's parallel strokes are what "111"
            # looks like), not as one digit
            as_number[name].append(not r.rejected and len(r.digits) > 1)
            if not r.rejected and len(failures) < keep_failures:
                failures.append({"placement": placement, "id": d.id, "label": name,
                                 "predicted": r.number or r.digit, "drawn": img,
                                 "seen": r.thousandths / 1000})
        out[kind] = {"count": len(said), "rejected": round(float(np.mean(said)), 4),
                     "by_kind": {k: round(float(np.mean(v)), 3) for k, v in sorted(by.items())},
                     "read_as_a_number_by_kind": {k: round(float(np.mean(v)), 3)
                                                  for k, v in sorted(as_number.items()) if any(v)}}
    out["failures"] = failures
    return out


def whole_numbers(drawn: Sequence[Drawing], count: int, clf, seed: int,
                  keep_failures: int = 48, with_strokes: bool = True) -> dict:
    """Numbers of 2-4 digits composed from these writers' digits, read whole through the app's
    path: right only when every digit is, in order. `with_strokes`: the upload carries its strokes,
    as the page's does (else the pixels alone, as a plain image upload)."""
    from webapp.training import drawings as dr
    from webapp.training import variety

    rows, failures, ms = [], [], []
    for label, strokes in variety.numbers(drawn, count, seed):
        img = dr.render(strokes)
        sent = dr.upload_strokes(strokes) if with_strokes else None
        started = time.perf_counter()
        try:
            r = recognition.recognise(png(img), clf, strokes=sent)
            got = "".join("?" if p.rejected else str(p.digit) for p in r.digits)
        except preprocess.EmptyDrawing:
            got = ""
        ms.append((time.perf_counter() - started) * 1e3)
        rows.append((label, got))
        if got != label and len(failures) < keep_failures:
            failures.append({"placement": "number", "id": label, "label": label, "predicted": got,
                             "drawn": img, "seen": np.zeros((28, 28), np.float32)})
    by_len = defaultdict(list)
    for label, got in rows:
        by_len[str(len(label))].append(label == got)
    return {"count": len(rows), "accuracy": round(float(np.mean([a == b for a, b in rows])), 4),
            "by_length": {k: round(float(np.mean(v)), 4) for k, v in sorted(by_len.items())},
            "digit_count_right": round(float(np.mean([len(a) == len(b) for a, b in rows])), 4),
            "ms_p50": round(float(np.median(ms)), 2), "failures": failures}


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
    p.add_argument("--group", default=None,
                   choices=["final", "cv", "fold0", "fold1", "fold2", "fold3", "fold4"],
                   help="writers by webapp.training.variety.writer_groups instead of --split "
                        "(cv: the five folds together)")
    p.add_argument("--not-digit", action="store_true",
                   help="also measure 'not a digit' on letters (these writers) and drawn shapes")
    p.add_argument("--numbers", type=int, default=0, metavar="N",
                   help="also read N composed numbers of 2-4 digits (these writers)")
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
    if args.group:
        from webapp.training import variety

        groups = variety.writer_groups(load_drawings(args.data))
        drawings = [d for d in load_drawings(args.data) if groups[d.writer] == args.group
                    or (args.group == "cv" and groups[d.writer] != "final")]
        args.split = f"group {args.group}"
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
    group_writers = {d.writer for d in drawings}
    clf = Registry(Path(args.models_dir)).get(args.model) if args.not_digit or args.numbers else None
    if args.not_digit:
        results["not_digit"] = not_digits(group_writers, clf, args.seed)
        rejected = sum(r[11] for r in results["confusion_matrix"])
        results["not_digit"]["digits_rejected"] = round(rejected / max(results["count"], 1), 4)
    if args.numbers:
        results["numbers"] = whole_numbers(drawings, args.numbers, clf, args.seed)
    seconds = time.perf_counter() - started
    failures = results.pop("failures", [])
    extra_failures = {k: results[k].pop("failures") for k in ("not_digit", "numbers")
                      if k in results}
    spread = "dealt over" if args.browser else "x"
    print(f"Model {args.model}, {how}: {len(drawings)} drawings by {writers} writers "
          f"({args.split} split) {spread} {len(args.placements)} placements = {results['count']} "
          f"in {seconds:.0f} s")
    print(table(results, args.placements))
    if "agreement_with_in_process" in results:
        print(f"same answer as in-process on the same strokes: "
              f"{results['agreement_with_in_process'] * 100:.1f}%")
    if "not_digit" in results:
        nd = results["not_digit"]
        print(f"not a digit: letters {nd['letters']['rejected'] * 100:.1f}% of "
              f"{nd['letters']['count']}, shapes {nd['shapes']['rejected'] * 100:.1f}% of "
              f"{nd['shapes']['count']}; real digits rejected {nd['digits_rejected'] * 100:.2f}%")
        print("  shapes: " + "  ".join(f"{k}:{v * 100:.0f}" for k, v in nd["shapes"]["by_kind"].items()))
        print("  read as a number of several digits: " + "  ".join(
            f"{k}:{v * 100:.0f}" for k, v in nd["shapes"]["read_as_a_number_by_kind"].items()))
    if "numbers" in results:
        nb = results["numbers"]
        print(f"whole numbers: {nb['accuracy'] * 100:.1f}% of {nb['count']} right ("
              + ", ".join(f"{k} digits {v * 100:.1f}%" for k, v in nb["by_length"].items())
              + f"); p50 {nb['ms_p50']} ms each")
    if args.sheet:
        Path(args.sheet).parent.mkdir(parents=True, exist_ok=True)
        for suffix, found in (("", failures), *((f"-{k}", v) for k, v in extra_failures.items())):
            if found:
                where = Path(args.sheet).with_name(Path(args.sheet).stem + suffix + ".png")
                contact_sheet(found, where)
                print(f"Failures: {where} ({len(found)} shown)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(
            {"model": args.model, "how": how, "split": args.split, "drawings": len(drawings),
             "writers": writers, "seed": args.seed, "seconds": round(seconds, 1), **results},
            indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
