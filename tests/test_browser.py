"""End to end in a real Chromium: what only a browser shows. Strokes come from real pen-drawn
digits (tests/data/real_sample.jsonl.gz), replayed with a mouse or a finger."""

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from benchmarks.common import mouse_draw
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
    return page.locator("#pad").bounding_box()


def touch_draw(page, strokes):
    """A finger, through Chrome DevTools Protocol touch events (what a phone sends)."""
    cdp = page.context.new_cdp_session(page)
    box = pad_box(page)
    for stroke in strokes:
        points = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]}
                  for x, y in stroke]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
        for p in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [p]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


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
    received = preprocess.preprocess
    monkeypatch.setattr(preprocess, "preprocess", lambda data: uploads.append(data) or received(data))
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
    pad.get_by_test_id("undo").click()
    expect_digit(pad, 4)
    pad.keyboard.press("Control+z")
    expect(pad.locator(PREDICTION)).not_to_have_attribute("data-state", "idle")
    pad.get_by_test_id("clear").click()
    expect(pad.locator(PREDICTION)).to_have_attribute("data-state", "idle")
    expect(pad.locator("[data-testid=prompt]")).to_be_visible()


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
    # Crisp: the backing store follows the device pixels.
    assert page.evaluate("document.querySelector('#pad').width") >= 3 * box["width"] - 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    touch_draw(page, place(first_of(real_sample, 7).strokes, 0.6, 0.5, 0.5))
    expect_digit(page, 7)
    context.close()
