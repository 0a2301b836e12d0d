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
from enkrypt_middleware.detectors import _toxicity_rules as toxicity_rules
from enkrypt_middleware.detectors._groups import GROUP_ADJECTIVES, GROUP_NOUNS, PEOPLE_NOUNS
from enkrypt_middleware.detectors._linear import sigmoid
from enkrypt_middleware.detectors._profanity import Term, joiner, positions, tokenize, tokens_of, word_list
from enkrypt_middleware.detectors._toxicity_model import SCALE, ToxicityModel, load_units
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
    res = toxicity.make_resources(load_units())
    assert res.bias == model.bias
    assert len(res.weights) == len(model.weights) == 40_000
    # whole units of 1 / SCALE, which divided back are the file's weights, bit for bit
    assert all(
        _heads(res.weights[feature], res.spread) == (round(row[0] * SCALE), round(row[1] * SCALE))
        and tuple(value / SCALE for value in _heads(res.weights[feature], res.spread)) == row
        for feature, row in model.weights.items()
    )
    assert res.keys == frozenset(model.weights)
    assert res.lexical_keys == {feature for feature in model.weights if feature.startswith("#")}
    again = toxicity.make_resources(model.units())  # the training script's way, from a model in memory
    assert again.weights == res.weights
    assert (again.keys, again.lexical_keys, again.bias) == (res.keys, res.lexical_keys, res.bias)


def _heads(total: float, spread: float) -> tuple[float, float]:
    """The (offensive, hate) sums packed in ``total`` (``toxicity._Resources.weights``)."""
    hate = math.remainder(total, spread)
    return (total - hate) / spread, hate


def test_packed_sums_are_exact_at_their_extremes() -> None:
    # per head and sign, the farthest a window's sum can go: its WINDOW words of the largest weights of that sign
    # and every word-list feature of that sign
    res = toxicity._resources()
    heads = {feature: _heads(weight, res.spread) for feature, weight in res.weights.items()}
    words = [feature for feature in heads if feature[0] != "#"]
    for head in (0, 1):
        for sign in (1.0, -1.0):
            ranked = sorted(words, key=lambda feature: sign * heads[feature][head], reverse=True)
            picked = ranked[: toxicity.WINDOW] + [f for f in res.lexical_keys if sign * heads[f][head] > 0]
            total = sum(map(res.weights.__getitem__, picked), 0.0)
            assert _heads(total, res.spread) == tuple(math.fsum(heads[f][h] for f in picked) for h in (0, 1))
    with pytest.raises(ValueError, match="too large"):
        toxicity._shift([10**12], [1], 0)


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


# --- the faster paths of issue 5 find what the plain ones found ---------------------------------------------------


def _plain_find(tokens: list[str]) -> list[tuple[int, Term]]:
    """The word list's terms in ``tokens``, looked for at every token: the longest term starting at a token, else
    the one-token term it is."""
    words = word_list()
    found: dict[int, Term] = {}
    for i, token in enumerate(tokens):
        for term, _, _ in words._by_first.get(token, ()):
            if tuple(tokens[i : i + len(term.tokens)]) == term.tokens:
                found[i] = term
                break
        else:
            if token in words._singles:
                found[i] = words._singles[token]
    return sorted(found.items(), key=lambda hit: hit[0])


def test_word_list_finds_what_a_scan_of_every_token_finds() -> None:
    # multi-word terms whose words all occur, in order or not (only the phrase tests tell them apart)
    multi = [term for terms in word_list()._by_first.values() for term, _, _ in terms]
    words = sorted({word for term in multi for word in term.tokens}) + ["the", "a", "bell", "end", "son", "of"]
    phrases = [" ".join(term.tokens) for term in multi] + [" ".join(term) for term in word_list()._singles]
    rng = random.Random(12)
    for _ in range(3000):
        pool = words if rng.random() < 0.5 else words + phrases
        text = " ".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        tokens = tokenize(text)
        assert word_list().find(tokens) == _plain_find(tokens), text


