"""Every ```python block of README.md runs as written (issue 7.5).

Each block runs in its own process and a fresh temporary directory, with the
package and delegate under test on the path and no TF environment variables
set (a block needs to set what it uses). A block that reads ``model.tflite``
without writing it (the "Use it" block) gets one from the harness: a Keras
MobileNet v1 0.25 at 96x96 with random weights, converted with
``tflite_sparse.convert(..., prune=0.9)``, i.e. what ``tflite convert
--sparse --prune 0.9`` writes. Nothing else is provided. The pruning block trains, and is marked slow.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from child_env import child_env

import test_converter_helpers as helpers

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks() -> list[tuple[str, str]]:
    """(the heading above it, code) for every python block of README.md."""
    text = (ROOT / "README.md").read_text()
    found = []
    for match in BLOCK.finditer(text):
        headings = re.findall(r"^## (.+)$", text[: match.start()], re.M)
        found.append((headings[-1] if headings else "top", match.group(1)))
    return found


BLOCKS = _blocks()
# trains a small model for a few steps: a minute or two
SLOW = ("Prune for the delegate",)


def _params():
    for heading, code in BLOCKS:
        marks = [pytest.mark.slow] if heading.split(":")[0] in SLOW else []
        yield pytest.param(heading, code, marks=marks, id=heading.split(":")[0].replace(" ", "_"))


def test_the_readme_has_the_python_blocks_we_run():
    assert [heading.split(":")[0] for heading, _ in BLOCKS] == [
        "Use it", "Convert a pruned model", "Prune for the delegate",
    ]


def _needs_model(code: str) -> bool:
    return '"model.tflite"' in code and 'open("model.tflite", "wb")' not in code


@pytest.mark.parametrize("heading, code", list(_params()))
def test_readme_block_runs_as_written(heading, code, tmp_path):
    if _needs_model(code):
        from tflite_sparse.converter import convert

        (tmp_path / "model.tflite").write_bytes(convert(helpers.mobilenet_small_tflite(), prune=0.9, verify=False))
    (tmp_path / "snippet.py").write_text(code)
    env = child_env()
    for name in ("TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "snippet.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, f"README block under '{heading}' failed:\n{done.stderr[-3000:]}"
    for written in re.findall(r'(?:save|open)\("([^"]+)"', code):
        assert (tmp_path / written).exists(), written  # the files it says it writes
