"""Pattern families: log templates clustered into families of related templates.

Template mining (`logtemplates`) keeps `Failed password for <*> from <*> port <*> ssh2` and
`Failed publickey for invalid user <*> from <*> port <*> ssh2` apart because their tokens differ; an
SRE reads both as "SSH logins failing". Families group such templates so that a spike spread over a
dozen sibling templates reads as one story.

Each template becomes a vector (wildcards, numbers and punctuation dropped; camelCase and snake_case
split), similarity is cosine, and families come from average-linkage agglomerative clustering cut at
a minimum similarity. Two embedders:

- `tfidf` (default, no extra dependency): TF-IDF over word tokens plus character n-grams, fitted on
  the templates given, so it needs no model and rewards shared vocabulary and word stems.
- `embeddings`: WordLlama's static token embeddings, whose weights ship inside the `wordllama` wheel
  (`pip install 'ollystack[embeddings]'`) and are loaded from the installed package, never fetched,
  so related words (`disk`, `I/O`, `sector`) meet even when no token is shared.

Inputs are sorted by template id before anything else, so the result does not depend on input
order, and a family's id is a hash of its smallest member id, so it survives other members joining
or leaving.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import hstack
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

if TYPE_CHECKING:
    from ..store import Store

Embedder = Literal["tfidf", "embeddings"]

# minimum average cosine similarity inside a family, per embedder (tuned on Loghub and hand sets)
DEFAULT_THRESHOLDS: dict[str, float] = {"tfidf": 0.15, "embeddings": 0.2}
MAX_STORED_TEMPLATES = 5000  # the busiest, when a window holds more (memory grows with the square)
WORD_WEIGHT = 0.5  # share of the TF-IDF similarity from whole words; the rest from character n-grams
NAME_WORDS = 5
SHRINK = 32  # templates' worth of weight on the model-wide mean when centring a small set
INSTALL_HINT = "pip install 'ollystack[embeddings]'"

_WILD = re.compile(r"<\*>")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SLASHED = re.compile(r"\b([A-Za-z])/([A-Za-z])\b")  # I/O, R/W: one word, not two letters
_WORD = re.compile(r"[A-Za-z0-9]+")
# function words carry no meaning for families; TF-IDF would down-weight them anyway, but names
# and the embeddings embedder benefit from dropping them
_STOP = frozenset(
    "a an the of to for from in on at by with into via is are was were be been being and or as it "  # noqa: SIM905
    "its this that these those has have had do does did will shall would should can could may".split()
)


class FamilyMember(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    template: str
    similarity: float  # cosine similarity to the family's representative template


class Family(BaseModel):
    """Related templates; `representative` is the member most similar to the others."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    representative_id: str
    representative: str
    members: list[FamilyMember]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def member_ids(self) -> list[str]:
        return [m.id for m in self.members]


def words(template: str) -> list[str]:
    """The template's meaningful lower-case words: no wildcards, numbers, one-letter or stop words."""
    text = _CAMEL.sub(" ", _SLASHED.sub(r"\1\2", _WILD.sub(" ", template)))
    out = []
    for w in _WORD.findall(text):
        low = w.lower()
        if len(low) > 1 and not low.isdigit() and low not in _STOP:
            out.append(low)
    return out


_SUFFIX = re.compile(r"(?:ures|ure|ing|ed|es|s)$")


def _stem(word: str) -> str:
    """A crude suffix strip so that `failed`, `failure` and `failures` count as one word."""
    return _SUFFIX.sub("", word) if len(word) > 5 else word


def _tfidf_vectors(texts: list[str]) -> Any:
    """Sparse rows of unit length (or zero for a template with no words)."""
    docs = [" ".join(_stem(w) for w in words(t)) for t in texts]
    if not any(docs):
        return np.zeros((len(texts), 1))
    word = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, dtype=np.float32).fit_transform(docs)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True, dtype=np.float32)
    both = hstack([np.sqrt(WORD_WEIGHT) * word, np.sqrt(1 - WORD_WEIGHT) * char.fit_transform(docs)]).tocsr()
    return normalize(both)


@cache
def _wordllama() -> Any:
    """The WordLlama model from the files inside the installed wheel (downloads disabled)."""
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as e:
        raise ImportError(f"embedder='embeddings' needs the optional wordllama package: {INSTALL_HINT}") from e
    # its loader looks for the tokenizer in <cache_dir>/tokenizers and the weights in the package:
    # pointing cache_dir at the package finds both, and disable_download keeps it off the network
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


