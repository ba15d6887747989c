"""Ask ruff what it thinks of a snippet: the lines one of its rules flags."""

import json
import subprocess
import sys


def ruff_flags(code: str, rule: str) -> list[str]:
    """The stripped lines of `code` that ruff's `rule` flags, in order."""
    command = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"]
    command += ["--select", rule, "--output-format", "json", "--stdin-filename", "snippet.py", "-"]
    done = subprocess.run(command, input=code, capture_output=True, text=True, check=False)
    try:
        findings = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"ruff did not run: {done.stderr.strip()[:300]}") from None
    lines = code.splitlines()
    return [lines[f["location"]["row"] - 1].strip() for f in findings if f["code"] == rule]
