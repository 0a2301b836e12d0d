from __future__ import annotations

import pytest
from pydantic import ValidationError

from enkrypt_middleware.detectors.base import Located
from enkrypt_middleware.detectors.topic import TopicConfig, TopicDetector

CASES = [
    # topics, text, on topic
    (["banking"], "How do I reset my PIN at the ATM?", True),
    (["banking"], "Can I open a savings account online?", True),
    (["banking"], "What is the overdraft fee on my checking account?", True),
    (["banking"], "How do I transfer money to another bank?", True),
    (["banking"], "What's a good pasta recipe for dinner?", False),
    (["banking"], "Who won the football match yesterday?", False),
    (["banking"], "Write me a poem about the ocean", False),
    (["Acme routers and modems", "mesh wifi"], "My Acme router keeps dropping the connection", True),
    (["Acme routers and modems", "mesh wifi"], "How do I set up a mesh network at home?", True),
    (["Acme routers and modems", "mesh wifi"], "The modem light is blinking orange", True),
    (["Acme routers and modems", "mesh wifi"], "What is the capital of Peru?", False),
    (["personal finance", "investing"], "Should I put my savings in index funds or pay off debt first?", True),
    (["personal finance", "investing"], "Recommend a sci-fi movie for tonight.", False),
    (["travel"], "Which documents do I need for a visa to Japan, and how early should I book the flight?", True),
    (["travel"], "How do I fix a segmentation fault in my C program?", False),
    (["software development"], "Why does my Python function throw a KeyError?", True),  # related words only
    (["programming"], "Why does my Python function return None instead of the list?", True),
]


@pytest.mark.parametrize(("topics", "text", "on_topic"), CASES)
def test_on_and_off_topic(topics: list[str], text: str, on_topic: bool) -> None:
    detector = TopicConfig(topic=topics).build()
    finding = detector.detect(text)
    assert finding.detected is (not on_topic)
    report = detector.report([Located("messages[0].content", text, finding)])
    assert report.summary == {"on_topic": int(on_topic)}
    assert set(report.details) == set(topics)


def test_long_answer_needs_several_topic_words() -> None:
    detector = TopicConfig(topic=["personal finance", "investing"]).build()
    on = (
        "Index funds are a simple way to start investing. They spread your money across many stocks, keep fees "
        "low, and have historically returned about seven percent a year. Start with a small monthly amount."
    )
    off = (
        "The Eiffel Tower was built in 1889 for the World's Fair. It is 330 metres tall and was the tallest "
        "structure in the world until 1930. Millions of tourists visit it every year; tickets cost money."
    )
    assert detector.detect(on).detected is False
    assert detector.detect(off).detected is True  # one passing mention of money is not enough


def test_scores_per_topic_are_reported() -> None:
    detector = TopicConfig(topic=["banking", "cooking"]).build()
    details = detector.detect("What temperature should the oven be for baking bread?").details
    assert details["cooking"] > 0.3 > details["banking"]


def test_a_plain_string_is_accepted_as_enkrypt_docs_show() -> None:
    assert TopicConfig.model_validate({"topic": "banking"}).topic == ["banking"]
    assert TopicConfig.model_validate({"topic": "banking, insurance"}).topic == ["banking", "insurance"]


def test_texts_without_content_words_are_not_judged() -> None:
    detector = TopicConfig(topic=["banking"]).build()
    for text in ("hi!", "Thanks :)", "ok"):
        assert detector.detect(text).detected is False


def test_threshold_option() -> None:
    text = "How do I reset my PIN at the ATM?"
    assert TopicConfig(topic=["banking"], threshold=0.9).build().detect(text).detected is True
    assert TopicConfig(topic=["banking"]).build().detect(text).detected is False


def test_bad_options() -> None:
    with pytest.raises(ValidationError, match="at least one allowed topic"):
        TopicConfig(topic=[])
    with pytest.raises(ValidationError, match="no content words"):
        TopicConfig(topic=["the and of"])


def test_report_keeps_the_off_topic_text() -> None:
    detector = TopicDetector(["banking"])
    texts = ["What is my account balance?", "Tell me a joke about cats"]
    findings = [Located(f"messages[{i}].content", t, detector.detect(t)) for i, t in enumerate(texts)]
    report = detector.report(findings)
    assert report.detected is True
    assert report.summary == {"on_topic": 0}
    assert report.details == {"banking": 0.0}
