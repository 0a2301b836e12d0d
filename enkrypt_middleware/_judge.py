"""The judge backend of ``policy_violation``: an OpenAI-compatible chat-completions model, called with httpx.

One ``POST <base_url>/chat/completions`` per scanned text, with the policy in the system message and the
text in the user message (see ``detectors.policy.judge_messages``); the model's JSON reply becomes the
same details the local reading gives (``detectors.policy.parse_judge_reply``). A timeout, an HTTP error
or an unreadable reply raises, and the runner reports it under ``errors`` (``on_error`` decides).
Kept out of ``detectors/`` because it does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
import httpx

from .detectors.base import NO_CONTEXT, Finding, Located, Report, ScanContext
from .detectors.policy import JudgeConfig, PolicyRule, judge_messages, parse_judge_reply, policy_report

__all__ = ["PolicyJudge"]


class PolicyJudge:
    """``policy_violation`` decided by a judge model (async: one HTTP call per text)."""

    name = "policy_violation"
    needs_context = True
    DEFAULT_BLOCK_MESSAGE = "Policy violation detected"

    def __init__(
        self,
        judge: JudgeConfig,
        *,
        policy_text: str | None,
        rules: Sequence[PolicyRule],
        need_explanation: bool,
        timeout_ms: int,
        block_message: str | None = None,
    ) -> None:
        self.url = f"{judge.base_url}/chat/completions"
        self.model = judge.model
        self.json_mode = judge.json_mode
        key = judge.key()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.policy_text = policy_text
        self.rules = tuple(rules)
        self.need_explanation = need_explanation
        self.timeout = timeout_ms / 1000
        self.block_message = block_message or self.DEFAULT_BLOCK_MESSAGE

    def request(self, text: str, context: ScanContext = NO_CONTEXT) -> dict[str, Any]:
        """The JSON body sent for one text."""
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": 0,
            "messages": judge_messages(
                text,
                policy_text=self.policy_text,
                rules=self.rules,
                side=context.side,
                need_explanation=self.need_explanation,
            ),
        }
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    async def detect(self, text: str, context: ScanContext = NO_CONTEXT) -> Finding:
        # a client per call: the WSGI adapter runs each call on its own event loop, where a pooled
        # client from another loop could not be used
        client = httpx.AsyncClient(timeout=self.timeout, headers=self.headers)
        try:
            response = await client.post(self.url, json=self.request(text, context))
        finally:
            with anyio.CancelScope(shield=True):  # the runner's timeout must not leave the connection open
                await client.aclose()
        response.raise_for_status()
        return parse_judge_reply(response.json(), self.rules)

    def report(self, findings: Sequence[Located]) -> Report:
        return policy_report(findings)
