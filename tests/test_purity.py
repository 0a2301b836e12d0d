"""The pure core never does I/O or awaits: no server, loop or thread libraries imported, no await."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import enkrypt_middleware

PACKAGE = Path(enkrypt_middleware.__file__).parent
PURE = [
    "_engine.py",
    "_streaming.py",
    "_models.py",
    "_config.py",
    "_exceptions.py",
    *(f"detectors/{path.name}" for path in sorted((PACKAGE / "detectors").glob("*.py"))),
]
FORBIDDEN = {"asyncio", "anyio", "starlette", "asgiref", "httpx", "threading", "socket", "uvicorn"}


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io_and_never_awaits(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, f"{module} imports {name}"
        assert not isinstance(node, (ast.Await, ast.AsyncFunctionDef, ast.AsyncWith, ast.AsyncFor)), module
