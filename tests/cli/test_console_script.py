"""The `civic` console script is installed by `make install` and runs as a real process."""

import shutil
import subprocess
import sys
from pathlib import Path


def civic() -> str:
    return shutil.which("civic") or str(Path(sys.executable).with_name("civic"))


def test_civic_console_script_answers_help_as_a_process():
    result = subprocess.run([civic(), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "demo" in result.stdout and "bench" in result.stdout


def test_unknown_command_is_a_one_line_usage_error_without_traceback():
    result = subprocess.run(
        [civic(), "redeem-everything"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "No such command 'redeem-everything'" in result.stderr
    assert "Traceback" not in result.stderr
