"""The pages' words, for the first paint: the same file the browser uses (static/i18n.json), so a
page arrives in the reader's language (Accept-Language) before any script runs."""

from __future__ import annotations

import json
from functools import lru_cache

from flask import Request

from webapp import paths

STRINGS_FILE = paths.STATIC / "i18n.json"
LANGUAGES = ("en", "ko")


@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    return json.loads(STRINGS_FILE.read_text(encoding="utf-8"))


def negotiate(req: Request) -> str:
    return req.accept_languages.best_match(LANGUAGES, default="en") or "en"


def translate(language: str, key: str, **values: object) -> str:
    table = strings()
    text = table.get(language, {}).get(key) or table["en"].get(key, key)
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text
