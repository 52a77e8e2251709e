"""benchmarks/profile_import.py on a small generated help desk: it imports, derives, and names
the statements that took the time (the tool behind the import figures in docs/benchmarks.md)."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


FILES = {
    "tickets": "ticket_id,created_at,channel\nT1,2024-03-01T08:00:00Z,email\nT2,2024-03-02T09:00:00Z,chat\n",
    "messages": "message_id,ticket_id,created_at,author_type\nM1,T1,2024-03-01T08:00:00Z,customer\n"
                "M2,T1,2024-03-01T09:00:00Z,agent\nM3,T2,2024-03-02T09:00:00Z,customer\n",
    "status_changes": "ticket_id,changed_at,to_status\nT1,2024-03-01T08:00:00Z,open\nT1,2024-03-01T10:00:00Z,solved\n",
    "work_sessions": "ticket_id,agent_id,started_at,ended_at\nT1,A1,2024-03-01T08:50:00Z,2024-03-01T09:00:00Z\n",
}


def test_profile_import_times_each_file_the_facts_and_the_statements(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name, text in FILES.items():
        (data / f"{name}.csv").write_text(text, encoding="utf-8")
    script = runpy.run_path(str(ROOT / "benchmarks" / "profile_import.py"))  # its functions, without running it
    assert script["main"]([str(data), "--top", "3"]) == 0
    out = capsys.readouterr().out
    for name in ("tickets", "messages", "status_changes", "work_sessions"):
        assert re.search(rf"^{name}: [0-9.]+ s \([0-9,]+ rows, [0-9,]+ new\)$", out, re.M), out
    assert re.search(r"^facts: [0-9.]+ s$", out, re.M), out
    timed = [line for line in out.splitlines() if re.match(r"^ +[0-9.]+  [A-Z]", line)]
    assert len(timed) == 3, out  # the slowest statements, slowest first
    seconds = [float(line.split()[0]) for line in timed]
    assert seconds == sorted(seconds, reverse=True)
