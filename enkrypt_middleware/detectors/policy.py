"""``policy_violation``: texts that break a written policy, locally or through a judge model.

The policy is Enkrypt's: ``policy_text`` (free text) and/or ``rules`` (Policy-Wizard rule objects:
``id, display_text, text, risk_category, applicability, severity, frameworks, mappings, source,
suggested``; ours besides: ``terms`` and ``patterns``). With neither, the policy is the Enkrypt SDK's
default text, "Do not allow any illegal or immoral activities."

Local (default): the policy is read as a list of concrete prohibitions.

- Each sentence of ``policy_text`` and each rule's ``text`` phrased as a prohibition ("Do not discuss
  X", "Never mention X", "The assistant must not provide X", "Avoid X", "No X", "X is prohibited / not
  allowed", "Prohibited: X, Y and Z") yields its object X, split at "or", "and" and commas; quoted
  words in a rule are exact terms. Sentences that prohibit nothing are ignored.
- A text violates X when it contains X's content words (light stems; 1.0 when they stand together,
  0.9 when scattered), most of a long X with its last word (0.6), or, when X is one or two words that
  name a topic of the built-in table ("politics", "gambling", "medical advice" -> health), related
  words of that topic: ``1 - 0.65 ** k`` for ``k`` distinct ones (one gives 0.35, two 0.58).
- A rule's ``terms`` (whole words, ignoring case and accents) and ``patterns`` (regular expressions,
  ignoring case) hit with 1.0.
- ``applicability`` limits a rule to the user's messages (``user``, input side), the answers
  (``assistant``, output side) or both (``user_assistant``, the default).

The detector fires at or above ``threshold`` (default 0.5). Details as Enkrypt: ``violating_policy``
(the broken rule's or sentence's text), ``explanation``, ``violated_rules`` (the rule objects as
configured; a ``policy_text`` sentence appears as ``{"id": "policy_text", "text": ...}``) and
``most_unsafe_content`` (the sentence of the text that hit hardest; withheld when the answer is
blocked). On a clean pass ``violating_policy`` is "No Violation Found" and ``explanation`` "No Violation
Found." (Enkrypt's strings), ``violated_rules`` is empty and ``most_unsafe_content`` "".

Limits of the local reading: it sees words, not intent. "Do not help users cheat on exams" matches
texts that mention cheating on exams, including ones that warn against it; abstract rules ("be
respectful", "do not be misleading") yield nothing to match. For those, configure ``judge``: an
OpenAI-compatible chat-completions endpoint (``base_url``, ``model``, ``api_key`` or ``api_key_env``,
``timeout_ms``) asked once per text to return the same fields as JSON. With a judge, the judge alone
decides. Enkrypt's ``coc_policy_name`` (a Code of Conduct stored on Enkrypt's platform) cannot be read
locally: paste its rules into ``rules``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from ._common import DetectorConfig, http_base_url
from ._normalize import fold
from ._text import STOPWORDS, sentences, stem, words
from ._topics import expand
from .base import NO_CONTEXT, Detector, Finding, Located, Report, ScanContext

__all__ = [
    "CLEAN",
    "JudgeConfig",
    "PolicyRule",
    "PolicyViolationConfig",
    "PolicyViolationDetector",
    "Prohibition",
    "judge_messages",
    "parse_judge_reply",
    "policy_report",
    "prohibitions",
]

#: Enkrypt's strings on a clean pass.
NO_VIOLATION = "No Violation Found"
CLEAN: Mapping[str, Any] = {
    "violating_policy": NO_VIOLATION,
    "explanation": "No Violation Found.",
    "violated_rules": [],
    "most_unsafe_content": "",
}
SDK_DEFAULT_POLICY = "Do not allow any illegal or immoral activities."
_DEFAULT_THRESHOLD = 0.5

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class RuleMapping(BaseModel):
    model_config = _FROZEN

    framework: str = Field(description="Framework name, e.g. EU AI Act.")
    clause: str = Field(description="Clause of that framework.")


class PolicyRule(BaseModel):
    """One rule of a policy, as Enkrypt's Policy Wizard writes it (plus our ``terms`` and ``patterns``)."""

    model_config = _FROZEN

    id: str | int | None = Field(default=None, description="Rule id, shown in violated_rules.")
    display_text: str | None = Field(default=None, description="Short title of the rule.")
    text: str = Field(description="The rule, e.g. 'Do not discuss competitor pricing.'")
    risk_category: str | None = Field(
        default=None, description="Enkrypt's category, e.g. security_fraud, legal_ip_liability, brand_reputation_trust."
    )
    applicability: Literal["assistant", "user", "user_assistant"] = Field(
        default="user_assistant",
        description="assistant: answers only (output side); user: user messages only (input side); both.",
    )
    severity: Literal["critical", "high", "medium", "low"] | None = Field(default=None, description="Severity.")
    frameworks: list[str] = Field(default_factory=list, description="Frameworks the rule maps to.")
    mappings: list[RuleMapping] = Field(default_factory=list, description="Framework clauses.")
    source: str | None = Field(default=None, description="Where the rule came from.")
    suggested: bool | None = Field(default=None, description="Whether the Policy Wizard suggested it.")
    terms: list[str] = Field(
        default_factory=list, description="Ours: words or phrases that break the rule (whole words, any case)."
    )
    patterns: list[str] = Field(
        default_factory=list, description="Ours: regular expressions that break the rule (case-insensitive)."
    )

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for index, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"patterns[{index}] is not a valid regular expression: {exc}") from None
        return value


