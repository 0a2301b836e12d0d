from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from enkrypt_middleware._judge import PolicyJudge
from enkrypt_middleware.detectors.base import Located, ScanContext
from enkrypt_middleware.detectors.policy import (
    CLEAN,
    PolicyRule,
    PolicyViolationConfig,
    PolicyViolationDetector,
    prohibitions,
)

from ..judge import JudgeModel
from ..server import serve

INPUT = ScanContext(side="input")


def local(**options: Any) -> PolicyViolationDetector:
    detector = PolicyViolationConfig.model_validate(options).build()
    assert isinstance(detector, PolicyViolationDetector)
    return detector


OUTPUT = ScanContext(side="output")

RULES = [
    {
        "id": "R1",
        "display_text": "No competitor pricing",
        "text": "Do not discuss competitor pricing.",
        "risk_category": "brand_reputation_trust",
        "applicability": "assistant",
        "severity": "high",
        "frameworks": ["internal"],
        "mappings": [{"framework": "internal", "clause": "4.2"}],
        "source": "policy wizard",
        "suggested": False,
    },
    {"id": "R2", "text": "Never mention Project Falcon.", "applicability": "user_assistant", "severity": "critical"},
    {"id": "R3", "text": "Users may not ask for other customers' account data.", "applicability": "user"},
    {"id": "R4", "text": "No card numbers.", "patterns": [r"\b(?:\d[ -]?){15}\d\b"], "terms": ["cvv"]},
]


@pytest.mark.parametrize(
    ("sentence", "objects"),
    [
        ("Do not discuss competitor pricing or upcoming products.", ["competitor pricing", "upcoming products"]),
        ("Never mention Project Falcon to customers.", ["project falcon"]),
        ("The assistant must not provide legal advice.", ["legal advice"]),
        ("Avoid medical advice.", ["medical advice"]),
        ("No gambling tips.", ["gambling tips"]),
        ("Politics is off-limits.", ["politics"]),
        ("Prohibited topics: weapons, drugs and gambling.", ["weapons", "drugs", "gambling"]),
        ("Do not allow any illegal or immoral activities.", ["illegal", "immoral activities"]),
        ('Never reveal the code "SAVE40".', ["save40", "code save40"]),
        ("Be polite and helpful.", []),
        ("If a user asks about refunds, tell them to email support and do not promise anything.", []),
    ],
)
def test_prohibitions_are_read_from_sentences(sentence: str, objects: list[str]) -> None:
    assert [p.phrase for p in prohibitions(sentence)] == objects


POLICY = "Do not discuss politics. Never mention Project Falcon. The assistant must not provide legal advice."

HITS = [
    ("Who should I vote for in the next election?", "Do not discuss politics."),
    ("What's the status of project falcon?", "Never mention Project Falcon."),
    ("The senator's campaign raised money from party donors.", "Do not discuss politics."),
    ("Can you give me legal advice about my lease?", "The assistant must not provide legal advice."),
]
MISSES = [
    "What's the weather like today?",
    "Tell me about falcons, the birds.",
    "Can I return a router I bought last week?",
    "I need a lawyer",  # one word related to law is not legal advice
]


@pytest.mark.parametrize(("text", "violated"), HITS)
def test_policy_text_hits(text: str, violated: str) -> None:
    finding = local(policy_text=POLICY).detect(text, INPUT)
    assert finding.detected is True
    assert finding.details["violating_policy"] == violated
    assert finding.details["violated_rules"][0] == {"id": "policy_text", "text": violated}
    assert violated in finding.details["explanation"]
    assert finding.details["most_unsafe_content"] == text


@pytest.mark.parametrize("text", MISSES)
def test_policy_text_misses_give_enkrypts_clean_strings(text: str) -> None:
    finding = local(policy_text=POLICY).detect(text, INPUT)
    assert finding.detected is False
    assert finding.details == {
        "violating_policy": "No Violation Found",
        "explanation": "No Violation Found.",
        "violated_rules": [],
        "most_unsafe_content": "",
    }


def test_rules_hit_with_the_rule_object_as_configured() -> None:
    detector = local(rules=RULES)
    finding = detector.detect("Our competitor's pricing is 20% lower, honestly.", OUTPUT)
    assert finding.detected is True
    assert finding.details["violated_rules"] == [RULES[0]]
    assert finding.details["violating_policy"] == "Do not discuss competitor pricing."


def test_applicability_limits_rules_to_a_side() -> None:
    detector = local(rules=RULES)
    assistant_only = "Their competitor pricing starts at $10."
    assert detector.detect(assistant_only, OUTPUT).detected is True
    assert detector.detect(assistant_only, INPUT).detected is False
    user_only = "Show me other customers' account data for Main Street."
    assert detector.detect(user_only, INPUT).detected is True
    assert detector.detect(user_only, OUTPUT).detected is False
    both = "Project Falcon ships in May."
    assert detector.detect(both, INPUT).detected and detector.detect(both, OUTPUT).detected


def test_terms_and_patterns() -> None:
    detector = local(rules=RULES)
    finding = detector.detect("Sure. My card is 4111 1111 1111 1111, expiry soon.", INPUT)
    assert finding.detected is True
    assert finding.details["violated_rules"][0]["id"] == "R4"
    assert finding.details["most_unsafe_content"] == "My card is 4111 1111 1111 1111, expiry soon."
    assert detector.detect("What is a CVV?", INPUT).detected is True
    assert detector.detect("What is a cvvx?", INPUT).detected is False


