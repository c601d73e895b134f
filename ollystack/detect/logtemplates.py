"""Log template mining: a streaming Drain-style parse tree with variable masking.

Lines are masked token by token first, so that one configuration generalises across systems: a
token holding a digit (numbers, ids, IPs, times, versions, host names like `dn228`), URLs, e-mail
addresses, paths, `key=value` values, quoted words and empty values become `<*>`. A run of
variables becomes one `<*>`, with the unit words and date words inside it (`1268 bytes (1.23 KB)`,
`Sun Jul 10 03:23:21 2005`), so variable-length values do not split a template. The masked tokens
are routed by token count and leading words to a leaf, where the line joins the most similar
template (the share of its tokens equal to the template's constant tokens, with part credit for
its variables, at or above `similarity`) or starts a new one; where a joining line differs, the template gets `<*>`. A
template keeps the id it was born with while it generalises, so pattern ids are stable; the
miner's state serialises to JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

WILD = "<*>"

_CONST, _VAR, _DATE, _JOINER = 0, 1, 2, 3  # token kinds; a joiner continues a run of variables
_DATE_TEXT = (
    "mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday jan feb mar apr may jun "
    "jul aug sep sept oct nov dec january february march april june july august september october november "
    "december"
)
_DATE_WORDS = frozenset(_DATE_TEXT.split())
_JOIN_TEXT = (
    "b byte bytes kb mb gb tb pb kib mib gib tib kbps mbps gbps ns us µs ms s sec secs second seconds min mins "
    "minute minutes h hr hrs hour hours d day days % percent - am pm utc gmt"
)
_JOIN_WORDS = frozenset(_JOIN_TEXT.split())
_EMPTY = frozenset(["()", "[]", "{}", "''", '""'])

# each applies only when its marker is in the token (the guards keep the common case cheap)
_KV = re.compile(r"(?<==)(?:\[[^\]]*\]|\{[^}]*\}|[^,;)\]}]+)")  # key=value values
_URL = re.compile(r"(?i:[a-z][a-z0-9+.\-]*://[^\"'<>]+)")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_COLON = re.compile(
    r"(?i:(?:[0-9a-f]{2}[:\-]){5}[0-9a-f]{2})"  # MAC addresses
    r"|(?i:(?=[0-9a-f:]*\d)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{1,4})(?![\w:])"  # IPv6
    r"|[\w\-]+(?:\.[\w\-]+)+:\d+"  # host:port
)
_CLF_DATE = re.compile(r"\d{1,2}/[A-Za-z]{3}/\d{4}(?::\d{2}){3}(?:[.,]\d+)?")  # 12/May/2024:14:21:02
_PATH = re.compile(r"(?<![\w/])(?:/[^/\s\"'<>\[\](),;]+){2,}/?")
_WINPATH = re.compile(r"(?i:\b[a-z]:\\[^\s\"'<>]*)")
_DIGITWORD = re.compile(r"[\w.\-+]*\d[\w.\-+]*")  # numbers, ids, versions, host names with a digit
_ADJACENT = re.compile(r"<\*>(?:[^\w\s<>]*<\*>)+")  # `<*>:<*>` inside one token is one value
_WORDCHAR = re.compile(r"\w")

_STRIP = "()[]{}<>,;.!?'\""
_NO_SIMPLE = str.maketrans("", "", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.-+#")
_NO_TIME = str.maketrans("", "", "0123456789.:,-")
_NO_DIGIT = str.maketrans("", "", "0123456789")

_Tok = tuple[str, int, str, str]  # masked form, kind, punctuation before and after a variable
_CACHE: dict[str, _Tok] = {}
_NUMBER: _Tok = (WILD, _VAR, "", "")
_NEEDS_MASK = re.compile(r"[\d/@=:\\]")


def _mask_markers(s: str) -> str:
    if "=" in s:
        s = _KV.sub(WILD, s)
    if "://" in s:
        s = _URL.sub(WILD, s)
    if "@" in s:
        s = _EMAIL.sub(WILD, s)
    if "/" in s:
        s = _CLF_DATE.sub(WILD, s)
    if ":" in s:
        s = _COLON.sub(WILD, s)
    if "/" in s:
        s = _PATH.sub(WILD, s)
    if "\\" in s:
        s = _WINPATH.sub(WILD, s)
    return _ADJACENT.sub(WILD, _DIGITWORD.sub(WILD, s))


def _classify(tok: str) -> _Tok:
    if " " in tok:  # a quoted value with spaces inside (see `_split`): one value
        q, e = tok.find('"'), tok.rfind('"')
        if q < 0:
            return WILD, _VAR, "", ""
        pre, post = tok[:q], tok[e + 1 :]
        return (pre + WILD + post, _CONST, "", "") if pre else (WILD + post, _VAR, "", post)
    core = tok.strip(_STRIP)
    if core and (
        core.isdigit()
        or (not core.translate(_NO_TIME) and core.strip(".:,-"))
        or (len(core.translate(_NO_DIGIT)) < len(core) and not core.translate(_NO_SIMPLE))
    ):  # a number, a time, or a plain word with a digit: the whole core is the value
        a = tok.index(core)
        lead, trail = tok[:a], tok[a + len(core) :]
        return lead + WILD + trail, _VAR, lead, trail
    masked = _mask_markers(tok) if _NEEDS_MASK.search(tok) else tok
    if tok[0] in "'\"" and len(tok) > 1:  # a quoted word
        end = tok[-1] if tok[-1] != tok[0] else ""
        if tok[-1] == tok[0] or (len(tok) > 2 and tok[-2] == tok[0] and end in ",;:.)]"):
            masked = WILD + end
    if masked in _EMPTY:
        return WILD, _VAR, "", ""
    if WILD in masked and not _WORDCHAR.search(masked.replace(WILD, "")):
        a, b = masked.index(WILD), masked.rindex(WILD) + len(WILD)
        return masked, _VAR, masked[:a], masked[b:]
    if masked != tok:
        return masked, _CONST, "", ""
    low = tok.strip(",.;()[]{}'\"").lower()  # not `:`: `s:` is a key, not seconds
    kind = _DATE if low.rstrip(":") in _DATE_WORDS else _JOINER if low in _JOIN_WORDS or tok == "-" else _CONST
    return tok, kind, "", ""


_MESSAGE_KEYS = frozenset(["msg", "message", "event", "log", "text", "short_message"])
_HTTP_METHODS = frozenset(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"])
_GROUPED = re.compile(r'(?:[^\s"]+|"[^"]*"?)+')  # a token may hold a double-quoted string with spaces


def _split(line: str, anchor: list[str] | None = None) -> list[str]:
    """Raw tokens: whitespace-separated, but a double-quoted value with spaces stays one token
    (a user agent, `query="SELECT …"`), except a message (`msg="…"`) or an HTTP request line,
    whose words are the event; a JSON object becomes `key:` and value tokens. A message's text
    goes to `anchor`."""
    text = line.strip()
    if text[:1] == "{" and text[-1:] == "}":
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            out: list[str] = []
            _json_tokens(obj, "", out, anchor)
            return out
    if '"' not in text:
        return text.split()
    out = []
    for tok in _GROUPED.findall(text):
        if " " not in tok and "\t" not in tok:
            out.append(tok)
            continue
        q = tok.index('"')
        words = tok[q + 1 :].split()
        key = tok[:q].rstrip("=:").lower()
        if words and words[0] in _HTTP_METHODS and not key:
            out += tok.split()
        elif key in _MESSAGE_KEYS or (not q and (not out or out[-1].endswith("]"))):
            # `msg="…"`, or klog's leading quoted message: `I0512 … file.go:12] "Started pod" k=v`
            if q:
                out.append(tok[:q])
            words[-1] = words[-1].rstrip('"') or words[-1]
            out += words
            if anchor is not None:
                anchor.append(" ".join(words))
        else:
            out.append(" ".join(tok.split()))
    return out


def _json_tokens(obj: dict[str, Any], prefix: str, out: list[str], anchor: list[str] | None) -> None:
    for k, v in obj.items():
        key = prefix + str(k)
        if isinstance(v, dict) and v and not prefix:  # one level: deeper objects are values
            _json_tokens(v, key + ".", out, anchor)
            continue
        out.append(key + ":")
        if isinstance(v, str):
            if k.lower() in _MESSAGE_KEYS:
                out += v.split() or ['""']
                if anchor is not None:
                    anchor.append(v)
            else:
                out.append(v if v and " " not in v and "\t" not in v else " " if v else '""')
        else:
            out.append(json.dumps(v) if isinstance(v, (list, dict)) else str(v))


def _scan(line: str, raw: list[str] | None = None, anchor: list[str] | None = None) -> list[str]:
    """Masked tokens of a line; with `raw`, also the original text behind each one; with
    `anchor`, also the text of a structured line's message."""
    out: list[str] = []
    run = 0  # variables (and joiners) in the current run
    dates = 0  # date words just before it
    lead = ""
    cache = _CACHE
    for tok in _split(line, anchor) if '"' in line else line.split():
        m = cache.get(tok)
        if m is None:
            if tok.isdigit():  # most numbers are new every time: not worth caching
                m = _NUMBER
            else:
                m = _classify(tok)
                if len(cache) >= 300_000:
                    cache.clear()
                cache[tok] = m
        masked, kind, ld, tr = m
        if kind == _VAR or (kind == _JOINER and run):
            if run:
                out[-1] = lead.rstrip("([{<") + WILD + tr.lstrip(")]}>")
                if raw is not None:
                    raw[-1] += " " + tok
            else:
                if dates:  # `Sun Jul 10 …`: the date words join the value
                    del out[-dates:]
                    if raw is not None:
                        raw[-dates:] = [" ".join([*raw[-dates:], tok])]
                    masked, ld = WILD + tr, ""
                elif raw is not None:
                    raw.append(tok)
                lead = ld
                out.append(masked)
            run += 1
            dates = 0
            continue
        run = 0
        dates = dates + 1 if kind == _DATE else 0
        out.append(masked)
        if raw is not None:
            raw.append(tok)
    return out