class JudgeConfig(BaseModel):
    """An OpenAI-compatible chat-completions endpoint that judges texts against the policy."""

    model_config = _FROZEN

    base_url: str = Field(description="Base URL; the judge is called at `<base_url>/chat/completions`.")
    model: str = Field(description="Model name sent in the request.")
    api_key: SecretStr | None = Field(default=None, description="Sent as `Authorization: Bearer <key>`.")
    api_key_env: str | None = Field(default=None, description="Environment variable holding the API key instead.")
    timeout_ms: int | None = Field(
        default=None, gt=0, description="Time budget of one call; default the detector's `timeout_ms`."
    )
    json_mode: bool = Field(
        default=True,
        description='Ask for `response_format: {"type": "json_object"}` (turn off for servers without it).',
    )

    _http = field_validator("base_url")(http_base_url)

    def key(self) -> str | None:
        """The API key, from ``api_key`` or the ``api_key_env`` variable (read when the config is built)."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        if self.api_key_env:
            value = os.environ.get(self.api_key_env)
            if not value:
                raise ValueError(f"environment variable {self.api_key_env!r} (judge.api_key_env) is not set")
            return value
        return None


class PolicyViolationConfig(DetectorConfig):
    """Options of the ``policy_violation`` detector (``threshold`` defaults to 0.5)."""

    name: Literal["policy_violation"] = "policy_violation"
    policy_text: str | None = Field(default=None, description="The policy as free text.")
    rules: list[PolicyRule] = Field(default_factory=list, description="The policy as Enkrypt rule objects.")
    need_explanation: bool = Field(
        default=True, description="Judge only: ask the judge for an explanation (local explanations are free)."
    )
    coc_policy_name: str | None = Field(
        default=None, description="Enkrypt's stored Code of Conduct: not available locally (paste its rules)."
    )
    judge: JudgeConfig | None = Field(default=None, description="Judge with this model instead of the local reading.")

    @model_validator(mode="before")
    @classmethod
    def _judge_budget(cls, data: Any) -> Any:
        # the runner's budget follows the judge's unless timeout_ms is set
        if isinstance(data, Mapping) and "timeout_ms" not in data:
            judge = data.get("judge")
            if isinstance(judge, Mapping) and isinstance(judge.get("timeout_ms"), int):
                return {**data, "timeout_ms": judge["timeout_ms"] + 250}
        return data

    @model_validator(mode="after")
    def _usable(self) -> PolicyViolationConfig:
        if self.coc_policy_name is not None:
            raise ValueError(
                "coc_policy_name names a Code of Conduct stored on Enkrypt's platform, which cannot be read "
                "locally: put its rules in `rules` (or its text in `policy_text`)"
            )
        if self.judge is not None and self.judge.timeout_ms is not None and self.judge.timeout_ms > self.timeout_ms:
            raise ValueError("judge.timeout_ms is longer than the detector's timeout_ms")
        return self

    def build(self) -> Detector:
        threshold = _DEFAULT_THRESHOLD if self.threshold is None else self.threshold
        if self.judge is not None:
            from enkrypt_middleware._judge import PolicyJudge  # imports httpx: only when a judge is configured

            return PolicyJudge(
                self.judge,
                policy_text=self.policy_text,
                rules=self.rules,
                need_explanation=self.need_explanation,
                timeout_ms=self.judge.timeout_ms or self.timeout_ms,
                block_message=self.block_message,
            )
        return PolicyViolationDetector(
            policy_text=self.policy_text, rules=self.rules, threshold=threshold, block_message=self.block_message
        )


# --- reading prohibitions ------------------------------------------------------------------------------------

_MODAL = (
    r"(?:do not|don't|dont|never|must not|mustn't|should not|shouldn't|shall not|cannot|can't|can not|may not|"
    r"will not|won't|is not allowed to|are not allowed to|not allowed to|refrain from|avoid|stay away from|^no)"
)
_VERBS = (
    r"discuss|discussing|mention|mentioning|talk|talking|speak|provide|providing|give|giving|offer|offering|share|"
    r"sharing|reveal|revealing|disclose|disclosing|recommend|recommending|suggest|suggesting|promote|promoting|"
    r"endorse|endorsing|generate|generating|produce|producing|create|creating|write|writing|help|helping|assist|"
    r"assisting|allow|allowing|permit|engage|engaging|make|making|use|using|include|including|answer|answering|"
    r"respond|responding|comment|commenting|speculate|speculating|express|expressing|encourage|encouraging|"
    r"facilitate|facilitating|support|supporting|describe|describing|explain|explaining|list|listing|sell|selling|"
    r"ask|asking|request|requesting|collect|collecting|store|storing|advise|advising|give out|hand out|"
    r"insult|insulting|compare|comparing|criticize|criticizing|claim|claiming|guarantee|guaranteeing|promise|"
    r"promising|process|processing|accept|accepting|send|sending|output|print|display|show|showing"
)
_PREPOSITIONS = r"(?:about|on|with|in|into|for|regarding|around|of|to|users?(?: with)?|anyone(?: with)?)"
_PROHIBITION = re.compile(
    rf"\b{_MODAL}\s+(?:(?:ever|any|under any circumstances)\s+)?(?:(?:{_VERBS})\b\s*(?:{_PREPOSITIONS}\b\s*)?)?"
    r"(?P<object>[^.;!?\n]+)"
)
_PROHIBITED_AFTER = re.compile(
    r"^(?P<object>[^.;!?\n:]+?)\s+(?:is|are)\s+(?:strictly\s+)?(?:prohibited|forbidden|not allowed|not permitted|"
    r"banned|off[- ]limits|not to be (?:discussed|mentioned))\b"
)
_PROHIBITED_LIST = re.compile(
    r"^(?:prohibited|forbidden|banned|off[- ]limits|not allowed|never discuss|do not discuss)"
    r"(?: (?:topics|content|subjects|words|terms))?\s*:\s*(?P<object>[^.;!?\n]+)"
)
_AUDIENCE = re.compile(
    r"\s+(?:to|with|for|from|in|on|by|unless|except|even|when|if|without)\s+"
    r"(?:the\s+|our\s+|any\s+|a\s+)?(?:users?|customers?|anyone|people|them|clients?|visitors?|the public|"
    r"responses?|answers?|replies|conversations?|chats?|any circumstances|circumstances|all circumstances|"
    r"requested|asked|necessary|explicitly)\b.*$"
)
_SPLIT = re.compile(r"\s*(?:,|;|\bor\b|\band\b|\bnor\b|/)\s*")
_LEAD = re.compile(
    r"^(?:any|all|the|a|an|such|other|some|your|their|its|anything|things)\s+(?:about\s+|related to\s+)?"
)
_QUOTED = re.compile(r"[\"\u201c\u201d']([^\"\u201c\u201d']{2,60})[\"\u201c\u201d']")


@dataclass(frozen=True, slots=True)
class Prohibition:
    """One thing a policy sentence or rule prohibits, ready to match."""

    phrase: str
    """The prohibited object as written, e.g. "competitor pricing"."""
    stems: tuple[str, ...]
    related: frozenset[str]


def _objects(sentence: str) -> list[str]:
    lowered = sentence.strip().lower()
    found: list[str] = []
    for pattern in (_PROHIBITED_LIST, _PROHIBITED_AFTER):
        match = pattern.search(lowered)
        if match:
            found.append(match.group("object"))
    if not found:
        for match in _PROHIBITION.finditer(lowered):
            found.append(match.group("object"))
    out: list[str] = []
    for raw in found:
        cleaned = _AUDIENCE.sub("", raw).strip(" ,:-")
        for part in _SPLIT.split(cleaned):
            part = _LEAD.sub("", part.strip(" ,:-\"'"))
            if part and any(word not in STOPWORDS for word in words(part)):
                out.append(part)
    return out


def prohibitions(text: str) -> list[Prohibition]:
    """The prohibited objects of a policy sentence or rule; quoted words are exact phrases."""
    out: list[Prohibition] = []
    seen: set[str] = set()
    phrases = [quoted.strip().lower() for quoted in _QUOTED.findall(text)]
    phrases += _objects(_QUOTED.sub(lambda m: m.group(1), text))
    for phrase in phrases:
        if phrase in seen:
            continue
        seen.add(phrase)
        stems = tuple(stem(word) for word in words(phrase) if word not in STOPWORDS)
        if stems:
            # only a short object names a topic ("politics", "medical advice"); in a longer one a word
            # like "code" in "the internal discount code" must not bring in programming's words
            out.append(Prohibition(phrase, stems, expand(phrase) if len(stems) <= 2 else frozenset()))
    return out


# --- matching ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    """A rule or policy sentence as the local detector checks it."""

    text: str
    data: Mapping[str, Any]
    applies_to: frozenset[str]
    prohibited: tuple[Prohibition, ...]
    terms: re.Pattern[str] | None
    patterns: tuple[re.Pattern[str], ...]


def _terms_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    folded = [re.escape(" ".join(fold(term).split())) for term in terms if term.strip()]
    if not folded:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(folded, key=len, reverse=True)) + r")(?!\w)")


_SIDES = {
    "assistant": frozenset({"output"}),
    "user": frozenset({"input"}),
    "user_assistant": frozenset({"input", "output"}),
}


def _compile_rules(policy_text: str | None, rules: Sequence[PolicyRule]) -> list[_Rule]:
    compiled: list[_Rule] = []
    if policy_text is None and not rules:
        policy_text = SDK_DEFAULT_POLICY
    for start, end in sentences(policy_text or ""):
        sentence = (policy_text or "")[start:end]
        found = prohibitions(sentence)
        if found:
            data = {"id": "policy_text", "text": sentence}
            compiled.append(_Rule(sentence, data, _SIDES["user_assistant"], tuple(found), None, ()))
    for rule in rules:
        found = prohibitions(rule.text)
        terms = _terms_pattern(rule.terms)
        patterns = tuple(re.compile(p, re.IGNORECASE) for p in rule.patterns)
        if found or terms or patterns:
            data = rule.model_dump(mode="json", exclude_unset=True)
            compiled.append(_Rule(rule.text, data, _SIDES[rule.applicability], tuple(found), terms, patterns))
    return compiled


class _Text:
    """A scanned text, tokenised once for all rules."""

    __slots__ = ("folded", "positions", "prefixes", "sentences", "stems", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = " ".join(fold(text).split())
        tokens = [stem(word) for word in words(text) if word not in STOPWORDS]
        self.positions: dict[str, list[int]] = {}
        for index, token in enumerate(tokens):
            self.positions.setdefault(token, []).append(index)
        self.stems = frozenset(self.positions)
        self.prefixes = frozenset(s[:5] for s in self.stems if len(s) >= 5)
        self.sentences = sentences(text)

    def has(self, word: str) -> bool:
        return word in self.stems or (len(word) >= 5 and word[:5] in self.prefixes)

    def together(self, stems: Sequence[str]) -> bool:
        """All of ``stems`` within a span of len(stems) + 2 content words."""
        first = self.positions.get(stems[0])
        if not first:
            return False
        span = len(stems) + 2
        return any(
            all(any(0 <= p - s < span or 0 <= s - p < span for p in self.positions.get(w, ())) for w in stems[1:])
            for s in first
        )

    def sentence_with(self, words_: Sequence[str]) -> str:
        """The sentence with most of these stems (for most_unsafe_content)."""
        wanted = set(words_)
        best, best_count = "", -1
        for start, end in self.sentences:
            piece = self.text[start:end]
            count = len(wanted & {stem(w) for w in words(piece)})
            if count > best_count:
                best, best_count = piece, count
        return best


def _match(prohibition: Prohibition, text: _Text) -> tuple[float, list[str]]:
    stems = prohibition.stems
    present = [s for s in stems if text.has(s)]
    if len(present) == len(stems):
        exact = all(s in text.stems for s in stems)
        return (1.0 if exact and text.together(stems) else 0.9), list(stems)
    if len(stems) >= 3 and len(present) / len(stems) >= 0.67 and stems[-1] in present:
        return 0.6, present
    if prohibition.related:
        hits = sorted(text.stems & prohibition.related)
        if hits:
            return 1.0 - 0.65 ** len(hits), hits
    return 0.0, []


@dataclass(frozen=True, slots=True)
class _Hit:
    score: float
    rule: _Rule
    what: str
    evidence: list[str]


def _check(rule: _Rule, text: _Text) -> _Hit | None:
    if rule.terms is not None:
        found = rule.terms.search(text.folded)
        if found:
            return _Hit(1.0, rule, f"uses the term {found.group()!r}", [])
    for pattern in rule.patterns:
        if pattern.search(text.text):
            return _Hit(1.0, rule, "matches a pattern of the rule", [])
    best: _Hit | None = None
    for prohibition in rule.prohibited:
        score, evidence = _match(prohibition, text)
        if score and (best is None or score > best.score):
            best = _Hit(score, rule, f"is about {prohibition.phrase!r}", evidence)
    return best


class PolicyViolationDetector:
    """The local reading of a policy (see the module docstring). Sync and fast: runs inline."""

    name = "policy_violation"
    inline = True
    needs_context = True  # for ``applicability`` (which side the text is on)
    DEFAULT_BLOCK_MESSAGE = "Policy violation detected"

    def __init__(
        self,
        *,
        policy_text: str | None = None,
        rules: Sequence[PolicyRule] = (),
        threshold: float = _DEFAULT_THRESHOLD,
        block_message: str | None = None,
    ) -> None:
        self.rules = _compile_rules(policy_text, rules)
        self.threshold = threshold
        self.block_message = block_message or self.DEFAULT_BLOCK_MESSAGE

    def detect(self, text: str, context: ScanContext = NO_CONTEXT) -> Finding:
        if not self.rules or not text.strip():
            return Finding(detected=False, details=CLEAN)
        scanned = _Text(text)
        hits: list[_Hit] = []
        for rule in self.rules:
            if context.side is not None and context.side not in rule.applies_to:
                continue
            hit = _check(rule, scanned)
            if hit is not None and hit.score >= self.threshold:
                hits.append(hit)
        if not hits:
            return Finding(detected=False, details=CLEAN)
        hits.sort(key=lambda hit: -hit.score)
        top = hits[0]
        explanation = f"The text {top.what}, which the policy prohibits: {top.rule.text.strip()}"
        if len(hits) > 1:
            explanation += f" ({len(hits) - 1} more rule{'s' if len(hits) > 2 else ''} broken)"
        return Finding(
            detected=True,
            score=top.score,
            details={
                "violating_policy": top.rule.text.strip(),
                "explanation": explanation,
                "violated_rules": [dict(hit.rule.data) for hit in hits],
                "most_unsafe_content": scanned.sentence_with(top.evidence) if top.evidence else _sentence_of(text, top),
            },
        )

    def report(self, findings: Sequence[Located]) -> Report:
        return policy_report(findings)


def _sentence_of(text: str, hit: _Hit) -> str:
    for start, end in sentences(text):
        piece = text[start:end]
        if (hit.rule.terms is not None and hit.rule.terms.search(" ".join(fold(piece).split()))) or any(
            p.search(piece) for p in hit.rule.patterns
        ):
            return piece
    return text.strip()


def policy_report(findings: Sequence[Located]) -> Report:
    """summary ``policy_violation`` 0/1; details of the strongest violation, or Enkrypt's clean strings."""
    violations = [item for item in findings if item.finding.detected]
    if not violations:
        return Report(detected=False, summary={"policy_violation": 0}, details=dict(CLEAN))
    strongest = max(violations, key=lambda item: item.finding.score)
    return Report(detected=True, summary={"policy_violation": 1}, details=dict(strongest.finding.details))


