"""Schemathesis (its CLI, as CI would run it) against the served OpenAPI document: no 5xx and no
response that breaks the schema.

Bounded (`--max-examples` per operation, fixed seed) so it fits in CI; every request carries a
token with every Management scope, so generated requests reach the handlers, not just the 401.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.management.conftest import Management

# `make fuzz` raises it (EDGEAUTH_FUZZ_EXAMPLES); CI runs the short version.
MAX_EXAMPLES = int(os.environ.get("EDGEAUTH_FUZZ_EXAMPLES", "20"))


# Operations that would end the run's own access: new keys invalidate its token, settings could
# lower its rate limit. Each has its own tests.
EXCLUDED = ("POST /keys/signing/rotate", "PUT /keys/signing/{kid}/revoke", "PATCH /tenants/settings")


def test_no_server_error_and_every_response_matches_the_schema(mgmt: Management, tmp_path: Path) -> None:
    with mgmt.api() as api:  # thousands of requests: lift the tenant's Management API rate limit
        assert api.patch(
            "/tenants/settings", json={"management_api_rate_limit": {"requests": 100000}}
        ).is_success
    schemathesis = Path(sys.executable).with_name("schemathesis")
    excluded = [arg for name in EXCLUDED for arg in ("--exclude-name", name)]
    proc = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"http://{mgmt.server.domain}/api/v2/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "5",
            "--workers",
            "1",
            "--header",
            f"Authorization: Bearer {mgmt.token()}",
            "--suppress-health-check",
            "all",
            "--no-color",
            *excluded,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=tmp_path,
    )
    print("\n".join(proc.stdout.strip().splitlines()[-12:]))  # its summary (shown with -s: make fuzz)
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]
