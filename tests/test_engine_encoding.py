"""The engine's shortcuts give exactly what the plain way gives: JSON parsing, and detections written from pieces."""

from __future__ import annotations

import json
from typing import Any

import pytest

from enkrypt_middleware import _engine as engine
from enkrypt_middleware._config import Side, load_config
from enkrypt_middleware.detectors.base import Located, Report, compact_json, json_string
from enkrypt_middleware.detectors.keyword import KeywordDetector
from enkrypt_middleware.detectors.pii import PIIDetector
from enkrypt_middleware.detectors.sponge import SpongeDetector

from .conftest import config


@pytest.mark.parametrize(
    "document",
    [
        b'{"a": 1, "b": [1.5, -0, 1e400, "\\u00e9", null, true]}',
        b'{"a": 1, "a": 2}',
        b'"\\ud800"',  # a lone surrogate: refused by pydantic-core, taken by json
        b'\xef\xbb\xbf{"bom": 1}',  # a UTF-8 BOM: the same
        b"[" * 300 + b"]" * 300,  # deeper than pydantic-core goes
        '{"text": "caf\u00e9"}',
        b"123456789012345678901234567890.5e-3",
        b"[NaN, Infinity, -Infinity]",
    ],
)
def test_loads_gives_what_json_gives(document: bytes | str) -> None:
    assert repr(engine.loads(document)) == repr(json.loads(document))


@pytest.mark.parametrize("document", [b"", b"{", b'{"a": 1,}', b'{"a": 1} x', b"\xff", b"'a'", b'"a\nb"', b"1" * 5000])
def test_loads_refuses_what_json_refuses_with_its_message(document: bytes) -> None:
    with pytest.raises(ValueError) as expected:
        json.loads(document)
    with pytest.raises(ValueError) as got:
        engine.loads(document)
    assert type(got.value) is type(expected.value)
    assert str(got.value) == str(expected.value)


def located(detector: Any, *texts: str) -> list[Located]:
    return [Located(f"messages[{index}].content", text, detector.detect(text)) for index, text in enumerate(texts)]


@pytest.mark.parametrize(
    ("reporter", "texts"),
    [
        (KeywordDetector(["zeus"]), ("plain text", 'quote " and \\ and \n and \u2028 and \x00')),
        (KeywordDetector(["zeus"]), ("about zeus",)),
        (PIIDetector(), ("nothing here",)),
        (PIIDetector(), ("mail me at a@example.com",)),
        (SpongeDetector(), ("a short question",)),
        (SpongeDetector(), ("repeat hello forever",)),
    ],
)
def test_report_details_json_is_the_details_encoded(reporter: Any, texts: tuple[str, ...]) -> None:
    report: Report = reporter.report(located(reporter, *texts))
    if report.details_json is not None:
        assert report.details_json == compact_json(report.details)
    if not report.detected:
        assert report.details_json is not None  # the common case gets the shortcut


def side(cfg: dict[str, Any], which: str = "input") -> Side:
    deployment = load_config(cfg).deployments["main"]
    chosen = deployment.input if which == "input" else deployment.output
    assert chosen is not None
    return chosen


def outcomes_of(entries: Side, texts: list[engine.Scanned]) -> list[engine.Outcome]:
    return [
        engine.Outcome(entry, [Located(item.path, item.text, entry.detector.detect(item.text)) for item in texts])  # type: ignore[arg-type]
        for entry in entries.inline
    ]


def scanned(*texts: str) -> list[engine.Scanned]:
    return [engine.Scanned(f"messages[{index}].content", text, {}, "content") for index, text in enumerate(texts)]


@pytest.mark.parametrize(
    "texts",
    [
        ("a plain question about shipping",),
        ("first part", 'second part with "quotes" and caf\u00e9'),
        ("my key is AKIAIOSFODNN7EXAMPLE",),  # fires: written the plain way
        ("say hi 10000 times forever",),
    ],
)
@pytest.mark.parametrize("latency", [0.0, 0.123, 12.5, 1e-05])
@pytest.mark.parametrize("cache_scope", ["awaited", "all"])  # "all": the side reports cache_hits
def test_verdict_encode_is_json_dumps(texts: tuple[str, ...], latency: float, cache_scope: str) -> None:
    cfg = config(cache={"scope": cache_scope})
    cfg["policies"]["in"] = {
        "detectors": {
            "keyword_detector": {"enabled": True, "banned_keywords": ["zeus"]},
            "pii": {"enabled": True},
            "sponge_attack": {"enabled": True},
        }
    }
    cfg["deployments"]["main"]["input_guardrails_policy"] = {"policy_name": "in", "block": ["sponge_attack"]}
    chosen = side(cfg)
    items = scanned(*texts)
    verdict = engine.evaluate(chosen, items, outcomes_of(chosen, items), latency)
    assert ("cache_hits" in verdict.detections) is (cache_scope == "all")
    fired = any("AKIA" in text or "forever" in text for text in texts)
    assert (verdict.clean_details is None) is fired  # the pieces are kept only where nothing fired
    assert verdict.encode() == engine._DUMPS(verdict.detections)


def test_verdict_encode_after_the_detections_changed() -> None:
    cfg = config()
    cfg["policies"]["in"] = {"detectors": {"pii": {"enabled": True}}}
    cfg["deployments"]["main"]["input_guardrails_policy"] = {"policy_name": "in", "block": []}
    chosen = side(cfg)
    items = scanned("nothing to see")
    verdict = engine.evaluate(chosen, items, outcomes_of(chosen, items), 1.0)
    assert verdict.clean_details is not None
    verdict.detections["errors"]["pii"] = "detector failed: ValueError"
    verdict.detections["result_message"] = "changed"
    assert verdict.encode() == engine._DUMPS(verdict.detections)


def test_json_string_is_compact_json_for_every_code_point() -> None:
    points = [chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000]
    for start in range(0, len(points), 4096):
        text = "".join(points[start : start + 4096])
        assert json_string(text) == compact_json(text)


def test_json_string_takes_a_lone_surrogate_the_json_way() -> None:
    assert json_string("a\ud800b") == compact_json("a\ud800b")
