"""Typed reads of CDK context values, each error naming the key.

Values from ``cdk.json`` arrive as JSON values, values from ``cdk synth -c key=value`` as strings:
every reader takes both (``"8183"``, ``"true"``, ``subnet-a,subnet-b`` or ``["subnet-a"]``, a JSON
object for a map). The declarations (:mod:`infrastructure.setting_declarations`) give the ranges.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from . import setting_declarations as declared

T = TypeVar("T")

MAX_TAGS = 50
TAG_KEY = re.compile(r"^(?!aws:)[\w .:/=+\-@]{1,128}$")
TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{0,256}$")


class SettingsError(ValueError):
    """A deployment setting is missing or malformed; the message names the context key."""


def from_json_text(key: str, value: Any) -> Any:
    """``value`` itself, or the JSON it holds when it is a string starting with ``[`` or ``{``
    (how ``-c`` passes a list or a map)."""
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise SettingsError(f"context key '{key}' is not valid JSON: {error.msg}") from None
    return value


class Reader:
    """Typed access to context values; every error names the key."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self._context = context

    def is_set(self, key: str) -> bool:
        value = self._context.get(key)
        return not (value is None or (isinstance(value, str) and not value.strip()))

    def _raw(self, key: str) -> Any:
        if not self.is_set(key):
            raise SettingsError(f"missing required context key '{key}' (set it in cdk.json)")
        return self._context[key]

    def _parsed(self, key: str, default: T, parse: Callable[[Any], T]) -> T:
        if self._context.get(key) is None:
            return default
        return parse(self._raw(key))

    def text(self, declaration: declared.Text) -> str:
        key, value = declaration.key, self._raw(declaration.key)
        if not isinstance(value, str) or not declaration.pattern.fullmatch(value.strip()):
            raise SettingsError(
                f"context key '{key}' must be {declaration.expected}, got {value!r}"
            )
        return value.strip()

    def optional_text(self, declaration: declared.Text) -> str | None:
        value = self._context.get(declaration.key)
        if value is None or value == "":
            return None
        return self.text(declaration)

    def id_list(self, declaration: declared.IdList) -> tuple[str, ...]:
        key, expected = declaration.key, declaration.expected
        value = from_json_text(key, self._raw(key))
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items:
            raise SettingsError(f"context key '{key}' must be a non-empty list of {expected}")
        cleaned = tuple(str(item).strip() for item in items)
        bad = [item for item in cleaned if not declaration.pattern.fullmatch(item)]
        if bad or len(set(cleaned)) != len(cleaned):
            raise SettingsError(
                f"context key '{key}' must be a list of distinct {expected}, got {value!r}"
            )
        return cleaned

    def optional_id_list(self, declaration: declared.IdList) -> tuple[str, ...]:
        value = self._context.get(declaration.key)
        if value is None or value in ("", []):
            return ()
        return self.id_list(declaration)

    def tag_map(self, declaration: declared.TagMap) -> tuple[tuple[str, str], ...]:
        key = declaration.key
        if not self.is_set(key):
            return ()
        value = from_json_text(key, self._raw(key))
        if not isinstance(value, dict) or len(value) > MAX_TAGS:
            raise SettingsError(f"context key '{key}' must be {declaration.expected}")
        for name, text in value.items():
            if not (
                isinstance(text, str) and TAG_KEY.fullmatch(name) and TAG_VALUE.fullmatch(text)
            ):
                raise SettingsError(
                    f"context key '{key}' must be {declaration.expected}, got {name!r}: {text!r}"
                )
        return tuple(sorted(value.items()))

    def integer(self, declaration: declared.Integer) -> int:
        return self._number(declaration.key, declaration.default, declaration.low, declaration.high)

    def _number(self, key: str, default: int, low: int, high: int) -> int:
        def parse(value: Any) -> int:
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
            ):
                raise SettingsError(f"context key '{key}' must be an integer, got {value!r}")
            number = int(value)
            if not low <= number <= high:
                raise SettingsError(
                    f"context key '{key}' must be between {low} and {high}, got {number}"
                )
            return number

        return self._parsed(key, default, parse)

    def boolean(self, declaration: declared.Flag) -> bool:
        key = declaration.key

        def parse(value: Any) -> bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise SettingsError(f"context key '{key}' must be true or false, got {value!r}")

        return self._parsed(key, declaration.default, parse)

    def choice(self, declaration: declared.Choice) -> int:
        key, allowed = declaration.key, declaration.choices
        number = self._number(key, declaration.default, min(allowed), max(allowed))
        if number not in allowed:
            raise SettingsError(f"context key '{key}' must be one of {allowed}, got {number}")
        return number