# --- the judge's request and reply (the HTTP call is in ``_judge``) ------------------------------------------------

_JUDGE_INSTRUCTIONS = """You check texts against a content policy. Decide whether the text violates the policy.
Reply with one JSON object and nothing else:
{"violation": true or false, "violating_policy": "<the policy rule the text violates, or empty>",
 "violated_rule_ids": ["<ids of the violated rules, if the rules have ids>"],
 "explanation": "<one sentence: why>", "most_unsafe_content": "<the shortest part of the text that violates it>"}"""


def judge_messages(
    text: str,
    *,
    policy_text: str | None,
    rules: Sequence[PolicyRule],
    side: str | None,
    need_explanation: bool,
) -> list[dict[str, str]]:
    """The chat messages sent to the judge for one text."""
    lines = [_JUDGE_INSTRUCTIONS if need_explanation else _JUDGE_INSTRUCTIONS.replace('"<one sentence: why>"', '""')]
    lines.append("\nPolicy:")
    if policy_text:
        lines.append(policy_text.strip())
    if not policy_text and not rules:
        lines.append(SDK_DEFAULT_POLICY)
    for rule in rules:
        if side is not None and side not in _SIDES[rule.applicability]:
            continue
        label = f"[{rule.id}] " if rule.id is not None else ""
        lines.append(f"- {label}{rule.text.strip()}")
    author = {"input": "the user", "output": "the assistant"}.get(side or "", "a user or the assistant")
    return [
        {"role": "system", "content": "\n".join(lines)},
        {"role": "user", "content": f"Text to check (written by {author}):\n<<<\n{text}\n>>>"},
    ]


