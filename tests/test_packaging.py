"""Installing from a clone leaves it clean, and the wheel carries what a user of it needs."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import zipfile

import anywidget
import pytest

import jaxwidgets

ROOT = pathlib.Path(__file__).parents[1]


def _git(*args: str, cwd: pathlib.Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


Built = tuple[pathlib.Path, pathlib.Path]  # the clone and its wheel


@pytest.fixture(scope="module")
def built_clone(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A fresh git copy of the work tree as a commit would hold it, and the wheel pip builds from it."""
    if shutil.which("git") is None or shutil.which("npm") is None:
        pytest.fail("git and npm are needed to build the package")
    clone = tmp_path_factory.mktemp("clone")
    for name in _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).split("\0"):
        source = ROOT / name
        if name and source.is_file():  # a file deleted in the work tree but not yet in git is skipped
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    _git("init", "-q", cwd=clone)
    _git("add", "-A", cwd=clone)
    _git("-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-qm", "clone", cwd=clone)
    dist = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(clone)]
    result = subprocess.run(build, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = dist.glob("jaxwidgets-*.whl")
    return clone, wheel


def test_building_leaves_the_clone_as_it_was(built_clone: Built) -> None:
    clone, _ = built_clone
    assert (clone / "node_modules").is_dir(), "the build did not install the front end's packages"
    assert _git("status", "--porcelain", cwd=clone) == "", "the build changed tracked files"


def test_the_wheel_carries_the_licence_and_the_bundles(built_clone: Built) -> None:
    _, wheel = built_clone
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), names
    for bundle in _registered_bundles():
        assert f"jaxwidgets/static/{bundle}" in names


def _registered_bundles() -> list[str]:
    """The bundle of every widget the package exports (the build finds the entries itself)."""
    widgets = [getattr(jaxwidgets, name) for name in jaxwidgets.__all__]
    # Twins: the widget in jaxwidgets/<name>.py has its front end in js/<name>/, bundled as static/<name>.js.
    bundles = [
        widget.__module__.rsplit(".", 1)[-1] + ".js"
        for widget in widgets
        if isinstance(widget, type) and issubclass(widget, anywidget.AnyWidget)
    ]
    assert len(bundles) >= 3, bundles
    return bundles
