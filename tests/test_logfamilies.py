"""Pattern families: related log templates grouped, with stable ids, for both embedders."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import time

import pytest

from ollystack.detect.logfamilies import Family, families, pattern_families

SSH = {
    "ssh-pw": "Failed password for <*> from <*> port <*> ssh2",
    "ssh-pw-invalid": "Failed password for invalid user <*> from <*> port <*> ssh2",
    "ssh-none": "Failed none for invalid user <*> from <*> port <*> ssh2",
    "ssh-key": "Failed publickey for <*> from <*> port <*> ssh2",
}
DISK = {
    "disk-blk": "blk_update_request: I/O error, dev <*>, sector <*>",
    "disk-end": "end_request: I/O error, dev <*>, sector <*>",
    "disk-buffer": "Buffer I/O error on dev <*>, logical block <*>, async page read",
    "disk-read": "disk <*> read error at sector <*>",
}
OTHER = {
    "ssh-invalid": "Invalid user <*> from <*>",
    "pam-auth": "pam_unix(sshd:auth): authentication failure; logname= uid=<*> euid=<*> tty=ssh ruser= rhost=<*>",
    "pam-many": "PAM <*> more authentication failures; logname= uid=<*> euid=<*> tty=ssh ruser= rhost=<*>",
    "ext4": "EXT4-fs error (device <*>): ext4_find_entry:<*>: inode #<*>: comm <*>: reading directory lblock <*>",
    "http-get": "GET <*> HTTP/1.1 <*> <*>",
    "http-post": "POST <*> HTTP/1.1 <*> <*>",
    "db-refused": "could not connect to database <*>: connection refused",
    "db-lost": "connection to database <*> lost, reconnecting in <*>",
    "db-pool": "database connection pool exhausted (<*> active, <*> idle)",
    "oom-kernel": "Out of memory: Killed process <*> (<*>) total-vm:<*>, anon-rss:<*>",
    "oom-cgroup": "Memory cgroup out of memory: Killed process <*> (<*>)",
    "oom-java": "java.lang.OutOfMemoryError: Java heap space",
    "k8s-backoff": "Back-off restarting failed container <*> in pod <*>",
    "k8s-oomkilled": "Pod <*> was OOMKilled, restarting container <*>",
    "tls-handshake": "TLS handshake error from <*>: remote error: tls: bad certificate",
    "tls-x509": "x509: certificate has expired or is not yet valid",
    "cache-hit": "cache hit for key <*>",
    "cache-miss": "cache miss for key <*>",
    "cache-evict": "evicted <*> entries from cache <*>",
    "kafka-commit": "Committed offset <*> for partition <*> of topic <*>",
    "kafka-lag": "Consumer lag for topic <*> partition <*> is <*>",
}
TEMPLATES = {**SSH, **DISK, **OTHER}
UNRELATED = ["http-get", "cache-hit", "cache-miss", "kafka-commit", "kafka-lag", "tls-x509", "oom-java"]
EMBEDDERS = ["tfidf", "embeddings"]


def _needs(embedder: str) -> None:
    """`make test` installs the embeddings extra, so in CI a missing wordllama is a failure."""
    if embedder == "embeddings" and importlib.util.find_spec("wordllama") is None:
        if os.environ.get("CI"):
            pytest.fail("wordllama missing: `make test` should install 'ollystack[embeddings]'")
        pytest.skip("needs pip install 'ollystack[embeddings]'")


def _family_of(found: list[Family]) -> dict[str, Family]:
    return {m.id: f for f in found for m in f.members}


@pytest.mark.parametrize("embedder", EMBEDDERS)
def test_related_templates_share_a_family_and_unrelated_ones_stay_apart(embedder: str) -> None:
    _needs(embedder)
    found = families(TEMPLATES, embedder=embedder)
    of = _family_of(found)
    assert sorted(of) == sorted(TEMPLATES), "every template lands in exactly one family"
    ssh = of["ssh-pw"]
    disk = of["disk-blk"]
    assert set(SSH) <= set(ssh.member_ids), f"SSH auth failures split: {ssh.member_ids}"
    assert set(DISK) <= set(disk.member_ids), f"disk I/O errors split: {disk.member_ids}"
    assert ssh.id != disk.id
    for tid in UNRELATED:
        assert of[tid].id not in (ssh.id, disk.id), f"{tid} pulled into {of[tid].name!r}"
    assert 1 < len(found) < len(TEMPLATES)
    # readable names and a representative that is a member
    assert "failed" in ssh.name and "ssh2" in ssh.name
    assert "error" in disk.name
    for fam in found:
        assert fam.representative == TEMPLATES[fam.representative_id]
        assert fam.members[0].id == fam.representative_id and fam.members[0].similarity == pytest.approx(1.0)
        assert "<*>" not in fam.name


@pytest.mark.parametrize("embedder", EMBEDDERS)
def test_ids_are_stable_across_runs_input_order_and_unrelated_additions(embedder: str) -> None:
    _needs(embedder)
    first = families(TEMPLATES, embedder=embedder)
    assert families(TEMPLATES, embedder=embedder) == first
    pairs = list(TEMPLATES.items())
    random.Random(7).shuffle(pairs)
    assert families(pairs, embedder=embedder) == first
    # the SSH family keeps its id when an unrelated template arrives
    grown = {**TEMPLATES, "cron": "CRON[<*>]: (root) CMD (run-parts /etc/cron.hourly)"}
    ssh_before = _family_of(first)["ssh-pw"]
    ssh_after = _family_of(families(grown, embedder=embedder))["ssh-pw"]
    assert ssh_after.id == ssh_before.id
    assert ssh_after.member_ids == ssh_before.member_ids


@pytest.mark.parametrize("embedder", EMBEDDERS)
def test_empty_single_and_wildcard_only_inputs(embedder: str) -> None:
    _needs(embedder)
    assert families({}, embedder=embedder) == []
    [only] = families([("t1", "Connection from <*> port <*> closed")], embedder=embedder)
    assert only.member_ids == ["t1"] and only.representative_id == "t1"
    assert only.name == "connection port closed"
    found = families({"w": "<*> <*>", "a": "cache hit for key <*>", "b": "cache miss for key <*>"}, embedder=embedder)
    assert _family_of(found)["w"].member_ids == ["w"], "a template of wildcards alone resembles nothing"


@pytest.mark.parametrize("embedder", EMBEDDERS)
def test_a_handful_of_templates_from_one_service_still_group(embedder: str) -> None:
    _needs(embedder)
    few = {
        "a": "disk read error at sector <*>",
        "b": "Buffer I/O error on dev <*>, sector <*>",
        "c": "cache hit for key <*>",
        "d": "cache miss for key <*>",
        "e": "user <*> logged in",
        "f": "Failed password for <*> from <*> port <*> ssh2",
        "g": "Failed publickey for invalid user <*> from <*> port <*> ssh2",
    }
    found = families(few, embedder=embedder)
    assert sorted(sorted(f.member_ids) for f in found) == [["a", "b"], ["c", "d"], ["e"], ["f", "g"]]


def test_threshold_trades_family_size_for_count() -> None:
    counts = [len(families(TEMPLATES, threshold=t)) for t in (0.05, 0.15, 0.4, 0.8, 1.0)]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert counts[-1] == len(TEMPLATES), "at 1.0 only identical templates would share a family"
    with pytest.raises(ValueError, match="between 0 and 1"):
        families(TEMPLATES, threshold=1.5)


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="unique"):
        families([("a", "cache hit"), ("a", "cache miss")])
    with pytest.raises(ValueError, match="unknown embedder"):
        families(TEMPLATES, embedder="bert")


def _synthetic(n: int) -> dict[str, str]:
    """Templates like a fleet of services emits: component, action, object, outcome, variables."""
    rnd = random.Random(11)
    parts = [
        ["payment", "checkout", "auth", "inventory", "shipping", "search", "gateway", "scheduler", "kafka", "redis"],
        ["failed to", "started", "finished", "retrying", "timed out while", "refused to", "skipped"],
        ["connect to", "write", "read", "flush", "commit", "resolve", "validate", "render", "evict"],
        ["database", "cache", "disk", "queue", "certificate", "session", "token", "partition", "replica", "index"],
    ]
    out: dict[str, str] = {}
    while len(out) < n:
        words = [rnd.choice(p) for p in parts]
        tail = rnd.choice(["after <*>", "for <*>", "id=<*> status=<*>", "on <*> (<*> bytes)", "", "code <*>"])
        text = f"{words[0]}Service {words[1]} {words[2]} {words[3]} {tail} [<*>] attempt <*>/{len(out) % 7}"
        out[f"t{len(out):05d}"] = text.strip()
    return out


@pytest.mark.parametrize("embedder", EMBEDDERS)
def test_two_thousand_templates_cluster_in_seconds(embedder: str) -> None:
    _needs(embedder)
    templates = _synthetic(2000)
    families({"warm": "model load"}, embedder=embedder)
    started = time.perf_counter()
    found = families(templates, embedder=embedder)
    took = time.perf_counter() - started
    assert sum(f.size for f in found) == 2000
    assert 1 < len(found) < 2000
    assert took < 10, f"{took:.1f}s for 2,000 templates"  # ≈0.5 s here; generous for a noisy shared CI


def test_agent_tool_returns_json_with_limits() -> None:
    records = [{"id": k, "template": v} for k, v in TEMPLATES.items()]
    out = pattern_families(records, min_size=2, limit=3, members_per_family=2)
    assert json.loads(json.dumps(out)) == out
    assert out["templates"] == len(TEMPLATES) and out["embedder"] == "tfidf" and out["threshold"] == 0.15
    assert out["shown"] == len(out["items"]) <= 3
    sizes = [item["size"] for item in out["items"]]
    assert sizes == sorted(sizes, reverse=True) and min(sizes) >= 2
    assert all(len(item["members"]) <= 2 for item in out["items"])
    assert out == pattern_families(TEMPLATES, min_size=2, limit=3, members_per_family=2)


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, **env})  # fmt: skip


def test_embeddings_without_the_extra_name_the_install_command() -> None:
    code = (
        "import sys; sys.modules['wordllama'] = None\n"
        "from ollystack.detect.logfamilies import families\n"
        "families({'a': 'disk error'}, embedder='embeddings')\n"
    )
    run = _run(code)
    assert run.returncode != 0
    assert "pip install 'ollystack[embeddings]'" in run.stderr


def test_embeddings_load_from_the_wheel_without_network(tmp_path) -> None:
    _needs("embeddings")
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network used')\n"
        "socket.getaddrinfo = refuse\n"
        "socket.socket.connect = refuse\n"
        "from ollystack.detect.logfamilies import families\n"
        "found = families({'a': 'disk read error', 'b': 'disk write error', 'c': 'user logged in'},"
        " embedder='embeddings')\n"
        "print(sorted(f.member_ids for f in found))\n"
    )
    run = _run(code, HOME=str(tmp_path), HF_HUB_OFFLINE="1")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[['a', 'b'], ['c']]"
    assert not (tmp_path / ".cache").exists(), "nothing fetched or cached under HOME"