def _json_object(content: str) -> dict[str, Any]:
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("the judge's reply has no JSON object")
    value = json.loads(content[start : end + 1])
    if not isinstance(value, dict):
        raise ValueError("the judge's reply is not a JSON object")
    return value


def parse_judge_reply(body: Any, rules: Sequence[PolicyRule]) -> Finding:
    """A chat-completions response body from the judge -> the finding; raises ValueError when unreadable."""
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ValueError("the judge's response has no choices[0].message.content") from None
    if not isinstance(content, str):
        raise ValueError("the judge's reply is not text")
    verdict = _json_object(content)
    violation = verdict.get("violation")
    if isinstance(violation, str):
        violation = violation.strip().lower() in ("true", "yes", "1")
    if not violation:
        return Finding(detected=False, details=CLEAN)
    ids = {str(i) for i in verdict.get("violated_rule_ids") or () if i is not None}
    violated = [rule.model_dump(mode="json", exclude_unset=True) for rule in rules if str(rule.id) in ids]
    policy = str(verdict.get("violating_policy") or (violated[0]["text"] if violated else "The policy"))
    return Finding(
        detected=True,
        score=1.0,
        details={
            "violating_policy": policy,
            "explanation": str(verdict.get("explanation") or ""),
            "violated_rules": violated,
            "most_unsafe_content": str(verdict.get("most_unsafe_content") or ""),
        },
    )
