"""Fetch the dashboard's chart library (Apache ECharts) from the npm registry, pinned and verified.

    .venv/bin/python tools/fetch_web_assets.py          # called by deploy/local/install.sh

It downloads the pinned tarball, checks its sha512 against the integrity the registry published
for that version (the value package-lock.json files carry), and extracts the built file with its
LICENSE and NOTICE into the reporting service's vendor directory (gitignored). When the files are
already there for the pinned integrity it does nothing and needs no network. SHOUHU_NPM_REGISTRY
names a mirror (the integrity check still applies).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

NAME = "echarts"
VERSION = "6.1.0"
INTEGRITY = "sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
# Member of the tarball -> file in the vendor directory.
FILES = {
    "package/dist/echarts.min.js": "echarts.min.js",
    "package/LICENSE": "LICENSE",
    "package/NOTICE": "NOTICE",
}
ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "services/reporting/src/reporting/entrypoints/web/vendor" / NAME
STAMP = ".integrity"
MAX_BYTES = 64 * 1024 * 1024


def integrity_of(blob: bytes) -> str:
    """The Subresource-Integrity string of some bytes, as npm writes it."""
    return "sha512-" + base64.b64encode(hashlib.sha512(blob).digest()).decode()


def tarball_url(registry: str) -> str:
    """Where the registry keeps the pinned tarball."""
    return f"{registry.rstrip('/')}/{NAME}/-/{NAME}-{VERSION}.tgz"


def up_to_date(vendor: Path) -> bool:
    """True when every file is there, extracted from the pinned tarball."""
    stamp = vendor / STAMP
    return (
        stamp.is_file()
        and stamp.read_text().strip() == INTEGRITY
        and all((vendor / f).is_file() for f in FILES.values())
    )


def download(url: str) -> bytes:
    """The tarball's bytes (bounded: a registry answer is never unbounded memory)."""
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ValueError(f"refusing a non-HTTPS registry: {url}")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - scheme checked above
        blob: bytes = response.read(MAX_BYTES + 1)
    if len(blob) > MAX_BYTES:
        raise ValueError(f"{url} is larger than {MAX_BYTES} bytes")
    return blob


def extract(blob: bytes, vendor: Path) -> None:
    """Write the wanted members (only those: names are ours, never the archive's) and the stamp."""
    vendor.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member, name in FILES.items():
            try:
                source = tar.extractfile(member)
            except KeyError:
                source = None
            if source is None:
                raise ValueError(f"{member} is not a file in the tarball")
            tmp = vendor / f".{name}.tmp"
            tmp.write_bytes(source.read())
            tmp.replace(vendor / name)
    (vendor / STAMP).write_text(INTEGRITY + "\n")


def fetch(vendor: Path = VENDOR, registry: str | None = None) -> bool:
    """Make the vendor directory hold the pinned files; True when it had to download them."""
    if up_to_date(vendor):
        return False
    url = tarball_url(registry or os.environ.get("SHOUHU_NPM_REGISTRY") or "https://registry.npmjs.org")
    blob = download(url)
    got = integrity_of(blob)
    if got != INTEGRITY:
        raise ValueError(f"{url}: integrity {got} is not the pinned {INTEGRITY}")
    extract(blob, vendor)
    return True


def main() -> int:
    """Fetch, and say what happened."""
    try:
        fetched = fetch()
    except (OSError, ValueError, tarfile.TarError) as exc:
        print(f"fetch_web_assets: {NAME}@{VERSION} could not be installed: {exc}", file=sys.stderr)
        print(
            "  图表库未能安装，看板将无法显示图表 / the dashboard cannot draw charts without it",
            file=sys.stderr,
        )
        return 1
    if fetched:
        print(f"fetch_web_assets: {NAME}@{VERSION} installed in {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
