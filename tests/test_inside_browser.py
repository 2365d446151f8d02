"""Inside the network, in a real browser: every stage for a drawn digit, live updates, presenter
mode stepped with the keys a clicker sends, the language switch, a feature map opened large."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from benchmarks.common import mouse_draw
from webapp.training.drawings import place

pytestmark = pytest.mark.browser
STAGES = 23  # input, 4 x (conv, batchnorm, relu), 2 pools, flatten, dropouts, dense, ..., softmax


def digit(real_sample, label):
    return place(next(d for d in real_sample if d.label == label).strokes, 0.6, 0.5, 0.5)


@pytest.fixture()
def inside(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server}/inside")
    page.wait_for_selector("html[data-ready=true]")
    return page


def active_index(page) -> int:
    return int(page.locator("[data-testid=stage][data-active=true]").get_attribute("data-index"))


def test_every_stage_follows_the_drawing(inside, real_sample):
    mouse_draw(inside, digit(real_sample, 3))
    stages = inside.get_by_test_id("stage")
    expect(stages).to_have_count(STAGES, timeout=10_000)
    expect(inside.get_by_test_id("prediction")).to_have_text("3")
    kinds = [s.get_attribute("data-kind") for s in stages.all()]
    assert kinds[0] == "input" and kinds[1] == "conv" and kinds[-1] == "softmax"
    assert {"batchnorm", "activation", "pool", "flatten", "dropout", "dense"} <= set(kinds)
    expect(stages.nth(1).get_by_test_id("map")).to_have_count(32)
    expect(stages.nth(-1).locator("tr.top td").first).to_have_text("3")
    # A new drawing: the stages change with it.
    inside.get_by_test_id("clear").click()
    expect(stages).to_have_count(0)
    mouse_draw(inside, digit(real_sample, 7))
    expect(inside.get_by_test_id("prediction")).to_have_text("7", timeout=10_000)
    expect(stages.nth(-1).locator("tr.top td").first).to_have_text("7")


def test_a_feature_map_opens_with_its_filter(inside, real_sample):
    mouse_draw(inside, digit(real_sample, 5))
    maps = inside.get_by_test_id("stage").nth(1).get_by_test_id("map")
    expect(maps).to_have_count(32, timeout=10_000)
    maps.nth(4).click()
    expect(inside.get_by_test_id("map-detail")).to_be_visible()
    expect(inside.get_by_test_id("filter-caption")).to_contain_text("5")
    assert inside.get_by_test_id("filter").evaluate("c => c.width") > 0


def test_presenter_mode_steps_with_clicker_keys_in_both_languages(inside, real_sample):
    mouse_draw(inside, digit(real_sample, 2))
    expect(inside.get_by_test_id("stage")).to_have_count(STAGES, timeout=10_000)
    inside.get_by_test_id("presenter-mode").click()
    expect(inside.locator("body")).to_have_class("inside presenting")
    assert active_index(inside) == 0
    for key, expected in (("ArrowRight", 1), ("PageDown", 2), (" ", 3), ("ArrowLeft", 2),
                          ("PageUp", 1), ("End", STAGES - 1), ("Home", 0)):
        inside.keyboard.press(key)
        assert active_index(inside) == expected, key
    visible = [s for s in inside.get_by_test_id("stage").all() if s.is_visible()]
    assert len(visible) == 1
    inside.keyboard.press("ArrowRight")
    conv = inside.locator("[data-testid=stage][data-active=true] h2")
    if inside.evaluate("document.documentElement.lang") == "ko":
        inside.get_by_test_id("lang").click()
    expect(conv).to_contain_text("Convolution")
    inside.get_by_test_id("lang").click()
    expect(conv).to_contain_text("합성곱")
    assert active_index(inside) == 1  # the language switch keeps the stage
    inside.get_by_test_id("lang").click()
    inside.keyboard.press("Escape")
    expect(inside.locator("body")).not_to_have_class("inside presenting")


def test_without_preprocessing_a_small_digit_in_a_corner_is_lost(inside, real_sample):
    """The lesson of the MNIST recipe, live: the whole canvas resized to 28x28 shrinks a small
    digit to a few pixels in a corner, and the network no longer reads it."""
    strokes = place(next(d for d in real_sample if d.label == 7).strokes, 0.22, 0.18, 0.8)
    mouse_draw(inside, strokes)
    expect(inside.get_by_test_id("prediction")).to_have_text("7", timeout=10_000)
    inside.get_by_test_id("no-preprocessing").check()
    expect(inside.get_by_test_id("prediction")).not_to_have_text("7", timeout=10_000)
    inside.get_by_test_id("no-preprocessing").uncheck()
    expect(inside.get_by_test_id("prediction")).to_have_text("7", timeout=10_000)


def test_the_same_drawing_for_every_compared_model_and_the_homework(inside, real_sample):
    mouse_draw(inside, digit(real_sample, 6))
    cells = inside.get_by_test_id("compare-cell")
    expect(cells.first).to_be_visible(timeout=10_000)
    assert cells.count() >= 1
    expect(inside.locator("[data-testid=compare-cell][data-model=cnn] [data-testid=compare-digit]")
           ).to_have_text("6")
    expect(inside.get_by_test_id("homework-code")).to_contain_text("model.fit")
    from webapp.homework import summary

    expect(inside.get_by_test_id("homework-count")).to_contain_text(str(summary()["statements"]))
    expect(inside.get_by_test_id("homework-result")).to_contain_text("%")
    assert inside.locator("[data-testid=homework-code] span.kw").count() > 3  # highlighted
