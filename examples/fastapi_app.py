"""A FastAPI service with an OpenAI-style chat route, guarded by enkrypt_middleware.

Run: uvicorn examples.fastapi_app:app --port 8000
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from enkrypt_middleware import EnkryptMiddleware

app = FastAPI()
app.add_middleware(EnkryptMiddleware, config=Path(__file__).with_name("guardrails.toml"))


@app.post("/v1/chat/completions")
async def chat(body: dict[str, Any]) -> dict[str, Any]:
    question = body["messages"][-1]["content"]
    answer = f"You asked: {question}"  # call your model here
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "my-model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
    }
