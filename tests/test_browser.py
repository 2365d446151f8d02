"""End to end in a real Chromium: what only a browser shows. Strokes come from real pen-drawn
digits (tests/data/real_sample.jsonl.gz), replayed with a mouse or a finger."""

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from benchmarks.common import mouse_draw, pad_area, touch_draw
from webapp import preprocess
from webapp.training.drawings import pad_config, place, render

pytestmark = pytest.mark.browser
PREDICTION = "[data-testid=prediction]"


@pytest.fixture()
def pad(page: Page, live_server):
    page.goto(live_server)
    page.wait_for_selector("html[data-ready=true]")
    return page


def pad_box(page):
    return pad_area(page)



def first_of(real_sample, digit):
    return next(d for d in real_sample if d.label == digit)


def expect_digit(page, digit):
    expect(page.locator(PREDICTION)).to_have_attribute("data-state", "done", timeout=10_000)
    expect(page.locator(PREDICTION)).to_have_text(str(digit))


def test_blank_pad_shows_a_prompt(pad):
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "idle")
    expect(pad.locator("[data-testid=prompt]")).to_be_visible()
    expect(pad.locator("#pad")).to_have_css("touch-action", "none")
    assert pad_box(pad)["width"] >= 280


def test_mouse_drawn_digits_are_recognised(pad, real_sample):
    for digit in range(10):
        pad.keyboard.press("Escape")
        expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "idle")
        mouse_draw(pad, place(first_of(real_sample, digit).strokes, 0.65, 0.5, 0.5))
        expect_digit(pad, digit)
    bars = [pad.locator(f"[data-testid=prob-{d}]") for d in range(10)]
    assert all(b.is_visible() for b in bars)
    assert "%" in bars[9].text_content()
    # The preview shows the 28x28 input: some pixels are ink-dark.
    dark = pad.evaluate("""() => {
        const c = document.querySelector('[data-testid=preview]');
        const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n; }""")
    assert dark > 20


def test_small_digit_in_a_corner(pad, real_sample):
    mouse_draw(pad, place(first_of(real_sample, 3).strokes, 0.2, 0.14, 0.86))
    expect_digit(pad, 3)


def test_upload_matches_its_python_twin(pad, real_sample, monkeypatch):
    """The page's upload has the geometry webapp.training.drawings.render gives the benchmarks and the
    training data: a large drawing is scaled down to exportMaxSide, a small one is not scaled up."""
    uploads = []
    received = preprocess.read_ink
    monkeypatch.setattr(preprocess, "read_ink", lambda data: uploads.append(data) or received(data))
    for size, centre in ((0.7, 0.5), (0.2, 0.3)):
        pad.keyboard.press("Escape")
        uploads.clear()
        strokes = place(first_of(real_sample, 4).strokes, size, centre, centre)
        mouse_draw(pad, strokes)
        expect_digit(pad, 4)
        sent = Image.open(io.BytesIO(uploads[-1]))
        twin = render(strokes)
        assert abs(sent.width - twin.width) <= 2 and abs(sent.height - twin.height) <= 2, (sent.size,
                                                                                          twin.size)
        # The same ink, pixel for pixel (mouse positions are whole screen pixels: a little slack).
        w, h = min(sent.width, twin.width), min(sent.height, twin.height)
        a = np.asarray(sent.getchannel("A"))[:h, :w] > 127
        b = np.asarray(twin.getchannel("A"))[:h, :w] > 127
        iou = (a & b).sum() / (a | b).sum()
        assert iou >= 0.9, (size, iou)
        if size > 0.5:
            assert max(sent.size) <= pad_config()["exportMaxSide"] + 5
        else:
            assert max(sent.size) < pad_config()["exportMaxSide"]


def test_touch_drawing(pad, real_sample):
    touch_draw(pad, place(first_of(real_sample, 2).strokes, 0.6, 0.5, 0.5))
    expect_digit(pad, 2)


