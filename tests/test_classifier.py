"""The shipped model: its contract, its accuracy, LiteRT = Keras, and thread safety."""

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from webapp import classifier

MODELS = Path(__file__).parent.parent / "models"


@pytest.fixture(scope="module")
def litert():
    return classifier.load(MODELS, "cnn", "litert")


@pytest.fixture(scope="module")
def test_images(mnist_slice):
    return mnist_slice["x_test"].astype(np.float32) / 255, mnist_slice["y_test"]


def test_card_is_complete():
    card = json.loads((MODELS / "cnn.json").read_text())
    for key in ("architecture", "parameters", "optimizer", "epochs", "augmentation", "data",
                "mnist_test_accuracy", "per_class_accuracy", "confusion_matrix",
                "training_seconds", "device", "versions", "date", "command"):
        assert key in card, key
    assert card["mnist_test_accuracy"] >= 0.994 and card["data"]["test"] == 10000
    # The served model (LiteRT) gives Keras's answer on every MNIST test image.
    assert card["litert_vs_keras"] == {**card["litert_vs_keras"], "images": 10000, "same_digit": 1.0}
    assert card["data"]["sha256"] == "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"
    assert np.array(card["confusion_matrix"]).sum() == 10000
    for plot in card["files"]["plots"]:
        assert (MODELS / plot).stat().st_size > 1000
    assert (MODELS / "cnn.keras").stat().st_size < 5_000_000


def test_the_served_threshold_is_the_one_full_length_cross_validation_chose():
    """The 3-epoch folds chose 0.75; networks trained as long as the served model (its card's
    epochs) are surer of "not a digit" and reject more fold digits there (the rule: at most 0.3%,
    on the seeds' mean). The recipe is the one that trains on the card's --styles, so a card
    cannot name another's."""
    import train
    from webapp.training import crossval

    card = json.loads((MODELS / "cnn.json").read_text())
    real = card["data"]["real_drawings"]
    recipe = train.recipe_of_run(real["styles"], real["lookalike_letters"],
                                 card["data"].get("scribbles", 0),
                                 card["data"].get("shapes", train.SHAPES))
    threshold, chosen_by = crossval.threshold_choice(recipe, epochs=card["epochs"])
    assert chosen_by.startswith("crossval-epochs/") and chosen_by.endswith("(mean of 3 seeds)")
    assert card["not_digit"]["threshold"] == threshold
    assert card["not_digit"]["threshold_from"] == f"{chosen_by}, recipe {recipe}"


def _crossval_results(path: Path, recipe: str, false_rejects: dict[float, float],
                      epochs: int | None = None, warp: str | None = None) -> Path:
    """A cross-validation results file whose threshold table holds these false-reject rates."""
    table = [{"threshold": t, "false_rejects": f} for t, f in false_rejects.items()]
    ok = [row for row in table if row["false_rejects"] <= 0.003]
    results = {"recipes": {recipe: {"summary": {"threshold": {
        "chosen": ok[0] if ok else table[-1], "table": table, "max_false_rejects": 0.003}}}}}
    if epochs is not None:
        results["settings"] = {"epochs": epochs}
    if warp is not None:
        results.setdefault("settings", {})["warp"] = warp
    path.write_text(json.dumps(results))
    return path


def test_a_full_length_runs_threshold_comes_before_the_short_runs(tmp_path):
    from webapp.training import crossval

    full = _crossval_results(tmp_path / "full.json", "a", {0.75: 0.004, 0.9: 0.002})
    short = _crossval_results(tmp_path / "short.json", "b", {0.75: 0.002, 0.9: 0.001})
    short_too = _crossval_results(tmp_path / "short-too.json", "a", {0.75: 0.002, 0.9: 0.001})
    assert crossval.threshold_choice("a", [full], [short_too])[0] == 0.9
    assert crossval.threshold_choice("b", [full], [short])[0] == 0.75  # not in the full run
    assert crossval.threshold_choice("c", [full], [short])[0] == 0.5  # never cross-validated
    assert crossval.threshold_choice("a", [tmp_path / "missing.json"], [short_too])[0] == 0.75


