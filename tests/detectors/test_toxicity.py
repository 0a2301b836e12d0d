from __future__ import annotations

import gzip
import json
import math
import random
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from enkrypt_middleware.detectors import BUILTIN_DETECTORS, toxicity
from enkrypt_middleware.detectors._linear import sigmoid
from enkrypt_middleware.detectors._profanity import tokenize, word_list
from enkrypt_middleware.detectors._toxicity_model import SCALE, ToxicityModel, load_columns
from enkrypt_middleware.detectors.base import Finding, Located
from enkrypt_middleware.detectors.toxicity import LABELS, ToxicityConfig, ToxicityDetector, scores

# text, labels that must fire
TOXIC: list[tuple[str, tuple[str, ...]]] = [
    ("You are a stupid idiot", ("toxicity", "insult")),
    ("shut up you moron", ("toxicity", "insult")),
    ("she is a disgusting pig", ("toxicity", "insult")),
    ("I will kill you", ("toxicity", "threat")),
    ("I'm going to find you and hurt your family", ("toxicity", "threat")),
    ("I hope you die in a fire", ("toxicity", "threat")),
    ("what the fuck is this shit", ("toxicity", "obscene")),
    ("you f*cking b1tch", ("toxicity", "insult")),
    ("Shut the fuck up, you worthless piece of shit", ("toxicity", "severe_toxicity", "obscene", "insult")),
    ("Muslims are a cancer on society", ("identity_hate", "severe_toxicity")),
    ("Immigrants are vermin and should all be shot", ("identity_hate", "threat")),
]

# implicit hate: no profanity, no slur
IMPLICIT_HATE = [
    "Immigrants are invading our country, send them all back",
    "Illegal aliens are rapists and criminals, build the wall and deport them all",
]

BENIGN = [
    "Have a nice day, thanks for the help!",
    "How do I kill a Python process?",
    "What's the difference between kill -9 and kill -15?",
    "I'll shoot you an email tomorrow morning.",
    "I will beat you at chess next time.",
    "Scunthorpe is a town in England.",
    "Please assess the risks before the meeting.",
    "My therapist suggested journaling.",
    "The pilot checked the instruments in the cockpit.",
    "Moby Dick is a novel by Herman Melville.",
    "Breast cancer screening saves lives.",
    "The weather is nice today.",
    "You are dead right about the deadline.",
    "It is wrong to say that all immigrants are criminals.",
]


@pytest.mark.parametrize(("text", "labels"), TOXIC, ids=[t for t, _ in TOXIC])
def test_toxic_texts_fire_their_labels(text: str, labels: tuple[str, ...]) -> None:
    finding = ToxicityDetector().detect(text)
    assert finding.detected is True
    for label in labels:
        assert label in finding.details["labels"], (label, finding.details)


@pytest.mark.parametrize("text", IMPLICIT_HATE)
def test_implicit_hate_without_profanity_scores(text: str) -> None:
    tokens = tokenize(text)
    assert not [term for _, term in word_list().find(tokens) if not term.ambiguous]
    finding = ToxicityDetector().detect(text)
    assert "identity_hate" in finding.details["labels"]


@pytest.mark.parametrize("text", BENIGN)
def test_benign_texts_do_not_fire(text: str) -> None:
    finding = ToxicityDetector().detect(text)
    assert finding.details["labels"] == [], finding.details
    assert finding.detected is False


@pytest.mark.parametrize("text", ["Scunthorpe", "assess", "therapist", "cockpit", "Essex", "classic", "grape"])
def test_rude_substrings_are_not_words(text: str) -> None:
    assert word_list().find(tokenize(text)) == []
    assert scores(text)["obscene"] == 0.0


def test_leetspeak_and_unicode_spellings_match_the_word_list() -> None:
    for text in ["b1tch", "@sshole", "Ｆｕｃｋ", "f\u200buck", "d!ck head"]:
        assert word_list().find(tokenize(text)), text


