"""The log template miner: masking across formats, stable ids, parameters, state, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ollystack.detect.logtemplates import TemplateMiner, mask, mine


@pytest.mark.parametrize(
    ("line", "template"),
    [
        ("user=alice@example.com logged in from 10.0.0.7:5432", "user=<*> logged in from <*>"),
        ("GET https://api.example.com/v1/items?id=7 took 35ms", "GET <*> took <*>"),
        ("request 8f14e45f-ceea-467f-a0e6-9c3c7f1a2b3c failed", "request <*> failed"),
        ("wrote 4096 bytes to /var/lib/data/part-0001.bin", "wrote <*> to <*>"),
        ("reading 'config.yaml' at 0x7ffd5e8c", "reading <*> at <*>"),
        ("2026-11-28T10:00:00.123Z retry 3 of 5", "<*> retry <*> of <*>"),
        ("Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106", "Receiving block <*> src: /<*>"),
        # a value of varying length is one variable: units, restated sizes and dates join it
        ("db.internal:5070 close, 1268 bytes (1.23 KB) sent, lifetime <1 sec", "<*> close, <*> sent, lifetime <*>"),
        ("db.internal:5070 close, 0 bytes sent, lifetime 00:01", "<*> close, <*> sent, lifetime <*>"),
        ("connection from 10.1.2.3 () at Sun Jul 10 03:23:21 2005", "connection from <*> at <*>"),
        (
            "data_thread() got no answer from [Thunderbird_A8] datasource",
            "data_thread() got no answer from [<*>] datasource",
        ),
        ("resolve names an12 an13 an14 failed - giving up", "resolve names <*> failed - giving up"),
    ],
)
def test_variables_are_masked_in_many_formats(line: str, template: str) -> None:
    assert mask(line) == template


def test_lines_of_one_statement_share_a_template_and_its_id_survives_generalisation() -> None:
    miner = TemplateMiner()
    first = miner.add("worker started job sync-users on shard alpha")
    second = miner.add("worker started job sync-orders on shard beta")
    assert second.id == first.id
    assert second.text == "worker started job <*> on shard <*>"
    other = miner.add("worker stopped after idle timeout")
    assert other.id != first.id
    assert miner.parameters(second, "worker started job sync-carts on shard gamma") == ["sync-carts", "gamma"]


@pytest.mark.parametrize(
    ("line", "template"),
    [
        # logfmt: the message's words are the event, other quoted values with spaces are one value
        (
            'ts=2024-05-12T08:09:01Z level=INFO msg="retrying request" ua="Mozilla/5.0 (X11; Linux)" n=5',
            "ts=<*> level=<*> msg= retrying request ua=<*> n=<*>",
        ),
        # an access log: the request line keeps its method, the user agent is one value
        (
            '10.0.0.1 - - [12/May/2024:08:11:00 +0000] "GET /api/v1/users/7 HTTP/1.1" 404 2285 "-" "curl/8.5.0"',
            '<*> "GET <*> HTTP/<*>" <*>',
        ),
        # JSON lines: keys are constants, the message's words are the event
        (
            '{"t":{"$date":"2024-05-12T11:12:02Z"},"c":"NETWORK","id":22944,"msg":"Connection ended","n":[1,2]}',
            "t.$date: <*> c: NETWORK id: <*> msg: Connection ended n: <*>",
        ),
    ],
)
def test_structured_lines(line: str, template: str) -> None:
    assert mask(line) == template


def test_parameters_are_the_values_as_written() -> None:
    miner = TemplateMiner()
    lines = ["GET /api/items took 35 ms (uid=7)", "GET /api/carts/9 took 1.5 s (uid=12)"]
    for line in lines:
        tpl = miner.add(line)
    assert tpl.text == "GET <*> took <*> (uid=<*>)"
    assert miner.parameters(tpl, lines[1]) == ["/api/carts/9", "1.5 s", "12"]


def test_state_round_trip_keeps_ids_and_matching() -> None:
    lines = [f"payment {i} declined: card expired (code {i % 7})" for i in range(50)]
    lines += [f"cache miss for key product:{i}" for i in range(50)]
    miner, ids = mine(lines)
    assert len(set(ids)) == 2
    restored = TemplateMiner.from_state(json.loads(json.dumps(miner.to_state())))
    hit = restored.match("payment 999 declined: card expired (code 3)")
    assert hit is not None and hit.id == ids[0]
    assert restored.match("something else entirely happened") is None


def test_cli_prints_template_tab_original_for_every_line(tmp_path) -> None:
    src = tmp_path / "app.log"
    lines = ["conn 12 opened from 10.1.2.3", "conn 13 opened from 10.1.2.4", "shutting down now"]
    src.write_text("\n".join(lines) + "\n")
    run = subprocess.run([sys.executable, "-m", "ollystack.cli", "logs", "templates", str(src)],
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = [r.split("\t") for r in run.stdout.splitlines()]
    assert [r[1] for r in rows] == lines
    assert rows[0][0] == rows[1][0] == "conn <*> opened from <*>"
    assert rows[2][0] == "shutting down now"
    assert "2 templates from 3 lines" in run.stderr