def test_runs_with_other_augmentation_ranges_never_vote(tmp_path):
    """The same recipe name trained with another warp (crossval --warp) is another recipe: its
    folds would move the shipped model's threshold."""
    from webapp.training import crossval

    shipped = _crossval_results(tmp_path / "e20_seed1.json", "a", {0.8: 0.004, 0.85: 0.0028},
                                epochs=20)
    gentle = _crossval_results(tmp_path / "gentle-e20_seed1.json", "a",
                               {0.8: 0.001, 0.85: 0.0005}, epochs=20, warp="gentle")
    short_gentle = _crossval_results(tmp_path / "short.json", "a", {0.75: 0.001}, warp="gentle")
    assert crossval.threshold_choice("a", [shipped, gentle], [])[0] == 0.85
    assert crossval.threshold_choice("a", [shipped, gentle], [], warp="gentle")[0] == 0.8
    assert crossval.threshold_choice("a", [], [short_gentle])[0] == 0.5
    assert crossval.threshold_choice("a", [], [short_gentle], warp="gentle")[0] == 0.75


def test_full_length_seeds_are_pooled_before_the_rule_is_applied(tmp_path):
    """One seed on each side of the line: the mean decides, not whichever file sorts first."""
    from webapp.training import crossval

    seed1 = _crossval_results(tmp_path / "e16_seed1.json", "a", {0.8: 0.0040, 0.85: 0.0032,
                                                                  0.9: 0.0020})
    seed2 = _crossval_results(tmp_path / "e16_seed2.json", "a", {0.8: 0.0036, 0.85: 0.0024,
                                                                  0.9: 0.0016})
    threshold, chosen_by = crossval.threshold_choice("a", [seed1, seed2], [])
    assert threshold == 0.85  # mean 0.28% there; seed 1 alone would say 0.9, seed 2 alone 0.85
    assert "e16_seed1.json" in chosen_by and "e16_seed2.json" in chosen_by
    assert "mean of 2 seeds" in chosen_by
    assert crossval.threshold_choice("a", [seed1], [])[0] == 0.9
    # A seed whose table lacks a threshold cannot vote on it: only common thresholds count.
    partial = _crossval_results(tmp_path / "e16_seed3.json", "a", {0.9: 0.001})
    assert crossval.threshold_choice("a", [seed1, seed2, partial], [])[0] == 0.9


def test_only_runs_as_long_as_the_model_choose_its_threshold(tmp_path):
    """Trained longer, a network is surer of "not a digit": 20-epoch folds must not vote on a
    16-epoch model's threshold, nor the other way round."""
    from webapp.training import crossval

    e16 = [_crossval_results(tmp_path / f"a-e16_seed{i}.json", "a", {0.8: 0.002, 0.9: 0.001}, 16)
           for i in (1, 2)]
    e20 = [_crossval_results(tmp_path / f"a-e20_seed{i}.json", "a", {0.8: 0.005, 0.9: 0.002}, 20)
           for i in (1, 2)]
    runs = [*e16, *e20]
    threshold, chosen_by = crossval.threshold_choice("a", runs, [], epochs=16)
    assert threshold == 0.8 and "e20" not in chosen_by and chosen_by.endswith("(mean of 2 seeds)")
    threshold, chosen_by = crossval.threshold_choice("a", runs, [], epochs=20)
    assert threshold == 0.9 and "e16" not in chosen_by
    # No runs of the model's length: the nearest length decides, and the source says so.
    threshold, chosen_by = crossval.threshold_choice("a", e16, [], epochs=20)
    assert threshold == 0.8 and chosen_by.endswith("(folds trained 16 epochs, the model 20)")
    assert crossval.threshold_choice("a", runs, [], epochs=17)[0] == 0.8
    assert crossval.threshold_choice("a", runs, [], epochs=18)[0] == 0.9  # a tie: the longer
    assert crossval.threshold_choice("a", runs, [])[0] == 0.9  # not given: the longest


