"""Score the parser against the archive's own curated records (issue 19).

    .venv/bin/python tests/bench/score_gold.py [--keep DIR]

Runs ``manage.py export_gold`` on the archive of the environment (``DATABASE_URL`` or the
SQLite file): every article a curator marked reviewed, keyed by its raw file's name,
with the raw files written beside it; then the shared scorer
``../shared/tools/score_extraction.py`` re-parses those files with ``import_raw
--dry-run --json`` and prints how far the parser is from what curators decided. Before
any curator has corrected anything (reviewed only) every ratio is 1.000 (the test
``tests/test_export_gold.py`` shows it); each split, merge, title or speaker fix lowers
the parser's score until the parser learns it. Not part of the pass/fail suite.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="write gold.json and raw/ here instead of a temp folder")
    args = parser.parse_args()
    if not SCORER.exists():
        print(f"{SCORER} is not here; nothing to score with.")
        return 0
    folder = Path(args.keep or tempfile.mkdtemp(prefix="difang-gold-"))
    folder.mkdir(parents=True, exist_ok=True)
    gold, raw = folder / "gold.json", folder / "raw"
    subprocess.run(
        [sys.executable, "manage.py", "export_gold", str(gold), "--raw-dir", str(raw)],
        cwd=ROOT,
        check=True,
    )
    command = [sys.executable, str(SCORER), str(gold), str(raw), "--project", str(ROOT)]
    return subprocess.run([*command, "--python", sys.executable], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
