"""The local demo (``make demo``, DEMO=1): runs like production - DEBUG off, the app's own error
pages, static files served by WhiteNoise - but on plain http://127.0.0.1 with a secret key of its own.
"""

from pathlib import Path


def demo_secret_key(path: Path) -> str:
    """The demo's SECRET_KEY: generated on first use and kept in ``path`` (under the git-ignored
    ``var/``, readable by the owner only), so sessions survive a restart of ``make demo``."""
    from django.core.management.utils import get_random_secret_key

    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    path.touch(mode=0o600)
    path.write_text(key + "\n", encoding="ascii")
    return key
