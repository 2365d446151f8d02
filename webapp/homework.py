"""The talk's homework (homework.py at the top of the checkout), counted from the file itself:
its statements and lines of code, and the accuracy and time measured when it last ran
(benchmarks/homework.py writes benchmarks/results/homework.json)."""

from __future__ import annotations

import ast
import io
import json
import tokenize
from pathlib import Path

from webapp import paths

HOMEWORK = paths.CHECKOUT / "homework.py"
RESULT = paths.CHECKOUT / "benchmarks" / "results" / "homework.json"


def count(source: str) -> dict:
    """Statements (as Python counts them: the docstring not included) and lines of code (neither
    blank nor comment-only)."""
    tree = ast.parse(source)
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                              ast.Constant):
        body = body[1:]  # the docstring
    statements = sum(1 for top in body for node in ast.walk(top) if isinstance(node, ast.stmt))
    code_lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                            tokenize.DEDENT, tokenize.ENDMARKER, tokenize.STRING) or (
                tok.type == tokenize.STRING and tok.start[0] != 1):
            code_lines.update(range(tok.start[0], tok.end[0] + 1))
    return {"statements": statements, "lines": len(code_lines)}


def summary(path: Path = HOMEWORK, result: Path = RESULT) -> dict | None:
    if not path.is_file():
        return None
    source = path.read_text(encoding="utf-8")
    out = {"file": path.name, "code": source, **count(source)}
    if result.is_file():
        out["result"] = json.loads(result.read_text())
    return out