def test_a_card_is_written_again_from_the_threshold_the_seeds_now_choose(tmp_path):
    """scripts/card_threshold.py: the card's block is what the current choice costs on MNIST
    test, and the recipe is read back from what train.py wrote."""
    import importlib.util

    from webapp.training import crossval

    seed1 = _crossval_results(tmp_path / "e16_seed1.json", "a", {0.8: 0.004, 0.9: 0.002})
    threshold = crossval.threshold_choice("a", [seed1], [])
    probs = np.zeros((4, 11), np.float32)
    probs[:, 10] = [0.95, 0.85, 0.2, 0.1]  # rejected at 0.9: the first only (at 0.8: two)
    probs[np.arange(4), [3, 1, 2, 0]] = 1 - probs[:, 10]
    y = np.array([3, 1, 2, 9])  # the last one's best digit is wrong
    block = crossval.not_digit_card(probs, y, "a", 7, threshold=threshold)
    assert block["threshold"] == 0.9 and block["training_images"] == 7
    assert block["mnist_test_rejected"] == 0.25
    assert block["mnist_test_accuracy_not_rejected"] == 0.5
    assert block["threshold_from"].endswith("e16_seed1.json, recipe a")
    lower = crossval.not_digit_card(probs, y, "a", 7, threshold=(0.8, "x"))
    assert lower["mnist_test_rejected"] == 0.5 and lower["mnist_test_accuracy_not_rejected"] == 0.25

    spec = importlib.util.spec_from_file_location(
        "card_threshold", Path(__file__).parent.parent / "scripts" / "card_threshold.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    card = json.loads((MODELS / "cnn.json").read_text())
    assert script.recipe_on_card(card) == card["not_digit"]["threshold_from"].rsplit(" ", 1)[1]
    theta = {"data": {"real_drawings": {"styles": "theta-float", "lookalike_letters": None}}}
    assert script.recipe_on_card(theta) == "thetafloat11"
    theta["data"]["scribbles"] = 1500  # train.py --scribbles: its own recipe, its own threshold
    assert script.recipe_on_card(theta) == "scribble11"
    theta["data"]["shapes"] = 2000  # train.py --shapes 2000: half the shapes given to scribbles
    assert script.recipe_on_card(theta) == "swap11"
    for unknown in ({"not_digit": None}, {"data": {"real_drawings": {"styles": "sideways"}}}):
        with pytest.raises(ValueError):
            script.recipe_on_card(unknown)


def test_keras_model_meets_the_contract():
    import keras

    model = keras.saving.load_model(MODELS / "cnn.keras", compile=False)
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    assert tuple(model.output_shape) == (None, 11)  # ten digits and "not a digit"
    p = model(np.zeros((3, 28, 28, 1), np.float32), training=False).numpy()
    assert np.allclose(p.sum(1), 1, atol=1e-5)


def test_shipped_model_scores_99_on_the_committed_slice(litert, test_images):
    x, y = test_images
    pred = np.array([litert.predict(i).argmax() for i in x])
    assert (pred == y).mean() >= 0.99


def test_litert_and_keras_agree(litert, test_images):
    keras_clf = classifier.load(MODELS, "cnn", "keras")
    x, _ = test_images
    for img in x[:300]:
        a, b = litert.predict(img), keras_clf.predict(img)
        assert a.argmax() == b.argmax() and np.abs(a - b).max() < 1e-4


def test_concurrent_requests_get_their_own_answers(litert, test_images):
    x, _ = test_images
    expected = [litert.predict(i) for i in x[:64]]
    results: dict[int, list] = {}
    errors = []

    def worker(k: int) -> None:
        try:
            results[k] = [litert.predict(x[(i + k) % 64]) for i in range(64)]
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k, answers in results.items():
        for i, p in enumerate(answers):
            assert np.array_equal(p, expected[(i + k) % 64])


def test_missing_or_corrupt_model_refuses_to_start(tmp_path):
    from webapp import create_app

    with pytest.raises(classifier.ModelError, match="not found"):
        create_app({"MODELS_DIR": str(tmp_path)})
    (tmp_path / "cnn.tflite").write_bytes(b"garbage, not a flatbuffer")
    with pytest.raises(classifier.ModelError, match="cannot load"):
        create_app({"MODELS_DIR": str(tmp_path)})


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf, on purpose
@pytest.mark.parametrize("output", [
    [np.nan] + [0.1] * 9, [np.inf, -np.inf, 1.0] + [0.0] * 7, [np.inf] + [0.0] * 9,
    [0.2] * 10, [0.1] * 12, [0.1] * 9])
def test_a_model_that_does_not_output_probabilities_is_refused(output):
    with pytest.raises(classifier.ModelError, match="probabilities"):
        classifier._check_output(np.asarray(output, dtype=np.float32), Path("m.tflite"))


def test_ten_or_eleven_probabilities_pass():
    for n in (10, 11):
        p = np.full(n, 1 / n, dtype=np.float32)
        assert np.array_equal(classifier._check_output(p[None], Path("m.tflite")), p)
