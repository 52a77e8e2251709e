"""The reference docs are generated from the code and must be current and complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics.interfaces import docs
from cxmetrics.metrics.registry import all_metrics
from cxmetrics.settings import setting_rows

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("name", sorted(docs.GENERATED))
def test_generated_docs_are_current(name: str, update_golden: bool) -> None:
    text = docs.GENERATED[name]()
    path = DOCS / name
    if update_golden:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run `python -m cxmetrics.interfaces.docs` or pytest --update-golden"
    assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run pytest --update-golden"


def test_every_metric_documented() -> None:
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    for m in all_metrics():
        assert f"## {m.key}\n" in text, f"{m.key} undocumented"
        assert m.description and m.formula and m.references, f"{m.key} lacks description/formula/references"


def test_every_cli_command_and_option_documented() -> None:
    import typer

    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    group = typer.main.get_command(app)
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    def walk(path: str, cmd) -> list:
        subs = getattr(cmd, "commands", {})
        return [(path, cmd)] + [x for n, c in subs.items() for x in walk(f"{path} {n}", c)]

    commands = [x for n, c in group.commands.items() for x in walk(f"cxm {n}", c)]
    for name, cmd in commands:
        assert f"## {name}\n" in text, f"command {name} undocumented"
        assert cmd.help, f"command {name} has no help text"
        for p in cmd.params:
            if p.param_type_name == "option" and p.name != "help":
                assert f"`{p.opts[0]}`" in text, f"option {p.opts[0]} of {name} undocumented"


def test_every_setting_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    rows = setting_rows()
    assert len(rows) >= 25
    for row in rows:
        assert row.description, f"setting {row.key} has no description in cxmetrics.settings"
        assert f"| `{row.key}` | `{row.default}` |" in text, f"setting {row.key} undocumented"


def test_configuration_example_loads() -> None:
    import tomllib

    from cxmetrics.settings import config_from_dict

    config = config_from_dict(tomllib.loads(docs.EXAMPLE))
    assert config.business_hours.timezone == "Europe/Helsinki"
    assert config.sla_first_reply["chat"] == 120


def test_every_table_and_column_documented() -> None:
    from cxmetrics.model.schema import TABLES

    text = (DOCS / "data-model.md").read_text(encoding="utf-8")
    sections = {s.split("\n", 1)[0]: s for s in text.split("\n## ")[1:]}
    for t in TABLES.values():
        assert t.description, f"table {t.name} has no description in cxmetrics.model.schema"
        assert t.name in sections, f"table {t.name} undocumented"
        for c in t.columns:
            assert c.description, f"column {t.name}.{c.name} has no meaning in cxmetrics.model.schema"
            required = "**yes**" if c.required else "no"
            assert f"| `{c.name}` | {c.type} | {required} |" in sections[t.name], f"{t.name}.{c.name} undocumented"