def test_six_scores_in_unit_interval() -> None:
    for text in [*[t for t, _ in TOXIC], *BENIGN, "", "   ", "😀" * 50]:
        values = scores(text)
        assert set(values) == set(LABELS)
        assert all(0.0 <= value <= 1.0 for value in values.values())


def test_enkrypt_shape_summary_is_a_list_of_labels() -> None:
    detector = ToxicityDetector()
    texts = ["You are a stupid idiot", "Have a nice day"]
    located = [Located(path=f"messages[{i}].content", text=t, finding=detector.detect(t)) for i, t in enumerate(texts)]
    report = detector.report(located)
    assert report.detected is True
    assert isinstance(report.summary["toxicity"], list)
    assert report.summary["toxicity"][:2] == ["toxicity", "insult"]
    assert list(report.details) == list(LABELS)
    assert all(isinstance(value, float) for value in report.details.values())
    clean = detector.report([Located(path="x", text="hi", finding=detector.detect("hi"))])
    assert clean.summary == {"toxicity": []}
    assert clean.detected is False


def test_thresholds_from_config_change_the_verdict() -> None:
    text = "You are a stupid idiot"
    assert "insult" in ToxicityConfig().build().detect(text).details["labels"]
    strict = ToxicityConfig(thresholds={"insult": 0.95, "toxicity": 0.99}).build().detect(text)
    assert "insult" not in strict.details["labels"]
    assert "toxicity" not in strict.details["labels"]
    lax = ToxicityConfig(threshold=0.01).build().detect("Have a nice day")
    assert lax.detected is True
    assert set(lax.details["labels"]) >= {"toxicity", "identity_hate"}


def test_config_rejects_unknown_labels_and_is_registered() -> None:
    assert BUILTIN_DETECTORS["toxicity"] is ToxicityConfig
    with pytest.raises(ValueError):
        ToxicityConfig.model_validate({"thresholds": {"rudeness": 0.5}})
    with pytest.raises(ValueError):
        ToxicityDetector(thresholds={"rudeness": 0.5})


def test_long_text_is_not_diluted() -> None:
    filler = "The committee reviewed the quarterly budget and approved the plan. " * 150
    finding = ToxicityDetector().detect(filler + " You are a stupid idiot. " + filler)
    assert "insult" in finding.details["labels"]
    assert ToxicityDetector().detect(filler).detected is False


def test_hostile_input_stays_fast() -> None:
    # bounded slices only: a long run of anchors must not blow up (asserted by finishing; no timing)
    text = ("you you you idiot kill kill hope " * 2000) + "!"
    assert isinstance(ToxicityDetector().detect(text), Finding)