def test_joined_tokens_are_built_once_per_kept_text() -> None:
    text = "you are next in line for the bell at the end"
    kept = tokens_of((text + ".")[:-1])
    assert joiner(kept.tokens)() == f" {' '.join(kept.tokens)} "
    assert joiner(kept.tokens)() is joiner(kept.tokens)()  # the kept tokens' join, made once
    other = list(kept.tokens)  # equal, but not the kept list: joined on the spot
    assert joiner(other)() == joiner(kept.tokens)() and joiner(other)() is not joiner(kept.tokens)()


def _plain_slice(tokens: list[str], start: int, end: int) -> str:
    """``_slice`` as first written: word by word."""
    out: list[str] = []
    i = max(start, 0)
    end = min(end, len(tokens))
    while i < end:
        token = tokens[i]
        if token in toxicity_rules._GROUP_NOUNS:
            out.append(toxicity_rules.GROUP_TOKEN)
        elif token in toxicity_rules._GROUP_ADJECTIVES and i + 1 < end and tokens[i + 1] in toxicity_rules._PEOPLE:
            out.append(toxicity_rules.GROUP_TOKEN)
            i += 1
        elif token == "the" and i + 1 < end and tokens[i + 1] in toxicity_rules._THE_GROUPS:
            out.append(toxicity_rules.GROUP_TOKEN)
            i += 1
        else:
            out.append(token)
        i += 1
    return " ".join(out)


def test_group_mentions_are_replaced_as_when_reading_word_by_word() -> None:
    # ``_slice`` finds "the <group>" from the group word, which must be a word it looks at
    assert toxicity_rules._THE_GROUPS <= toxicity_rules._MENTION_WORDS
    words = sorted({*GROUP_NOUNS, *GROUP_ADJECTIVES, *PEOPLE_NOUNS, *toxicity_rules._THE_GROUPS})
    words += ["the", "the", "a", "are", "xgroupx", "people", "old"] * 20
    rng = random.Random(13)
    for _ in range(20000):
        tokens = [rng.choice(words) for _ in range(rng.randint(0, 10))]
        start, end = rng.randint(-3, 11), rng.randint(-2, 12)
        assert toxicity_rules._slice(tokens, start, end) == _plain_slice(tokens, start, end), (tokens, start, end)


def test_highest_window_is_the_highest_of_the_window_logits() -> None:
    # the highest window is taken on the sums (bias and scale after): exactly the highest of the windows' logits
    res = toxicity._resources()
    rng = random.Random(14)
    terms = [" ".join(term) for term in word_list()._singles] + [text for text, _ in TOXIC] + BENIGN + IMPLICIT_HATE
    for _ in range(300):
        analysis = toxicity.analyze(" ".join(rng.choices(terms + BENIGN * 20, k=rng.randint(2, 200))))
        best = [-math.inf, -math.inf]
        for start in range(0, max(len(analysis.tokens), 1), toxicity.WINDOW):
            window = analysis.tokens[start : start + toxicity.WINDOW]
            terms_here = [term for index, term in analysis.hits if start <= index < start + toxicity.WINDOW]
            total = sum(map(res.weights.__getitem__, res.keys.intersection(window)), 0.0)
            found = {feature for term in terms_here for feature in toxicity.term_features(term)}
            total = sum(map(res.weights.__getitem__, res.lexical_keys.intersection(found)), total)
            offensive, hate = _heads(total, res.spread)
            best = [max(best[0], res.bias[0] + offensive / SCALE), max(best[1], res.bias[1] + hate / SCALE)]
        assert toxicity.model_probabilities(analysis) == (sigmoid(best[0]), sigmoid(best[1]))


def test_positions_are_every_index_of_the_wanted_words_in_order() -> None:
    rng = random.Random(7)
    vocabulary = ["you", "are", "an", "idiot", "kill", "hope", "die", "the", "stupid", "loser"]
    for _ in range(300):
        tokens = rng.choices(vocabulary, k=rng.randrange(0, 60))
        wanted = frozenset(rng.sample(vocabulary, rng.randrange(1, 8)))  # a few words (scans) and many (one pass)
        expected = [i for i, token in enumerate(tokens) if token in wanted]
        assert positions(tokens, wanted) == expected