def test_undo_and_clear(pad, real_sample):
    four = place(first_of(real_sample, 4).strokes, 0.6, 0.5, 0.5)
    mouse_draw(pad, four)
    expect_digit(pad, 4)
    extra = [[(0.1, 0.1), (0.9, 0.1)]]  # a bar across the top changes the drawing
    mouse_draw(pad, extra)
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "done", timeout=10_000)
    strokes = len(four)
    expect(pad.locator("#pad")).to_have_attribute("data-strokes", str(strokes + 1))
    pad.get_by_test_id("undo").click()
    expect(pad.locator("#pad")).to_have_attribute("data-strokes", str(strokes))
    expect_digit(pad, 4)
    pad.keyboard.press("Control+z")  # the keyboard removes the 4's last stroke too
    expect(pad.locator("#pad")).to_have_attribute("data-strokes", str(strokes - 1))
    pad.get_by_test_id("clear").click()
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "idle")
    expect(pad.locator("[data-testid=prompt]")).to_be_visible()
    pad.keyboard.press("Control+z")  # Undo after Clear brings the drawing back
    expect(pad.locator("#pad")).to_have_attribute("data-strokes", str(strokes - 1))
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "done", timeout=10_000)


def test_a_single_tap_is_empty_not_a_guess(pad):
    box = pad_box(pad)
    pad.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "empty", timeout=10_000)


def test_pending_never_shows_a_stale_answer(pad, real_sample):
    # Slow the server down: while the answer is on its way, the state is pending, not done.
    pad.route("**/api/predict", lambda route: (pad.wait_for_timeout(600), route.continue_()))
    mouse_draw(pad, place(first_of(real_sample, 1).strokes, 0.6, 0.5, 0.5))
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "pending")
    expect_digit(pad, 1)


def test_an_older_answer_never_overwrites_a_newer_drawing(pad, real_sample):
    """The first answer arrives while the next stroke is being drawn: it answers a drawing that no
    longer exists, so the state stays pending; then the newer drawing's answer is shown."""
    held = []

    def hold_first(route):
        if not held:
            held.append(route)  # answered later, by hand
        else:
            route.continue_()

    pad.route("**/api/predict", hold_first)
    mouse_draw(pad, place(first_of(real_sample, 1).strokes, 0.6, 0.5, 0.5))
    for _ in range(100):
        if held:
            break
        pad.wait_for_timeout(50)
    assert held, "the first drawing was never sent"
    box = pad_box(pad)
    pad.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.15 * box["height"])
    pad.mouse.down()  # a new stroke: a bar across the top, held down
    pad.mouse.move(box["x"] + 0.8 * box["width"], box["y"] + 0.15 * box["height"], steps=5)
    with pad.expect_response("**/api/predict"):
        held[0].continue_()
    pad.wait_for_timeout(300)
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "pending")
    with pad.expect_response("**/api/predict") as newer:
        pad.mouse.up()
    answer = newer.value.json()
    if answer["rejected"]:  # a 1 with a bar across its top may well be "not a digit"
        expect(pad.locator(PREDICTION)).to_have_attribute("data-kind", "rejected")
    else:
        expect_digit(pad, answer["digit"])
    assert answer["digit"] != 1 or answer["rejected"]  # not the first drawing's answer


