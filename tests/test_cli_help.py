"""Every command has help text ending in an example, and ``-h`` works everywhere."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from sseh_lit.cli import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(cmd, click.Group):
            found.extend(_commands(cmd, path))
    return found


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "sseh-lit" in result.output


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_has_help_with_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "-h"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`sseh-lit {' '.join(path)} -h` shows no example"


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_help_ends_with_an_example_and_every_option_is_explained(path: tuple[str, ...]) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    last = (command.help or "").strip().split("\n\n")[-1].strip()
    assert last.startswith("Example:") and "sseh-lit " in last, f"help ends with {last!r}"
    unexplained = [o.opts[0] for o in command.params if isinstance(o, click.Option) and not o.help]
    assert unexplained == [], f"`sseh-lit {' '.join(path)}` options without help"


@pytest.mark.parametrize("path", [("refresh",), ("reviewer", "add"), ("serve",)], ids=" ".join)
def test_rendering_the_cli_reference_keeps_dash_h(path: tuple[str, ...]) -> None:
    """click caches each command's help option: docs rendering must not take -h away."""
    from sseh_lit.clidocs import render

    assert "-h, --help" in render()
    result = CliRunner().invoke(cli, [*path, "-h"])
    assert result.exit_code == 0, result.output
