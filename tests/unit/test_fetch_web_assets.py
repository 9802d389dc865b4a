"""tools/fetch_web_assets.py installs the pinned chart library only when its integrity matches."""

from __future__ import annotations

import importlib.util
import io
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tool() -> ModuleType:
    """The script, loaded as a module."""
    spec = importlib.util.spec_from_file_location("fetch_web_assets", ROOT / "tools/fetch_web_assets.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def tarball(members: dict[str, bytes]) -> bytes:
    """A .tgz like npm's, holding these members."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


PACKAGE = {
    "package/dist/echarts.min.js": b"/* echarts */",
    "package/LICENSE": b"Apache License 2.0",
    "package/NOTICE": b"Apache ECharts",
    "package/package.json": b"{}",
}


def test_the_pin_names_the_npm_tarball_and_an_sha512_integrity(tool: ModuleType) -> None:
    assert tool.tarball_url("https://registry.npmjs.org/") == (
        f"https://registry.npmjs.org/echarts/-/echarts-{tool.VERSION}.tgz"
    )
    assert tool.INTEGRITY.startswith("sha512-")
    assert len(tool.INTEGRITY) == 95


def test_a_matching_tarball_is_extracted_once_then_left_alone(
    tool: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = tarball(PACKAGE)
    monkeypatch.setattr(tool, "INTEGRITY", tool.integrity_of(blob))
    monkeypatch.setattr(tool, "download", lambda _url: blob)
    vendor = tmp_path / "vendor"
    assert tool.fetch(vendor) is True
    assert (vendor / "echarts.min.js").read_bytes() == b"/* echarts */"
    assert (vendor / "LICENSE").read_bytes() == b"Apache License 2.0"
    assert (vendor / "NOTICE").read_bytes() == b"Apache ECharts"
    assert not (vendor / "package.json").exists(), "only the named files"

    def offline(_url: str) -> bytes:
        raise OSError("no network")

    monkeypatch.setattr(tool, "download", offline)
    assert tool.fetch(vendor) is False, "already there: no download"
    (vendor / "NOTICE").unlink()
    with pytest.raises(OSError, match="no network"):
        tool.fetch(vendor)


def test_a_tarball_that_is_not_the_pinned_one_is_refused_and_nothing_is_written(
    tool: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tool, "download", lambda _url: tarball(PACKAGE))
    vendor = tmp_path / "vendor"
    with pytest.raises(ValueError, match="integrity"):
        tool.fetch(vendor)
    assert not vendor.exists()


def test_a_tarball_without_the_built_file_is_refused(
    tool: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = tarball({k: v for k, v in PACKAGE.items() if "dist" not in k})
    monkeypatch.setattr(tool, "INTEGRITY", tool.integrity_of(blob))
    monkeypatch.setattr(tool, "download", lambda _url: blob)
    with pytest.raises(ValueError, match=r"dist/echarts\.min\.js"):
        tool.fetch(tmp_path / "vendor")


def test_only_https_registries_are_asked(tool: ModuleType) -> None:
    with pytest.raises(ValueError, match="HTTPS"):
        tool.download("http://registry.example/echarts.tgz")
