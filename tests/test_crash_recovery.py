"""The short crash test (tests/chaos.py; `make chaos` runs the long one): three SIGKILLs of
`edgeauth serve` under a load of signups, password changes, logins and refresh rotations, then
every acknowledged write is checked, the queue drained and D1 reconciled against the objects."""

from __future__ import annotations

from pathlib import Path

from tests.chaos import FAILURES, chaos, report


async def test_no_acknowledged_write_is_lost_across_kills(tmp_path: Path) -> None:
    run, result = await chaos(tmp_path, kills=3, workers=4, seed=20261204)
    summary = report(run, result, kills=3)
    print(summary)
    assert run.acked["signup"] and run.acked["rotation"] and run.acked["password change"], summary
    assert not run.server_errors, summary
    assert {name: result[name] for name in FAILURES} == dict.fromkeys(FAILURES, 0), summary
    assert result["users checked by reconcile"] >= run.acked["signup"], summary