@cache
def _vocabulary_mean() -> np.ndarray:
    return np.asarray(_wordllama().embedding, dtype=np.float64).mean(axis=0)


def _embedding_vectors(texts: list[str]) -> np.ndarray:
    """Mean-pooled token vectors, centred: pooled static embeddings share a common direction that
    makes every pair look alike. The centre is the templates' own mean, shrunk towards the model's
    vocabulary mean so that a handful of templates is not centred on itself."""
    docs = [" ".join(words(t)) for t in texts]
    vecs = np.asarray(_wordllama().embed(docs, norm=False), dtype=np.float64)
    empty = np.array([not d for d in docs])
    n = int((~empty).sum())
    prior = _vocabulary_mean()
    corpus = vecs[~empty].mean(axis=0) if n else prior
    vecs -= (n * corpus + SHRINK * prior) / (n + SHRINK)
    vecs[empty] = 0.0  # a template of wildcards alone resembles nothing
    return normalize(vecs)


def vectors(texts: Sequence[str], embedder: str = "tfidf") -> Any:
    """Unit-length row vectors for the templates (dense array or sparse matrix), by embedder."""
    if embedder == "tfidf":
        return _tfidf_vectors(list(texts))
    if embedder == "embeddings":
        return _embedding_vectors(list(texts))
    raise ValueError(f"unknown embedder {embedder!r}: use 'tfidf' or 'embeddings'")


def _pairs(templates: Sequence[tuple[str, str]] | Mapping[str, str]) -> list[tuple[str, str]]:
    items = list(templates.items()) if isinstance(templates, Mapping) else [(str(i), str(t)) for i, t in templates]
    seen = Counter(i for i, _ in items)
    dup = sorted(i for i, n in seen.items() if n > 1)
    if dup:
        raise ValueError(f"template ids must be unique; repeated: {', '.join(dup[:5])}")
    return sorted(items)


def family_id(member_ids: Sequence[str]) -> str:
    """Stable while the family keeps its smallest member id, whoever else joins or leaves."""
    return hashlib.blake2b(min(member_ids).encode(), digest_size=8, person=b"olly-family").hexdigest()