def tokens(line: str) -> list[str]:
    return _scan(line)


def mask(line: str) -> str:
    """The line with its variable parts replaced by `<*>`."""
    return " ".join(_scan(line))


def _route_key(tok: str) -> str:
    """Leading tokens route a line only when they are words: `com.apple.x:` or `dn228` would
    scatter one statement over many leaves."""
    return tok if tok.strip(":,;.[]()").isalpha() else WILD


_WILD_CREDIT = 0.4


@dataclass
class Template:
    id: str
    tokens: list[str]
    count: int = 0
    route: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    def similarity(self, toks: list[str]) -> float:
        """Share of the line's tokens equal to this template's constants (Drain's measure), with
        part credit where the template already has a variable, so lines that differ mostly in
        values (access logs, short lines) still join."""
        same = 0.0
        for a, b in zip(self.tokens, toks, strict=True):
            if a == WILD:
                same += _WILD_CREDIT
            elif a == b:
                same += 1
        return same / len(toks) if toks else 1.0

    def absorb(self, toks: list[str]) -> None:
        if self.tokens != toks:
            self.tokens = [a if a == b else WILD for a, b in zip(self.tokens, toks, strict=True)]
        self.count += 1


def fingerprint(toks: list[str]) -> str:
    """A stable id for a new template (its first form; it keeps it while it generalises)."""
    return hashlib.blake2b(" ".join(toks).encode(), digest_size=8).hexdigest()