def wait_until(page, script, timeout_ms=5000):
    """Poll a JS expression (page.wait_for_function evaluates strings, which the CSP forbids)."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(script):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {script}")


def test_a_network_failure_is_retried_once(pad, real_sample):
    attempts = []

    def fail_first(route):
        attempts.append(1)
        if len(attempts) == 1:
            route.abort()
        else:
            route.continue_()

    pad.route("**/api/predict", fail_first)
    mouse_draw(pad, place(first_of(real_sample, 5).strokes, 0.6, 0.5, 0.5))
    expect_digit(pad, 5)
    assert len(attempts) == 2


def test_server_error_shows_a_message_in_the_current_language(pad, real_sample):
    pad.route("**/api/predict", lambda route: route.abort())
    mouse_draw(pad, place(first_of(real_sample, 5).strokes, 0.6, 0.5, 0.5))
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "error", timeout=10_000)
    status = pad.locator("[data-testid=status]")
    expect(status).not_to_be_empty()
    english = status.text_content()
    pad.get_by_test_id("lang").click()  # switching language keeps the error, translated
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "error")
    expect(status).not_to_have_text(english)
    pad.get_by_test_id("lang").click()
    expect(status).to_have_text(english)
    # Nothing of an earlier answer stays on screen during an error.
    assert all(pad.locator(f"[data-testid=prob-{d}] .pct").text_content() == "0%" for d in range(10))


def test_a_server_error_code_is_translated(pad, real_sample):
    pad.route("**/api/predict", lambda route: route.fulfill(
        status=400, content_type="application/json",
        body='{"error": "invalid_image", "message": "Could not read the image: English words."}'))
    if pad.evaluate("document.documentElement.lang") != "ko":
        pad.get_by_test_id("lang").click()
    mouse_draw(pad, place(first_of(real_sample, 5).strokes, 0.6, 0.5, 0.5))
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "error", timeout=10_000)
    text = pad.locator("[data-testid=status]").text_content()
    assert "English" not in text and "서버" in text
    pad.get_by_test_id("lang").click()


def test_a_cancelled_touch_leaves_no_ink(pad, real_sample):
    cdp = pad.context.new_cdp_session(pad)
    box = pad_box(pad)
    points = [{"x": box["x"] + box["width"] * (0.2 + 0.05 * k), "y": box["y"] + box["height"] / 2}
              for k in range(8)]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
    for p in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [p]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchCancel", "touchPoints": []})
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "idle")
    ink = pad.evaluate("""() => { const c = document.querySelector('#pad');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
    assert ink == 0


def test_upload_rules_agree_with_their_python_twins(pad, real_sample):
    """static/js/pad.js and webapp/training/drawings.py implement the same upload rules: a change to
    one fails here until the other follows."""
    from webapp.training.drawings import export_box, export_pen, export_scale
    from webapp.training.variety import compose_number

    cfg = pad_config()
    cases = [place(d.strokes, size, cx, cy) for d, (size, cx, cy) in
             zip(real_sample[::37], [(0.7, 0.5, 0.5), (0.2, 0.2, 0.8), (0.4, 0.75, 0.3),
                                     (0.9, 0.5, 0.5), (0.25, 0.5, 0.5), (0.5, 0.3, 0.6)])]
    cases = [(strokes, 1) for strokes in cases]
    # The wide pad (2 units across): a digit at its right edge, where the box is clamped.
    cases += [(place(d.strokes, 0.4, 1.78, 0.5), 2) for d in real_sample[5:200:60]]
    # Numbers written small, whose pen is clamped by their digits' height (penSide), and a dash.
    rng = np.random.default_rng(7)
    cases += [(place(compose_number(real_sample[k:k + n], rng)[1], 0.55, 0.5, 0.5), 1)
              for k, n in ((0, 2), (10, 3), (20, 4))]
    cases.append(([[(0.2, 0.5), (0.5, 0.51), (0.8, 0.5)]], 1))
    for strokes, aspect in cases:
        js = pad.evaluate("""async ([strokes, cfg, aspect]) => {
            const m = await import('/static/js/pad.js');
            const pen = m.exportPenWidth(strokes, cfg.penWidth, cfg.exportPenRange);
            const size = m.exportScale(strokes, pen, cfg.exportSize, cfg.exportMaxSide);
            return [pen, size, m.exportBox(strokes, pen, size, aspect)]; }""",
                          [strokes, cfg, aspect])
        pen = export_pen(strokes, cfg["penWidth"])
        size = export_scale(strokes, pen, cfg["exportSize"], cfg["exportMaxSide"])
        assert abs(js[0] - pen) < 1e-9 and abs(js[1] - size) < 1e-6
        assert list(js[2]) == list(export_box(strokes, pen, size, aspect))


def test_server_error_shows_a_message(pad, real_sample):
    pad.route("**/api/predict", lambda route: route.abort())
    mouse_draw(pad, place(first_of(real_sample, 5).strokes, 0.6, 0.5, 0.5))
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "error", timeout=10_000)
    expect(pad.locator("[data-testid=status]")).not_to_be_empty()


