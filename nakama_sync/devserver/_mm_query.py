"""The matchmaker's query language: a documented subset of Nakama's (Bluge query strings).

Supported (values match exactly, as with Nakama's keyword analyzer)::

    *                                   matches every ticket
    +properties.region:*                the ticket has the property, any value
    +properties.region:eu               required term (must match)
    -properties.mode:casual             negated term (must not match)
    properties.region:eu                optional term: ranks matches higher; when a query has no
                                        required term, at least one optional term must match
    properties.name:"two words"         quoted phrase: the exact string
    +properties.rank:>=10               numeric ranges with >=, <=, > and <
    +properties.rank:10                 a number matches a numeric property equal to it (or a string
                                        property spelt exactly so)

Values match exactly (Nakama indexes string properties with the keyword analyzer). ``\\`` escapes the
next character. Not supported: boosts (``^2``), fuzzy (``~``), wildcards inside values, regular
expressions, grouping with parentheses, fields other than ``properties.<name>`` (a term on another
field never matches). A query that cannot be parsed raises :class:`QueryError`; like Nakama, the
matchmaker still accepts the ticket, which then never finds others (others may still find it).

Loop thread only (pure functions, no state).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

__all__ = ["Query", "QueryError", "parse_query"]

_RANGE_OPS = (">=", "<=", ">", "<")
_SPECIAL = set('()[]{}^~/')


class QueryError(ValueError):
    """The query string is not in the supported subset."""


@dataclass(frozen=True)
class _Term:
    field: str          # "properties.x", or "" for a bare word
    op: str             # "=", ">=", "<=", ">", "<", "*"
    value: str | float
    text: str           # the value as written (for string equality)


@dataclass(frozen=True)
class Query:
    """A parsed query: required, optional and negated terms."""

    must: tuple[_Term, ...]
    should: tuple[_Term, ...]
    must_not: tuple[_Term, ...]

    def score(self, strings: dict[str, str], numbers: dict[str, float],
              prefix: str = "properties.") -> float | None:
        """``None`` when the document does not match, else a rank (higher is better).

        Fields are addressed as ``<prefix><name>`` (``properties.`` for tickets, ``label.`` for parties).
        """
        if any(not _term_matches(t, strings, numbers, prefix) for t in self.must):
            return None
        if any(_term_matches(t, strings, numbers, prefix) for t in self.must_not):
            return None
        hits = sum(1 for t in self.should if _term_matches(t, strings, numbers, prefix))
        if not self.must and self.should and hits == 0:
            return None
        return float(len(self.must) + hits)


def _term_matches(term: _Term, strings: dict[str, str], numbers: dict[str, float], prefix: str) -> bool:
    if term.op == "*" and not term.field:
        return True
    if not term.field.startswith(prefix):
        return False
    name = term.field[len(prefix):]
    if term.op == "*":
        return name in strings or name in numbers
    if term.op == "=":
        if name in strings and strings[name] == term.text:
            return True
        if isinstance(term.value, float) and name in numbers:
            return numbers[name] == term.value
        return False
    if name not in numbers or not isinstance(term.value, float):
        return False
    value = numbers[name]
    if math.isnan(value):
        return False
    if term.op == ">=":
        return value >= term.value
    if term.op == "<=":
        return value <= term.value
    if term.op == ">":
        return value > term.value
    return value < term.value


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read_word(text: str, i: int) -> tuple[str, int]:
    """Read an unquoted word from ``i``; stops at whitespace. Raises on reserved characters."""
    out = []
    while i < len(text) and not text[i].isspace():
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text):
                raise QueryError("dangling escape")
            out.append(text[i + 1])
            i += 2
            continue
        if ch in _SPECIAL or ch == '"':
            raise QueryError(f"unsupported character {ch!r} at {i}")
        out.append(ch)
        i += 1
    return "".join(out), i


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    assert text[i] == '"'
    i += 1
    out = []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise QueryError("unterminated phrase")


def _split_field(word: str) -> tuple[str, str] | None:
    """``field:value`` at the first unescaped colon (escapes are already resolved in ``word``)."""
    colon = word.find(":")
    if colon <= 0:
        return None
    return word[:colon], word[colon + 1:]


def parse_query(text: str) -> Query:
    """Parse ``text``; ``""`` means ``*``. Raises :class:`QueryError` outside the supported subset."""
    must: list[_Term] = []
    should: list[_Term] = []
    must_not: list[_Term] = []
    i = 0
    text = text or "*"
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        prefix = ""
        if text[i] in "+-":
            prefix = text[i]
            i += 1
            if i >= len(text) or text[i].isspace():
                raise QueryError("operator without a term")
        term, i = _read_term(text, i)
        {"+": must, "-": must_not, "": should}[prefix].append(term)
    return Query(tuple(must), tuple(should), tuple(must_not))


def _read_term(text: str, i: int) -> tuple[_Term, int]:
    if text[i] == '"':
        phrase, i = _read_quoted(text, i)
        return _Term("", "=", phrase, phrase), i
    # read the field part up to the colon, keeping escapes in the value intact
    start = i
    while i < len(text) and not text[i].isspace() and text[i] != ":":
        if text[i] == "\\":
            i += 1
        i += 1
    if i >= len(text) or text[i] != ":":
        word, _ = _read_word(text, start)
        if word == "*":
            return _Term("", "*", "*", "*"), i
        return _Term("", "=", word, word), i
    field, _ = _read_word(text[start:i], 0)
    if not field:
        raise QueryError("empty field name")
    i += 1  # the colon
    if i >= len(text) or text[i].isspace():
        raise QueryError(f"no value for field {field}")
    if text[i] == '"':
        phrase, i = _read_quoted(text, i)
        return _Term(field, "=", phrase, phrase), i
    for op in _RANGE_OPS:
        if text.startswith(op, i):
            word, i = _read_word(text, i + len(op))
            if word.startswith('"') or not word:
                raise QueryError(f"no value after {op}")
            number = _number(word)
            if number is None:
                raise QueryError(f"range on a non-number {word!r}")
            return _Term(field, op, number, word), i
    word, i = _read_word(text, i)
    if word == "*":
        return _Term(field, "*", "*", "*"), i
    number = _number(word)
    return _Term(field, "=", number if number is not None else word, word), i


def label_fields(label: str) -> tuple[dict[str, str], dict[str, float]]:
    """A JSON-object label as (string fields, numeric fields) for ``Query.score(..., prefix="label.")``.

    Booleans become ``"true"``/``"false"``; nested values and text that is not a JSON object are ignored.
    Used by the match list and the party list.
    """
    try:
        data = json.loads(label) if label else {}
    except ValueError:
        data = {}
    strings: dict[str, str] = {}
    numbers: dict[str, float] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, bool):
                strings[key] = "true" if value else "false"
            elif isinstance(value, (int, float)):
                numbers[key] = float(value)
            elif isinstance(value, str):
                strings[key] = value
    return strings, numbers