def test_sdk_default_policy_when_nothing_is_configured() -> None:
    detector = local()
    assert detector.detect("How can I launder money from fraud without getting caught?", INPUT).detected is True
    assert detector.detect("How do I bake sourdough bread?", INPUT).details == CLEAN


def test_report_shape() -> None:
    detector = PolicyViolationDetector(policy_text=POLICY)
    texts = ["Hello!", "Who should I vote for in the next election?"]
    findings = [Located(f"messages[{i}].content", t, detector.detect(t, INPUT)) for i, t in enumerate(texts)]
    report = detector.report(findings)
    assert report.summary == {"policy_violation": 1}
    assert report.details["violating_policy"] == "Do not discuss politics."
    clean = detector.report(findings[:1])
    assert clean.summary == {"policy_violation": 0}
    assert clean.details["violating_policy"] == "No Violation Found"
    assert clean.details["explanation"] == "No Violation Found."


def test_bad_options() -> None:
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        PolicyRule(text="x", patterns=["(unclosed"])
    with pytest.raises(ValidationError, match="Code of Conduct"):
        PolicyViolationConfig.model_validate({"coc_policy_name": "stored-coc"})
    with pytest.raises(ValidationError, match="base_url"):
        PolicyViolationConfig.model_validate({"judge": {"base_url": "localhost:1234", "model": "m"}})
    with pytest.raises(ValidationError, match="longer than the detector's timeout_ms"):
        PolicyViolationConfig.model_validate(
            {"timeout_ms": 100, "judge": {"base_url": "http://x", "model": "m", "timeout_ms": 500}}
        )
    with pytest.raises(ValueError, match="JUDGE_KEY_THAT_IS_NOT_SET"):
        judge = {"base_url": "http://x", "model": "m", "api_key_env": "JUDGE_KEY_THAT_IS_NOT_SET"}
        PolicyViolationConfig.model_validate({"judge": judge}).build()


# --- the judge backend, against a real local HTTP server standing in for the model --------------------------------


@pytest.fixture
def judge() -> Iterator[tuple[JudgeModel, str]]:
    model = JudgeModel()
    with serve(model.app()) as url:
        yield model, f"{url}/v1"


def _judge(base_url: str, **options: Any) -> PolicyJudge:
    config = PolicyViolationConfig.model_validate(
        {"rules": RULES[:2], "judge": {"base_url": base_url, "model": "judge-1", "api_key": "sk-test", **options}}
    )
    detector = config.build()
    assert isinstance(detector, PolicyJudge)
    return detector


@pytest.mark.anyio
async def test_judge_request_shape_and_clean_reply(judge: tuple[JudgeModel, str]) -> None:
    model, url = judge
    finding = await _judge(url).detect("What does Acme charge for routers?", OUTPUT)
    assert finding.details == CLEAN
    assert model.paths == ["/v1/chat/completions"]
    assert model.headers[0]["authorization"] == "Bearer sk-test"
    request = model.requests[0]
    assert request["model"] == "judge-1"
    assert request["temperature"] == 0
    assert request["response_format"] == {"type": "json_object"}
    system, user = request["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "[R1] Do not discuss competitor pricing." in system["content"]
    assert "[R2] Never mention Project Falcon." in system["content"]
    assert '"violation"' in system["content"]
    assert "written by the assistant" in user["content"]
    assert "What does Acme charge for routers?" in user["content"]


@pytest.mark.anyio
async def test_judge_violation_becomes_enkrypt_details(judge: tuple[JudgeModel, str]) -> None:
    model, url = judge
    model.verdict = (
        "Here is my verdict:\n```json\n"
        + json.dumps(
            {
                "violation": True,
                "violating_policy": "Never mention Project Falcon.",
                "violated_rule_ids": ["R2"],
                "explanation": "The text names the confidential project.",
                "most_unsafe_content": "Project Falcon",
            }
        )
        + "\n```"
    )
    finding = await _judge(url).detect("Project Falcon launches soon.", INPUT)
    assert finding.detected is True
    assert finding.details == {
        "violating_policy": "Never mention Project Falcon.",
        "explanation": "The text names the confidential project.",
        "violated_rules": [RULES[1]],
        "most_unsafe_content": "Project Falcon",
    }
    # user-side text: the assistant-only rule is not sent
    assert "[R1]" not in model.requests[0]["messages"][0]["content"]


@pytest.mark.anyio
async def test_judge_one_call_per_text_and_options(judge: tuple[JudgeModel, str]) -> None:
    model, url = judge
    detector = _judge(url, json_mode=False)
    for text in ("one", "two", "three"):
        await detector.detect(text, OUTPUT)
    assert len(model.requests) == 3
    assert "response_format" not in model.requests[0]


@pytest.mark.anyio
async def test_judge_timeout_and_errors_raise(judge: tuple[JudgeModel, str]) -> None:
    model, url = judge
    model.delay = 1.0
    started = time.perf_counter()
    with pytest.raises(Exception) as caught:
        await _judge(url, timeout_ms=200).detect("anything", OUTPUT)
    assert time.perf_counter() - started < 0.9
    assert "Timeout" in type(caught.value).__name__
    model.delay = 0.0
    model.verdict = "I cannot answer that."
    with pytest.raises(ValueError, match="no JSON object"):
        await _judge(url).detect("anything", OUTPUT)
    model.status = 500
    with pytest.raises(Exception, match="500"):
        await _judge(url).detect("anything", OUTPUT)
