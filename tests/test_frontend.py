"""The front end's own unit tests (vitest), so that one pytest command runs the whole suite."""

import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).parents[1]


def test_vitest_suite_passes():
    npm = shutil.which("npm")
    if npm is None or not (ROOT / "node_modules").is_dir():
        pytest.fail("npm and node_modules are needed: `pip install -e .` runs `npm install`")
    result = subprocess.run([npm, "test", "--silent"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in result.stdout


def test_built_bundle_is_shipped_in_the_package():
    bundle = ROOT / "src" / "jaxwidgets" / "static" / "surface.js"
    assert bundle.is_file() and "render" in bundle.read_text()