def test_weights_load_from_the_installed_package(tmp_path: Path) -> None:
    code = (
        "import enkrypt_middleware.detectors.toxicity as t, importlib.resources as r;"
        "p = r.files('enkrypt_middleware.detectors').joinpath('models').joinpath('toxicity.json.gz');"
        "print(str(p)); print(t.ToxicityDetector().detect('You are a stupid idiot').details['labels'])"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    path, labels = result.stdout.splitlines()
    assert Path(path).is_file()
    assert "insult" in labels
    data = json.loads(gzip.decompress(Path(path).read_bytes()))
    assert data["format"] == 2
    assert data["heads"] == ["offensive", "hate"]
    assert data["features"] == "toxicity"
    assert set(data["meta"]["raw_thresholds"]) == {"offensive", "hate"}
    assert Path(path).stat().st_size < 1_000_000


def test_prior_notices_ship_beside_the_model() -> None:
    from importlib import resources

    notice = resources.files("enkrypt_middleware.detectors").joinpath("models").joinpath("toxicity_NOTICE.txt")
    text = notice.read_text(encoding="utf-8")
    for name in ("GloVe", "alt-profanity-check", "VADER", "Permission is hereby granted"):
        assert name in text


def test_model_round_trips_through_its_file_format() -> None:
    from enkrypt_middleware.detectors._toxicity_model import ToxicityModel

    model = ToxicityModel(("offensive", "hate"), (-1.0, -2.0), {"idiot": (1.5, 0.25), "#severe": (2.0, -0.5)}, {})
    again = ToxicityModel.from_dict(json.loads(gzip.decompress(model.dumps())))
    assert again == model
    assert model.dumps() == again.dumps()  # reproducible bytes
    with pytest.raises(ValueError):
        ToxicityModel.from_dict({**model.to_dict(), "format": 1})


# --- the faster paths give what the plain ones gave (issue 5) -----------------------------------------------------


def _packaged_model() -> ToxicityModel:
    path = resources.files("enkrypt_middleware.detectors").joinpath("models").joinpath("toxicity.json.gz")
    return ToxicityModel.from_dict(json.loads(gzip.decompress(path.read_bytes())))


def test_scoring_holds_every_weight_of_the_model_file_exactly() -> None:
    model = _packaged_model()
    res = toxicity.make_resources(load_columns())
    assert res.bias == model.bias
    assert len(res.weights) == len(model.weights) == 40_000
    # whole units of 1 / SCALE, which divided back are the file's weights, bit for bit
    assert all(
        res.weights[feature] == complex(round(row[0] * SCALE), round(row[1] * SCALE))
        and (res.weights[feature].real / SCALE, res.weights[feature].imag / SCALE) == row
        for feature, row in model.weights.items()
    )
    assert res.keys == frozenset(model.weights)
    assert res.lexical_keys == {feature for feature in model.weights if feature.startswith("#")}
    again = toxicity.make_resources(model)  # the training script's way, from a model in memory
    assert again.weights == res.weights
    assert (again.keys, again.lexical_keys, again.bias) == (res.keys, res.lexical_keys, res.bias)


def _plain_probabilities(model: ToxicityModel, text: str) -> tuple[float, float]:
    """The model's definition: per 64-token window, bias plus the weights of the set of its features."""
    tokens = tokenize(text)
    hits = word_list().find(tokens)
    best = [-math.inf, -math.inf]
    for start in range(0, max(len(tokens), 1), toxicity.WINDOW):
        terms = [term for index, term in hits if start <= index < start + toxicity.WINDOW]
        present = set(toxicity.features(tokens[start : start + toxicity.WINDOW], terms)) & model.weights.keys()
        for head in (0, 1):
            best[head] = max(best[head], model.bias[head] + sum(model.weights[f][head] for f in present))
    return sigmoid(best[0]), sigmoid(best[1])


def test_window_scores_are_the_plain_sums_of_the_file_weights() -> None:
    model = _packaged_model()
    rng = random.Random(7)
    terms = [" ".join(term) for term in word_list()._singles] + [text for text, _ in TOXIC] + BENIGN + IMPLICIT_HATE
    texts = [*terms, *(" ".join(rng.choices(terms + BENIGN * 20, k=rng.randint(2, 120))) for _ in range(300))]
    for text in texts:
        # the same numbers, summed in another order
        assert toxicity.model_probabilities(toxicity.analyze(text)) == pytest.approx(
            _plain_probabilities(model, text), rel=1e-12, abs=1e-15
        ), text


def test_the_shared_analysis_is_never_that_of_another_text() -> None:
    first = "you stupid bitch " * 3
    equal = "".join(["you stupid bitch "] * 3)  # the same characters, another object
    assert equal == first and equal is not first
    assert toxicity.analyze(first) is toxicity.analyze(first)  # detectors on one text share it
    assert toxicity.analyze(equal).tokens == tokenize(first)
    assert toxicity.analyze("have a nice day").tokens == ["have", "a", "nice", "day"]
    assert toxicity.analyze(first).hits != [] and toxicity.analyze("have a nice day").hits == []