@dataclass
class TemplateMiner:
    similarity: float = 0.65
    depth: int = 2  # leading tokens that route a line (after its length)
    max_children: int = 64
    templates: dict[str, Template] = field(default_factory=dict)
    _tree: dict[Any, Any] = field(default_factory=dict)
    _seen: dict[tuple[str, ...], str] = field(default_factory=dict)  # masked line -> template id

    def _route(self, toks: list[str], grow: bool, anchor: str = "") -> tuple[str, ...]:
        """Length, then a structured line's message (lines with different messages never join),
        then the leading words."""
        node = self._tree.get(len(toks), {}).get(anchor, {})
        keys = [anchor]
        for tok in toks[: self.depth]:
            key = _route_key(tok)
            if key not in node and (not grow or len(node) >= self.max_children):
                key = WILD
            keys.append(key)
            node = node.get(key, {})
        return tuple(keys)

    def _leaf(self, n: int, route: tuple[str, ...]) -> list[str]:
        node = self._tree.setdefault(n, {})
        for key in route:
            node = node.setdefault(key, {})
        return node.setdefault("", [])

    def _best(self, leaf: list[str], toks: list[str]) -> Template | None:
        best, score = None, -1.0
        for tid in leaf:
            t = self.templates[tid]
            s = t.similarity(toks)
            if s > score:
                best, score = t, s
        return best if best is not None and score >= self.similarity else None

    def add(self, line: str) -> Template:
        """Learn from one line; returns the template it belongs to now."""
        message: list[str] = []
        toks = _scan(line, None, message)
        key = tuple(toks)
        tid = self._seen.get(key)
        if tid is not None:
            t = self.templates[tid]
            t.count += 1
            return t
        route = self._route(toks, True, _anchor(message))
        leaf = self._leaf(len(toks), route)
        best = self._best(leaf, toks)
        if best is not None:
            best.absorb(toks)
        else:
            tid = fingerprint(toks)
            while tid in self.templates:  # the same first form on another route: keep ids unique
                tid = hashlib.blake2b(tid.encode(), digest_size=8).hexdigest()
            best = Template(tid, toks, 1, route)
            self.templates[tid] = best
            leaf.append(tid)
        if len(self._seen) >= 500_000:
            self._seen.clear()
        self._seen[key] = best.id
        return best

    def match(self, line: str) -> Template | None:
        """The template a line belongs to, without learning from it."""
        message: list[str] = []
        toks = _scan(line, None, message)
        tid = self._seen.get(tuple(toks))
        if tid is not None:
            return self.templates[tid]
        route = self._route(toks, False, _anchor(message))
        node = self._tree.get(len(toks), {})
        for key in route:
            node = node.get(key, {})
        return self._best(node.get("", []), toks)

    def parameters(self, template: Template, line: str) -> list[str]:
        """The line's values at the template's `<*>` positions, as written in the line."""
        raw: list[str] = []
        toks = _scan(line, raw)
        if len(toks) != len(template.tokens):
            return []
        values = []
        for value, tok, tpl in zip(raw, toks, template.tokens, strict=True):
            if tpl == WILD:
                if tok != WILD and tok.count(WILD) == 1:  # `(<*>)`: the value without its brackets
                    a, b = tok.index(WILD), len(tok) - tok.index(WILD) - len(WILD)
                    values.append(value[a : len(value) - b])
                else:
                    values.append(value)
            elif WILD in tpl:
                values += _values(tpl, value)
        return values

    def to_state(self) -> dict[str, Any]:
        kept = [{"id": t.id, "tokens": t.tokens, "count": t.count, "route": list(t.route)}
                for t in self.templates.values()]  # fmt: skip
        return {"similarity": self.similarity, "depth": self.depth, "templates": kept}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TemplateMiner:
        miner = cls(similarity=state["similarity"], depth=state["depth"])
        for t in state["templates"]:
            toks = list(t["tokens"])
            route = tuple(t.get("route") or miner._route(toks, True))
            tpl = Template(t["id"], toks, int(t["count"]), route)
            miner.templates[tpl.id] = tpl
            miner._leaf(len(toks), route).append(tpl.id)
        return miner


def _anchor(message: list[str]) -> str:
    return " ".join(_scan(message[0])) if message else ""


def _values(pattern: str, text: str) -> list[str]:
    """The parts of `text` at the `<*>` of one masked token (`uid=<*>` against `uid=0` -> `0`)."""
    parts = pattern.split(WILD)
    rx = "(.+?)".join(re.escape(p) for p in parts)
    hit = re.fullmatch(rx, text, re.DOTALL)
    return list(hit.groups()) if hit else [text]


def mine(lines: Iterable[str], miner: TemplateMiner | None = None) -> tuple[TemplateMiner, list[str]]:
    """Learn from every line, then give each line its template id as finally generalised."""
    miner = miner or TemplateMiner()
    ids = [miner.add(line).id for line in lines]
    return miner, ids