def test_language_toggle(pad):
    toggle = pad.get_by_test_id("lang")
    if pad.evaluate("document.documentElement.lang") == "ko":
        toggle.click()
    expect(pad.get_by_test_id("clear")).to_contain_text("Clear")
    toggle.click()
    expect(pad.locator("html")).to_have_attribute("lang", "ko")
    expect(pad.get_by_test_id("clear")).to_contain_text("지우기")
    expect(pad.get_by_test_id("prompt")).to_contain_text("숫자")
    pad.reload()  # the choice is remembered
    pad.wait_for_selector("html[data-ready=true]")
    expect(pad.get_by_test_id("undo")).to_contain_text("되돌리기")
    pad.get_by_test_id("lang").click()
    expect(pad.get_by_test_id("undo")).to_contain_text("Undo")


def test_korean_browser_gets_korean(browser, live_server):
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    page.goto(live_server)
    page.wait_for_selector("html[data-ready=true]")
    expect(page.get_by_test_id("clear")).to_contain_text("지우기")
    context.close()


def test_phone(browser, live_server, real_sample):
    context = browser.new_context(viewport={"width": 375, "height": 667}, device_scale_factor=3,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server)
    page.wait_for_selector("html[data-ready=true]")
    box = pad_box(page)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["width"] >= 280
    # Crisp: the backing store follows the device pixels of the drawing area (inside the border).
    assert page.evaluate("(() => { const c = document.querySelector('#pad');"
                         " return c.width === Math.round(c.clientWidth * 3); })()")
    # The whole answer (digit, ten bars, the 28x28 image) is on screen without scrolling.
    touch_hint = page.locator(".keys")
    assert not touch_hint.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    touch_draw(page, place(first_of(real_sample, 7).strokes, 0.6, 0.5, 0.5))
    expect_digit(page, 7)
    for sel in ("[data-testid=prob-9]", "[data-testid=preview]", PREDICTION):
        b = page.locator(sel).bounding_box()
        assert b["y"] + b["height"] <= 667 and b["x"] + b["width"] <= 375, (sel, b)
    card = page.locator(".pad-area").bounding_box()
    assert abs(card["x"] - (375 - card["x"] - card["width"])) <= 1  # centred
    # The wide pad held upright: still within the screen, and a hint to turn the phone.
    expect(page.get_by_test_id("turn")).to_be_hidden()
    page.get_by_test_id("wide").click()
    box = pad_box(page)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert abs(box["width"] / box["height"] - 2) < 0.05
    expect(page.get_by_test_id("turn")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 667, "height": 375})  # turned sideways
    expect(page.get_by_test_id("turn")).to_be_hidden()
    assert pad_box(page)["width"] > box["width"]
    page.get_by_test_id("wide").click()  # the next test's pages start square
    context.close()


def test_a_number_is_shown_whole_with_each_digits_input(pad, real_sample):
    """Three real digits written side by side: the number, large, and each digit's own 28x28."""
    from webapp.training import variety

    by = {}
    for d in real_sample:
        by.setdefault(d.label, d)
    _, strokes = variety.compose_number([by[2], by[0], by[4]], np.random.default_rng(5), pen=0.2)
    mouse_draw(pad, place(strokes, 0.85, 0.5, 0.5))
    expect(pad.locator(PREDICTION)).to_have_attribute("data-kind", "number", timeout=10_000)
    expect(pad.locator(PREDICTION)).to_have_text("204")
    parts = pad.get_by_test_id("digit-part")
    expect(parts).to_have_count(3)
    expect(parts.nth(1)).to_contain_text("0")
    expect(pad.get_by_test_id("bars")).to_be_hidden()
    # Each part's 28x28 holds ink
    dark = pad.evaluate("""() => [...document.querySelectorAll('[data-testid=digit-part] canvas')]
        .map((c) => { const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
                      let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
                      return n; })""")
    assert all(n > 15 for n in dark), dark
    # Back to one digit: the single-digit view as before
    pad.keyboard.press("Escape")
    mouse_draw(pad, place(first_of(real_sample, 7).strokes, 0.65, 0.5, 0.5))
    expect_digit(pad, 7)
    expect(pad.locator(PREDICTION)).to_have_attribute("data-kind", "digit")
    expect(pad.get_by_test_id("bars")).to_be_visible()
    expect(pad.get_by_test_id("digits")).to_be_hidden()


