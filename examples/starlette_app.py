"""A Starlette app guarded by wrapping it: the middleware is an ordinary ASGI app around yours.

Run: uvicorn examples.starlette_app:app --port 8000
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from enkrypt_middleware import EnkryptMiddleware, load_config

GUARDRAILS = load_config(
    {
        "policies": {
            "prompts": {
                "detectors": {
                    "keyword_detector": {"enabled": True, "banned_keywords": ["project zeus"]},
                    "pii": {"enabled": True, "entities": ["pii", "secrets"]},
                }
            },
            # answers may repeat the user's own (restored) details, but never a credential
            "answers": {
                "detectors": {
                    "keyword_detector": {"enabled": True, "banned_keywords": ["project zeus"]},
                    "pii": {"enabled": True, "entities": ["secrets"]},
                }
            },
        },
        "deployments": {
            "support-bot": {
                "input_guardrails_policy": {
                    "policy_name": "prompts",
                    "block": ["keyword_detector"],
                    "additional_config": {"pii_redaction": True},
                },
                "output_guardrails_policy": {"policy_name": "answers", "block": ["keyword_detector", "pii"]},
            }
        },
        "default_deployment": "support-bot",
    }
)


async def chat(request: Request) -> JSONResponse:
    body = await request.json()
    question = body["messages"][-1]["content"]
    message = {"role": "assistant", "content": f"Noted: {question}"}
    return JSONResponse(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": "my-model",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
    )


app = EnkryptMiddleware(Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])]), config=GUARDRAILS)
