"""The README's set-up commands are the ones CI runs, and the toolchain checks
report what is missing instead of passing vacuously."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """The commands of the README's first bash block, comments stripped."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "README.md must start with a bash block of set-up commands"
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    ci_commands = [line.strip() for line in ci if line.strip() and not line.startswith("#")
                   and not line.startswith(("set ", "cd "))]
    assert ci_commands == [readme_commands()[1]]


def test_readme_commands_install_before_they_run():
    demo, tests = readme_commands()
    assert demo.index("pip install") < demo.index("tflite demo")
    assert tests.startswith("bash scripts/install-system-deps.sh")
    assert tests.endswith("bash scripts/test.sh")


def test_toolchain_check_names_the_missing_package(tmp_path):
    # A PATH with no cross compiler: the check must fail and name the package.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "mktemp", "rm", "printf", "cat", "tail", "grep"):
        found = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True)
        if found.stdout.strip().startswith("/"):
            os.symlink(found.stdout.strip(), bin_dir / tool)
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "check-toolchains.sh"), "aarch64"],
        capture_output=True, text=True, env={"PATH": str(bin_dir)},
    )
    assert result.returncode == 1
    assert "gcc-aarch64-linux-gnu" in result.stderr


def test_toolchain_check_fails_when_the_cross_libc_is_missing(tmp_path):
    # The cross compiler alone (no libc6-dev-arm64-cross) cannot link: a fake
    # compiler that fails like it does must be reported with the package name.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "aarch64-linux-gnu-gcc"
    fake.write_text("#!/bin/sh\necho '/usr/bin/aarch64-linux-gnu-ld: cannot find Scrt1.o: No such file' >&2\nexit 1\n")
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "check-toolchains.sh"), "aarch64"],
        capture_output=True, text=True, env=env,
    )
    assert result.returncode == 1
    assert "libc6-dev-arm64-cross" in result.stderr and "Scrt1.o" in result.stderr