def test_a_star_is_not_a_digit_in_both_languages(pad):
    """A five-pointed star: the page says it is not a digit, and why a network can say so."""
    from tests.helpers import star

    if pad.evaluate("document.documentElement.lang") == "ko":
        pad.get_by_test_id("lang").click()
    mouse_draw(pad, star())
    expect(pad.locator(PREDICTION)).to_have_attribute("data-kind", "rejected", timeout=10_000)
    expect(pad.get_by_test_id("status")).to_contain_text("doesn't look like a digit")
    expect(pad.get_by_test_id("not-digit-why")).to_be_visible()
    expect(pad.get_by_test_id("bars-title")).to_have_text("If it were a digit")
    pad.get_by_test_id("lang").click()
    expect(pad.get_by_test_id("status")).to_contain_text("숫자처럼 보이지 않아요")
    expect(pad.get_by_test_id("not-digit-why")).to_contain_text("숫자 아님")
    expect(pad.get_by_test_id("bars-title")).to_have_text("숫자라면")
    pad.get_by_test_id("lang").click()
    pad.keyboard.press("Escape")  # a blank pad: the bars are probabilities again
    expect(pad.get_by_test_id("bars-title")).to_have_text("Probabilities")


# matchMedia, recorded: headless Chromium changes devicePixelRatio under CDP emulation but fires no
# event for it, so the test fires the page's own "resolution" query the way a zoom or a move to a
# projector would.
RECORD_MEDIA_QUERIES = """
window.__queries = [];
const realMatchMedia = window.matchMedia.bind(window);
window.matchMedia = (text) => {
  const query = realMatchMedia(text);
  const entry = { text, listeners: [] };
  const add = query.addEventListener.bind(query);
  query.addEventListener = (type, fn, options) => { entry.listeners.push(fn); add(type, fn, options); };
  window.__queries.push(entry);
  return query;
};
"""


