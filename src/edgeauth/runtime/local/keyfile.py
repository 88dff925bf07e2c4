"""The local deployment key: what `EDGEAUTH_SECRET_KEY` is on Workers, generated on first start."""

from __future__ import annotations

import os
from pathlib import Path

from edgeauth.encoding import b64url_decode, b64url_encode
from edgeauth.runtime.local.crypto import new_secret_key

KEY_FILE = "secret.key"


def load_or_create_secret_key(data_dir: Path) -> bytes:
    """32 bytes, base64url in `<data>/secret.key` (mode 0600); `$EDGEAUTH_SECRET_KEY` wins."""
    from_env = os.environ.get("EDGEAUTH_SECRET_KEY")
    if from_env:
        return b64url_decode(from_env.strip())
    path = data_dir / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(b64url_encode(new_secret_key()) + "\n")
    return b64url_decode(path.read_text().strip())
