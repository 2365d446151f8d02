"""The lesson deck: the mathematics against NumPy, and the deck in a real browser (keys, both
languages, no console errors, reload keeps the slide, phones without sideways scrolling)."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

FIT_POINTS = [[-2, -1.3], [-1.4, -0.2], [-0.6, -0.4], [0, 0.5], [0.7, 0.9], [1.3, 1.9], [2, 2.1]]


@pytest.fixture()
def deck(page, live_server):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server}/lesson")
    page.wait_for_selector("html[data-ready=true]")
    page.errors = errors
    return page


def math(page, expression: str, *args):
    return page.evaluate(f"""async (args) => {{ const m = await import('/static/js/lesson-math.js');
        return {expression}; }}""", list(args))


def reference_path(kind, points, start, steps, lr):
    """Keras's update rules, in NumPy: SGD, SGD with momentum 0.9, Adam (epsilon 1e-7)."""
    x, y = np.array(points).T
    p = np.array(start, float)
    v = m = s = np.zeros(2)
    out = []
    for t in range(1, steps + 1):
        e = p[0] * x + p[1] - y
        g = np.array([np.mean(2 * e * x), np.mean(2 * e)])
        if kind == "sgd":
            p = p - lr * g
        elif kind == "momentum":
            v = 0.9 * v - lr * g
            p = p + v
        else:
            m = 0.9 * m + 0.1 * g
            s = 0.999 * s + 0.001 * g * g
            p = p - lr * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(s) + 1e-7)
        out.append(p.copy())
    return np.array(out)


@pytest.mark.browser
def test_update_rules_match_numpy(deck):
    points, start = [[-1, -2.2], [-0.5, -0.8], [0, 0.3], [0.5, 1.1], [1, 2.4]], [-2.5, 2.5]
    for kind, lr in (("sgd", 0.05), ("momentum", 0.05), ("adam", 0.2)):
        js = math(deck, "m.path(args[0], args[1], args[2], 50, {lr: args[3]}).slice(1).map(s => [s.w, s.b])",
                  kind, points, start, lr)
        assert np.allclose(js, reference_path(kind, points, start, 50, lr), atol=1e-9), kind
    x, y = np.array(FIT_POINTS).T
    w, b = np.polyfit(x, y, 1)
    assert np.allclose(math(deck, "m.leastSquares(args[0])", FIT_POINTS), [w, b], atol=1e-12)


@pytest.mark.browser
def test_the_whole_deck_with_the_keyboard_in_both_languages(deck):
    slides = deck.get_by_test_id("slide")
    count = slides.count()
    assert count >= 8
    for language in ("en", "ko"):
        if deck.evaluate("document.documentElement.lang") != language:
            deck.get_by_test_id("lang").click()
        deck.keyboard.press("Home")
        for i in range(count):
            expect(deck.locator(f"[data-testid=slide][data-index='{i}']")).to_have_attribute(
                "data-active", "true")
            assert deck.locator("[data-testid=slide][data-active=true]").count() == 1
            deck.keyboard.press(["ArrowRight", "PageDown", " "][i % 3])
        deck.keyboard.press("PageUp")
        expect(deck.locator(f"[data-testid=slide][data-index='{count - 2}']")).to_have_attribute(
            "data-active", "true")
    expect(deck.locator("[data-index='1'] h2")).to_contain_text("머신러닝")
    assert deck.errors == []


@pytest.mark.browser
def test_gradient_descent_reaches_the_least_squares_line(deck):
    deck.keyboard.press("ArrowRight")
    deck.get_by_test_id("lr").select_option("0.1")
    deck.get_by_test_id("train").click()
    x, y = np.array(FIT_POINTS).T
    w, b = np.polyfit(x, y, 1)
    plot = deck.get_by_test_id("fit-plot")
    for _ in range(100):
        got = (float(plot.get_attribute("data-w")), float(plot.get_attribute("data-b")))
        if abs(got[0] - w) < 1e-3 and abs(got[1] - b) < 1e-3:
            break
        deck.wait_for_timeout(100)
    assert abs(got[0] - w) < 1e-3 and abs(got[1] - b) < 1e-3, (got, (w, b))
    # A point added, another dragged: the closed-form answer follows the data.
    box = plot.bounding_box()
    deck.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.2)
    expect(plot).to_have_attribute("data-points", "8")
    before = deck.get_by_test_id("closed-form").text_content()
    px = box["x"] + (30 + (0 + 3) / 6 * (480 - 40)) / 480 * box["width"]  # the point (0, 0.5)
    py = box["y"] + (320 - 24 - (0.5 + 3) / 6 * (320 - 34)) / 320 * box["height"]
    deck.mouse.move(px, py)
    deck.mouse.down()
    deck.mouse.move(px, py + box["height"] * 0.25, steps=4)
    deck.mouse.up()
    expect(plot).to_have_attribute("data-points", "8")  # moved, not added
    expect(deck.get_by_test_id("closed-form")).not_to_have_text(before)
    # Too large a learning rate diverges, and the slide says so.
    deck.get_by_test_id("reset").click()
    deck.get_by_test_id("lr").select_option("1.2")
    for _ in range(8):
        deck.get_by_test_id("step").click()
    expect(deck.get_by_test_id("diverged")).to_be_visible()


@pytest.mark.browser
def test_the_optimiser_race_and_overfitting(deck):
    deck.goto(deck.url.split("#")[0] + "#5")
    deck.reload()
    deck.wait_for_selector("html[data-ready=true]")
    expect(deck.locator("[data-testid=slide][data-index='4']")).to_have_attribute("data-active", "true")
    deck.get_by_test_id("race").click()
    contour = deck.get_by_test_id("contour")
    for _ in range(100):  # 120 animated steps
        if contour.get_attribute("data-paths"):
            break
        deck.wait_for_timeout(100)
    import json

    ends = json.loads(contour.get_attribute("data-paths"))
    apart = max(abs(ends["sgd"][k] - ends["adam"][k]) for k in ("w", "b"))
    assert apart > 1e-3, ends  # different rules, different paths
    deck.keyboard.press("ArrowRight")
    plot = deck.get_by_test_id("poly-plot")
    low = (float(plot.get_attribute("data-train-error")), float(plot.get_attribute("data-new-error")))
    deck.get_by_test_id("degree").fill("7")
    high = (float(plot.get_attribute("data-train-error")), float(plot.get_attribute("data-new-error")))
    assert high[0] < low[0] and high[1] > low[1]  # training error falls, error on new points rises


@pytest.mark.browser
def test_reload_keeps_the_slide_and_phones_never_scroll_sideways(browser, live_server):
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(f"{live_server}/lesson#3")
    page.wait_for_selector("html[data-ready=true]")
    expect(page.locator("[data-testid=slide][data-index='2']")).to_have_attribute("data-active", "true")
    count = page.get_by_test_id("slide").count()
    for i in range(count):
        page.goto(f"{live_server}/lesson#{i + 1}")
        page.reload()
        page.wait_for_selector("html[data-ready=true]")
        expect(page.locator(f"[data-testid=slide][data-index='{i}']")).to_have_attribute(
            "data-active", "true")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, i
    ctx.close()


def test_the_tensorflow_slide_points_at_real_lines(client):
    concepts = client.get("/api/lesson/code").get_json()["concepts"]
    assert len(concepts) == 7 and all(c["line"] and c["code"] for c in concepts), concepts
