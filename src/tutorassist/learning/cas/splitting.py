"""Splitting the text of a set or list answer into its elements (before each element is parsed)."""

from __future__ import annotations

import re

from tutorassist.learning.cas.tokens import normalize

_OPEN = {"(": ")", "[": "]", "{": "}"}


def split_top_level(text: str, separators: str = ",") -> list[str]:
    """Split on separators that are not inside (), [], {} (LaTeX `\\{ \\}` count as braces)."""
    parts, depth, current = [], 0, []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


_SET_WRAPPERS = [
    (re.compile(r"^\\left\s*\\\{(.*)\\right\s*\\\}$", re.S), 1),
    (re.compile(r"^\\\{(.*)\\\}$", re.S), 1),
    (re.compile(r"^\\lbrace(.*)\\rbrace$", re.S), 1),
    (re.compile(r"^\{(.*)\}$", re.S), 1),
]
_LIST_WRAPPERS = [
    (re.compile(r"^\\left\s*\[(.*)\\right\s*\]$", re.S), 1),
    (re.compile(r"^\\left\s*\((.*)\\right\s*\)$", re.S), 1),
    (re.compile(r"^\[(.*)\]$", re.S), 1),
    (re.compile(r"^\((.*)\)$", re.S), 1),
]
_EMPTY_SET = re.compile(r"^(\\emptyset|\\varnothing|\{\s*\}|\\\{\s*\\\}|\\left\s*\\\{\s*\\right\s*\\\}|∅)$")
_VAR_PREFIX = re.compile(r"^\s*[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\s*=(?![=<>])\s*")


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def collection_items(text: str, kind: str) -> list[str]:
    """The element strings of a set (`{1, 2}`, `\\{1,2\\}`, `1, 2`, `x=1 or x=2`) or a list (`[1, 2]`, `(1, 2)`,
    `1, 2`); `x = ...` prefixes are dropped."""
    text = normalize(text)
    if _EMPTY_SET.match(text):
        return []
    wrappers = _SET_WRAPPERS if kind == "set" else _LIST_WRAPPERS
    for pattern, group in wrappers:
        m = pattern.match(text)
        if m and _balanced(m.group(group).replace("\\{", "{").replace("\\}", "}")):
            text = m.group(group)
            break
    if not text.strip():
        return []
    text = re.sub(r"\s+(?:or|and)\s+", ",", text)
    text = text.replace(";", ",")
    items = split_top_level(text.replace("\\{", "{").replace("\\}", "}"))
    return [_VAR_PREFIX.sub("", item).strip() for item in items]
