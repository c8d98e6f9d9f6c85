"""The figures the README quotes from `triage demo` are the ones the demo prints."""

import re

from click.testing import CliRunner

from triage.cli import main

from support import ROOT


def test_the_readmes_idle_run_figures_are_the_demos():
    readme = " ".join((ROOT / "README.md").read_text().split())
    quoted = re.search(
        r"The demo's idle run \(its last\) scans (\d+) issues.*? with (\d+) requests:"
        r" (\d+) for the run .*? and (none) for the run lease",
        readme,
    )
    assert quoted, "the README no longer quotes the demo's idle run"
    issues, total, run, lease = quoted.groups()
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    last = result.output.split("Run 4:")[1]
    printed = re.search(
        r"apply: (\d+) issues scanned, 0 changed, 0 writes, (\d+) API requests", last
    )
    assert printed, last
    assert (issues, total) == printed.groups()
    assert int(run) == int(total) and lease == "none"
    # an idle run never takes the run lease (docs/operations.md, "Overlapping runs")
    served = re.search(r"GET (\d+), POST (\d+), PUT (\d+), DELETE (\d+)", last)
    assert served and sum(map(int, served.groups())) == int(total)