def test_a_pixel_ratio_change_resizes_the_backing_store(browser, live_server):
    context = browser.new_context(viewport={"width": 1000, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    page.add_init_script(RECORD_MEDIA_QUERIES)
    page.goto(live_server)
    page.wait_for_selector("html[data-ready=true]")
    size = "(() => { const c = document.querySelector('#pad'); return [c.width, c.clientWidth]; })()"
    width, css = page.evaluate(size)
    assert width == css
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setDeviceMetricsOverride",
             {"width": 1000, "height": 800, "deviceScaleFactor": 2, "mobile": False})
    assert page.evaluate("devicePixelRatio") == 2
    page.evaluate("""() => {
        const watched = window.__queries.filter((q) => q.text.includes('dppx')).at(-1);
        watched.listeners.forEach((fn) => fn(new Event('change'))); }""")
    width, css = page.evaluate(size)
    assert width == 2 * css, (width, css)
    # The next change is watched too: a query on the new ratio.
    assert "2dppx" in page.evaluate("window.__queries.filter((q) => q.text.includes('dppx')).at(-1).text")
    context.close()


def test_touching_digits_are_kept_apart_by_the_strokes_the_page_sends(pad, live_server, real_sample):
    """Two real digits drawn touching: one piece of ink, which the image alone misreads (checked
    here first); the page sends its strokes with the image and the number comes back right."""
    from tests.helpers import drawing_png, touching_pair
    from webapp import recognition
    from webapp.classifier import Registry
    from webapp.paths import MODELS

    cnn = Registry(MODELS).get("cnn")
    rng = np.random.default_rng(0)
    for _ in range(40):
        a, b = (real_sample[int(i)] for i in rng.integers(len(real_sample), size=2))
        strokes = touching_pair(a, b)
        if recognition.recognise(drawing_png(strokes), cnn).number != f"{a.label}{b.label}":
            break
    else:
        pytest.fail("no touching pair that the image alone misreads")
    posted = []
    pad.on("request", lambda r: posted.append(r) if "/api/predict" in r.url else None)
    mouse_draw(pad, strokes)
    expect(pad.locator(PREDICTION)).to_have_attribute("data-kind", "number", timeout=10_000)
    expect(pad.locator(PREDICTION)).to_have_text(f"{a.label}{b.label}")
    last = posted[-1]
    assert "application/json" in last.headers["content-type"]
    body = last.post_data_json
    assert body["image"].startswith("data:image/png;base64,")
    # The strokes drawn, in the image's pixels: the page drops points closer than 0.002 of the pad
    # to the last one kept (and the mouse lands on whole pixels), so each stroke is compared by
    # where it starts and ends, within the drawing's box.
    sent = body["strokes"]
    assert len(sent) == len(strokes)

    def normalised(all_strokes):
        pts = np.asarray([p for s in all_strokes for p in s], float)
        lo, size = pts.min(0), (pts.max(0) - pts.min(0)).max()
        return [(np.asarray(s, float) - lo) / size for s in all_strokes]

    for got, drawn in zip(normalised(sent), normalised(strokes)):
        assert 1 <= len(got) <= len(drawn)
        assert np.abs(got[0] - drawn[0]).max() < 0.03 and np.abs(got[-1] - drawn[-1]).max() < 0.03


def test_the_wide_pad_takes_a_number_across_it(pad, real_sample):
    """The wide pad (twice as wide as tall) for writing a number: a four-digit number written
    across it is read whole; the choice is remembered, and the square pad comes back."""
    from webapp.training import variety

    by = {}
    for d in real_sample:
        by.setdefault(d.label, d)
    button = pad.get_by_test_id("wide")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    box = pad_box(pad)
    assert abs(box["width"] / box["height"] - 2) < 0.05, box
    _, strokes = variety.compose_number([by[2], by[0], by[2], by[6]], np.random.default_rng(2),
                                        pen=0.2)
    wide = place(strokes, 1.7, 1.0, 0.5)  # 1.7 units across the wide pad's 2 (its height is 1)
    xs, ys = [x for s in wide for x, _ in s], [y for s in wide for _, y in s]
    assert 0 <= min(xs) and max(xs) <= 2 and 0 <= min(ys) and max(ys) <= 1
    assert max(xs) - min(xs) > 1.2  # wider than the square pad could hold at this size
    mouse_draw(pad, [[(x / 2, y) for x, y in s] for s in wide])  # fractions of width and height
    expect(pad.locator(PREDICTION)).to_have_attribute("data-kind", "number", timeout=10_000)
    expect(pad.locator(PREDICTION)).to_have_text("2026")
    pad.reload()
    pad.wait_for_selector("html[data-ready=true]")
    expect(pad.get_by_test_id("wide")).to_have_attribute("aria-pressed", "true")
    if pad.evaluate("document.documentElement.lang") == "en":
        pad.get_by_test_id("lang").click()
    expect(pad.get_by_test_id("wide")).to_contain_text("넓은 패드")
    pad.get_by_test_id("wide").click()
    expect(pad.get_by_test_id("wide")).to_have_attribute("aria-pressed", "false")
    box = pad_box(pad)
    assert abs(box["width"] / box["height"] - 1) < 0.05, box
    pad.get_by_test_id("lang").click()