def _name(texts: list[str], rep: str) -> str:
    """The words most members share, in the representative's order."""
    docs = [dict.fromkeys(words(t)) for t in texts]
    df = Counter(w for d in docs for w in d)
    if not df:
        return rep
    need = max(2, -(-len(texts) // 3)) if len(texts) > 1 else 1
    common = [w for w, n in df.items() if n >= need] or [w for w, _ in df.most_common(3)]
    order = {w: i for i, w in enumerate(dict.fromkeys([*words(rep), *(w for d in docs for w in d)]))}
    top = sorted(common, key=lambda w: (-df[w], order[w]))[:NAME_WORDS]
    return " ".join(sorted(top, key=order.__getitem__))


def families(
    templates: Sequence[tuple[str, str]] | Mapping[str, str],
    *,
    threshold: float | None = None,
    embedder: str = "tfidf",
) -> list[Family]:
    """Cluster `(template_id, template_text)` pairs into families, largest first.

    `threshold` is the least average cosine similarity between members (0..1; higher gives
    tighter, more numerous families); None takes the embedder's default. Memory and time grow
    with the square of the number of templates (≈2,000 take well under a second).
    """
    pairs = _pairs(templates)
    if threshold is None:
        if embedder not in DEFAULT_THRESHOLDS:
            raise ValueError(f"unknown embedder {embedder!r}: use 'tfidf' or 'embeddings'")
        threshold = DEFAULT_THRESHOLDS[embedder]
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold is a similarity between 0 and 1, got {threshold}")
    if not pairs:
        return []
    ids = [i for i, _ in pairs]
    texts = [t for _, t in pairs]
    vecs = vectors(texts, embedder)
    sim = vecs @ vecs.T
    sim = np.asarray(sim.toarray() if hasattr(sim, "toarray") else sim, dtype=np.float64)
    np.clip(sim, -1.0, 1.0, out=sim)
    np.fill_diagonal(sim, 1.0)  # also for a template with no words, whose vector is zero
    if len(pairs) == 1:
        labels = np.array([1])
    else:
        condensed = squareform(1.0 - sim, checks=False)
        labels = fcluster(linkage(condensed, method="average"), t=1.0 - threshold, criterion="distance")
    out = []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        block = sim[np.ix_(idx, idx)]
        # the medoid: highest mean similarity to the others; ties go to the smaller id (sorted input)
        rep = int(idx[int(np.argmax(block.mean(axis=1)))])
        members = sorted(
            (FamilyMember(id=ids[i], template=texts[i], similarity=round(float(sim[rep, i]), 3)) for i in idx),
            key=lambda m: (-m.similarity, m.id),
        )
        member_ids = [m.id for m in members]
        out.append(
            Family(
                id=family_id(member_ids),
                name=_name([texts[i] for i in idx], texts[rep]),
                representative_id=ids[rep],
                representative=texts[rep],
                members=members,
            )
        )
    return sorted(out, key=lambda f: (-f.size, f.name, f.id))


def pattern_families(
    templates: Mapping[str, str] | Sequence[Mapping[str, str]],
    threshold: float | None = None,
    embedder: Embedder = "tfidf",
    min_size: int = 1,
    limit: int = 20,
    members_per_family: int = 10,
    counts: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Agent tool: group log templates into families of related ones.

    `templates` maps template id to template text, or is a list of `{"id", "template"}` records as a
    pattern store would return them. Gives the largest `limit` families with at least `min_size`
    members, each with its first `members_per_family` members (most typical first); with `counts`
    (lines per template id), each family's lines over all its members.
    """
    if isinstance(templates, Mapping):
        pairs: list[tuple[str, str]] = [(str(k), str(v)) for k, v in templates.items()]
    else:
        pairs = [(str(r["id"]), str(r["template"])) for r in templates]
    found = families(pairs, threshold=threshold, embedder=embedder)
    kept = [f for f in found if f.size >= min_size]
    return {
        "embedder": embedder,
        "threshold": DEFAULT_THRESHOLDS.get(embedder) if threshold is None else threshold,
        "templates": len(pairs),
        "families": len(found),
        "shown": min(len(kept), limit),
        "items": [
            {
                "id": f.id,
                "name": f.name,
                "size": f.size,
                "representative": f.representative,
                "representative_id": f.representative_id,
                "members": [m.model_dump() for m in f.members[:members_per_family]],
                **({"lines": sum(counts.get(i, 0) for i in f.member_ids)} if counts is not None else {}),
            }
            for f in kept[:limit]
        ],
    }


def stored_families(
    store: Store,
    tenant: str,
    since: timedelta = timedelta(days=1),
    at: datetime | None = None,
    service: str | None = None,
    embedder: Embedder = "tfidf",
    threshold: float | None = None,
    min_size: int = 2,
    limit: int = 20,
) -> dict[str, Any]:
    """Families of the patterns the log index saw in a window (one service's, or every service's:
    the same failure logged by several services then shows as one family). Member ids are
    `service/template id`, as `ollystack logs patterns` shows them; a family's `lines` are its
    members' lines in the window."""
    from . import logstore

    if since <= timedelta(0):
        raise ValueError("the window must be longer than zero")
    end = logstore.utc(at or datetime.now(UTC))
    where = "LastSeen >= {start:DateTime64(3)} AND FirstSeen <= {end:DateTime64(3)}"
    params: dict[str, Any] = {"start": end - since, "end": end}
    if service:
        where += " AND ServiceName = {service:String}"
        params["service"] = service
    records = logstore.templates(store, tenant, where, params)
    if len(records) > MAX_STORED_TEMPLATES:  # the similarity matrix grows with the square: keep the busiest
        records = dict(sorted(records.items(), key=lambda kv: -kv[1].count)[:MAX_STORED_TEMPLATES])
    texts = {f"{svc}/{tid}": r.text for (svc, tid), r in records.items()}
    counts = {f"{svc}/{tid}": n for svc, tid, n, _ in logstore.volumes(store, tenant, end - since, end)}
    report = pattern_families(texts, threshold, embedder, min_size, limit, counts=counts)
    return {"tenant": tenant, "service": service, "start": (end - since).isoformat(), "end": end.isoformat(),
            **report}  # fmt: skip
