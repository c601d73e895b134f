"""Log template mining: a streaming Drain-style parse tree with variable masking.

Lines are masked first (numbers, hex, IPs, UUIDs, paths, URLs, e-mails, durations, quoted values,
`key=value` values…) so that one configuration generalises across systems; the masked tokens are
then routed by token count and leading constant tokens to a leaf, where the line joins the most
similar template (a share of equal tokens at or above `similarity`) or starts a new one. When a
line joins, the positions where it differs become `<*>`. A template keeps the id it was born
with while it generalises, so pattern ids are stable; the miner's state serialises to JSON.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

WILD = "<*>"

# order matters: the most specific shapes first
_MASKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s\"'<>]+"), WILD),  # URLs
    (re.compile(r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b"), WILD),  # e-mail addresses
    (re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), WILD),  # UUIDs
    (re.compile(r"(?i)\b(?:[0-9a-f]{2}[:\-]){5}[0-9a-f]{2}\b"), WILD),  # MAC addresses
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), WILD),  # IPv4 (and port)
    (re.compile(r"(?i)\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b"), WILD),  # IPv6
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+\-]\d{2}:?\d{2})?"), WILD),  # timestamps
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), WILD),  # times of day
    (re.compile(r"(?<![\w/])(?:/[\w.\-$~@%+]+){2,}/?"), WILD),  # paths
    (re.compile(r"(?i)\b0x[0-9a-f]+\b"), WILD),  # hex literals
    (re.compile(r"(?i)\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"), WILD),  # ids, hashes
    (re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"), WILD),  # quoted values
    (re.compile(r"(?i)\b-?\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|secs|m|min|mins|h|hr|hrs|d|ms\.)\b"), WILD),  # durations
    (re.compile(r"(?i)\b-?\d+(?:\.\d+)?(?:[kmgt]i?b|b|bytes|%)(?!\w)"), WILD),  # sizes, percentages
    (re.compile(r"(?<=[=:])[^\s,;)\]}]+"), WILD),  # key=value and key:value values
    (re.compile(r"(?<![A-Za-z])[+\-]?\d+(?:[.,]\d+)*(?![A-Za-z])"), WILD),  # numbers (also inside tokens)
]
_SPLIT = re.compile(r"\s+")
_COLLAPSE = re.compile(r"(?:<\*>)(?:[^\s\w]*<\*>)+")


# one pass: at each position the first alternative that matches wins, in the order above
_ONE = re.compile("|".join(f"(?i:{p.pattern[4:]})" if p.pattern.startswith("(?i)") else f"(?:{p.pattern})"
                            for p, _ in _MASKS))  # fmt: skip


_MULTI = re.compile(_MASKS[6][0].pattern + "|" + _MASKS[11][0].pattern)  # timestamps, quoted values: span spaces
_PLAIN = frozenset("/@:=")
_CACHE: dict[str, str] = {}


def _mask_token(tok: str) -> str:
    """Most tokens are words: no digit and none of / @ : = means nothing to mask."""
    if not any(c.isdigit() or c in _PLAIN for c in tok):
        return tok
    hit = _CACHE.get(tok)
    if hit is None:
        hit = _ONE.sub(WILD, tok)
        if len(_CACHE) > 200_000:
            _CACHE.clear()
        _CACHE[tok] = hit
    return hit


def mask(line: str) -> str:
    """The line with its variable parts replaced by `<*>` (token by token, after the shapes that
    span spaces: timestamps with a space, quoted values)."""
    text = line.strip()
    if '"' in text or "'" in text or "-" in text:
        text = _MULTI.sub(WILD, text)
    return _COLLAPSE.sub(WILD, " ".join(_mask_token(t) for t in _SPLIT.split(text) if t))


def tokens(line: str) -> list[str]:
    return [t for t in _SPLIT.split(mask(line)) if t]


def _has_digit_or_wild(tok: str) -> bool:
    return WILD in tok or any(c.isdigit() for c in tok)


@dataclass
class Template:
    id: str
    tokens: list[str]
    count: int = 0

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    def similarity(self, toks: list[str]) -> float:
        same = sum(1 for a, b in zip(self.tokens, toks, strict=True) if a in (b, WILD))
        return same / max(1, len(toks))

    def absorb(self, toks: list[str]) -> None:
        self.tokens = [a if a == b else WILD for a, b in zip(self.tokens, toks, strict=True)]
        self.count += 1


def fingerprint(toks: list[str]) -> str:
    """A stable id for a new template (its first form; it keeps it while it generalises)."""
    return hashlib.blake2b(" ".join(toks).encode(), digest_size=8).hexdigest()


@dataclass
class TemplateMiner:
    similarity: float = 0.5
    depth: int = 2  # leading tokens that route a line (after its length)
    max_children: int = 64
    templates: dict[str, Template] = field(default_factory=dict)
    _tree: dict[Any, Any] = field(default_factory=dict)

    def _leaf(self, toks: list[str]) -> list[str]:
        node = self._tree.setdefault(len(toks), {})
        for tok in toks[: self.depth]:
            key = WILD if _has_digit_or_wild(tok) else tok
            if key not in node and len(node) >= self.max_children:
                key = WILD
            node = node.setdefault(key, {})
        return node.setdefault("__leaf__", [])

    def add(self, line: str) -> Template:
        """Learn from one line; returns the template it belongs to now."""
        toks = tokens(line)
        leaf = self._leaf(toks)
        best, score = None, -1.0
        for tid in leaf:
            t = self.templates[tid]
            s = t.similarity(toks)
            if s > score:
                best, score = t, s
        if best is not None and score >= self.similarity:
            best.absorb(toks)
            return best
        tid = fingerprint(toks)
        while tid in self.templates:  # the same first form on another route: keep ids unique
            tid = hashlib.blake2b(tid.encode(), digest_size=8).hexdigest()
        t = Template(tid, toks, 1)
        self.templates[tid] = t
        leaf.append(tid)
        return t

    def match(self, line: str) -> Template | None:
        """The template a line belongs to, without learning from it."""
        toks = tokens(line)
        best, score = None, -1.0
        for tid in self._leaf_lookup(toks):
            t = self.templates[tid]
            s = t.similarity(toks)
            if s > score:
                best, score = t, s
        return best if best is not None and score >= self.similarity else None

    def _leaf_lookup(self, toks: list[str]) -> list[str]:
        node = self._tree.get(len(toks), {})
        for tok in toks[: self.depth]:
            key = WILD if _has_digit_or_wild(tok) else tok
            node = node.get(key, node.get(WILD, {}))
        return node.get("__leaf__", [])

    def parameters(self, template: Template, line: str) -> list[str]:
        """The line's values at the template's `<*>` positions (whole tokens, before masking)."""
        raw = [t for t in _SPLIT.split(line.strip()) if t]
        if len(raw) != len(template.tokens):
            return [t for t, m in zip(tokens(line), template.tokens, strict=False) if m == WILD]
        return [r for r, m in zip(raw, template.tokens, strict=True) if WILD in m]

    def to_state(self) -> dict[str, Any]:
        kept = [{"id": t.id, "tokens": t.tokens, "count": t.count} for t in self.templates.values()]
        return {"similarity": self.similarity, "depth": self.depth, "templates": kept}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TemplateMiner:
        miner = cls(similarity=state["similarity"], depth=state["depth"])
        for t in state["templates"]:
            tpl = Template(t["id"], list(t["tokens"]), int(t["count"]))
            miner.templates[tpl.id] = tpl
            miner._leaf(tpl.tokens).append(tpl.id)
        return miner


def mine(lines: Iterable[str], miner: TemplateMiner | None = None) -> tuple[TemplateMiner, list[str]]:
    """Learn from every line, then give each line its template id as finally generalised."""
    miner = miner or TemplateMiner()
    ids = [miner.add(line).id for line in lines]
    return miner, ids
