"""manage.py import_raw PATH [PATH ...] [--dry-run] [--json] [--workers N] [--source NAME]
[--encoding ENC] [--shard K/N] [--field ROLE=NAME ...] [--enqueue] — the import contract
(see README). With --enqueue the files' raw bytes are stored and one task per file goes on
the queue for ``celery -A archive worker`` (archive/queue.py)."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.extraction import limits
from archive.extraction.jsondoc import normalise_fields
from archive.extraction.known import KnownOfficials
from archive.extraction.pipeline import parse
from archive.extraction.records import FileRecord

# Files a parser process may have parsed ahead of the writes (each held until written).
AHEAD = 4

SUFFIXES = (".txt", ".text", ".html", ".htm", ".jsonl", ".json", ".md", ".markdown", ".warc")


def expand(paths: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Files to import (in a stable order) and (path, error) for paths that cannot be read."""
    files: list[str] = []
    problems: list[tuple[str, str]] = []
    for raw in paths:
        if raw == "-":
            files.append("-")
            continue
        path = Path(raw)
        if path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):
                problems.append((raw, "directory is not readable (permission denied)"))
                continue
            for dirpath, dirnames, filenames in os.walk(
                path,
                onerror=lambda e: problems.append(
                    (e.filename, f"cannot list directory ({e.strerror})")
                ),
            ):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.lower().removesuffix(".gz").endswith(SUFFIXES):
                        files.append(os.path.join(dirpath, name))
        elif path.exists():
            files.append(raw)
        elif any(c in raw for c in "*?["):
            matched = sorted(glob.glob(raw, recursive=True))
            if not matched:
                problems.append((raw, "no file matches this pattern"))
            files.extend(expand(matched)[0])
        else:
            problems.append((raw, "path does not exist; check the spelling"))
    return files, problems


class TooLarge(Exception):
    """A file larger than DIFANG_MAX_EXPANDED_BYTES: not read at all."""


def read_bytes(path: str) -> bytes:
    """The file's bytes; TooLarge past the cap on what one file may hold (the file stays
    where it is; reading it would take the memory the cap protects)."""
    limit = limits.max_expanded_bytes()
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise TooLarge(size)
            data = fh.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(len(data))
    return data


def parse_fields(values: list[str] | None) -> dict[str, str]:
    """`--field text=details --field title=headline` -> {"text": "details", ...}.

    Raises CommandError (a usage error) for a value that is not ROLE=NAME or an unknown role.
    """
    pairs = {}
    for value in values or []:
        role, sep, name = value.partition("=")
        if not sep or not role.strip() or not name.strip():
            raise CommandError(
                f"--field must be ROLE=NAME (text=details), not {value!r}", returncode=2
            )
        pairs[role.strip()] = name.strip()
    try:
        return normalise_fields(pairs)
    except ValueError as exc:
        raise CommandError(f"--field: {exc}", returncode=2) from None


def parse_path(
    args: tuple[str, str | None] | tuple[str, str | None, dict[str, str]],
) -> tuple[FileRecord, bytes | None]:
    path, encoding, *rest = args
    fields = rest[0] if rest else None
    try:
        data = read_bytes(path)
    except TooLarge as exc:
        record = FileRecord(path=path, sha256="", encoding=None)
        record.errors.append(
            f"{path}: a file of {exc.args[0]:,} bytes or more, larger than one file may be "
            f"(DIFANG_MAX_EXPANDED_BYTES = {limits.mb(limits.max_expanded_bytes())}); "
            "not read: split it into smaller files"
        )
        return record, None
    except OSError as exc:
        record = FileRecord(path=path, sha256="", encoding=None)
        record.errors.append(f"{path}: cannot read the file ({exc.strerror or exc})")
        return record, None
    name = "stdin.txt" if path == "-" else path
    return parse_data(data, name, encoding, fields, KNOWN.get("officials")), data


def parse_data(
    data: bytes,
    name: str,
    encoding: str | None = None,
    fields: dict[str, str] | None = None,
    known: KnownOfficials | None = None,
) -> FileRecord:
    """parse(), with a parser bug reported as the file's one-line error."""
    try:
        return parse(data, name, encoding, fields=fields, known=known)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not end the run
        record = FileRecord(
            path=name, sha256=hashlib.sha256(data).hexdigest(), encoding=None, size=len(data)
        )
        record.errors.append(
            one_line(f"{name}: the parser failed ({type(exc).__name__}: {exc}); please report it")
        )
        return record


# The officials curators confirmed, read from the database once per run (importer.
# known_officials) and handed to each worker process by the pool's initializer.
KNOWN: dict[str, KnownOfficials | None] = {}


def use_known(officials: KnownOfficials | None) -> None:
    KNOWN["officials"] = officials


def start_parser(officials: KnownOfficials | None, parent: int) -> None:
    """A parser process's start: the officials, and on Linux a SIGKILL of its own when the
    importing process dies (killed mid-run, it must not leave parsers behind holding its
    output open)."""
    use_known(officials)
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it died before the call: nothing would signal us
            os._exit(1)


def one_line(message: str) -> str:
    """Error messages are one line each, whatever an exception's text holds."""
    return " ".join(message.split())


def store(
    record: FileRecord,
    data: bytes | None,
    source: str | None = None,
    dry_run: bool = False,
    reraise: tuple[type[BaseException], ...] = (),
) -> str:
    """Write one parsed file (import_file) and return its status; a failure is kept as a
    failed raw file with its one-line error. ``reraise``: errors to let through (a queue
    worker retries transient database errors)."""
    if data is None or (record.errors and not record.articles):
        if data is not None and not dry_run:
            from archive.importer import import_file

            try:  # keep the raw bytes of a readable file, with its error
                import_file(record, data, source)
            except reraise:
                raise
            except Exception as exc:  # noqa: BLE001 - report, never a traceback
                record.errors.append(
                    one_line(
                        f"{record.path}: its raw bytes could not be kept in the database "
                        f"({type(exc).__name__}: {exc})"
                    )
                )
        return "failed"
    if dry_run:
        if source:
            for art in record.articles:
                art.source = source
        return "parsed"
    from archive.importer import import_file

    try:
        return import_file(record, data, source)
    except reraise:
        raise
    except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the run
        # The file's transaction was rolled back; say so and go on with the others.
        record.errors.append(
            one_line(
                f"{record.path}: could not be written to the database "
                f"({type(exc).__name__}: {exc}); its raw bytes are kept as a failed file, "
                "run the import again"
            )
        )
        kept = FileRecord(
            path=record.path,
            sha256=record.sha256,
            encoding=record.encoding,
            errors=record.errors,
            text_chars=record.text_chars,
            size=record.size,
        )
        try:
            import_file(kept, data)
        except Exception:  # noqa: BLE001 - the database itself is unusable; reported above
            pass
        return "failed"


class Command(BaseCommand):
    help = "Import scraped pages (.txt, .html, .json/.jsonl, .md, .warc, optionally .gz)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files, directories, globs, or - for stdin")
        parser.add_argument("--dry-run", action="store_true", help="parse only, write nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON document")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="parser processes beside the one that writes (0: parse in that one too)",
        )
        parser.add_argument("--source", help="outlet name for every article imported")
        parser.add_argument("--encoding", help="decode every file with this encoding")
        parser.add_argument("--shard", help="K/N: import only the K-th of N slices of the files")
        parser.add_argument(
            "--field",
            action="append",
            metavar="ROLE=NAME",
            help="JSON records: the field holding a role (text, title, published, url, "
            "source, author), e.g. --field text=details; repeatable; NAME may be a dotted path",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="store the raw bytes, then queue one task per file for the workers "
            "(celery -A archive worker); follow them with manage.py import_status",
        )

    def handle(self, *args, **opts):
        started = time.monotonic()
        opts["fields"] = parse_fields(opts.get("field"))
        from archive.importer import known_officials_or_none

        use_known(known_officials_or_none())
        files, problems = expand(opts["paths"])
        if opts["shard"]:
            try:
                k, n = (int(x) for x in opts["shard"].split("/"))
                assert 1 <= k <= n
            except (ValueError, AssertionError):
                raise CommandError("--shard must be K/N with 1 <= K <= N", returncode=2) from None
            files = [f for i, f in enumerate(files) if i % n == k - 1]
        if opts["workers"] < 0:
            raise CommandError("--workers must be 0 or more", returncode=2)
        if opts["enqueue"]:
            if opts["dry_run"]:
                raise CommandError("--enqueue writes; it cannot be a --dry-run", returncode=2)
            return self._enqueue(files, problems, opts, started)
        if "-" in files:
            opts["workers"] = 0  # stdin can be read by this process only
        report: list[dict] = []
        counts = {"imported": 0, "parsed": 0, "unchanged": 0, "failed": 0}
        articles = 0
        total_bytes = 0
        for path, problem in problems:
            report.append(
                FileRecord(
                    path=path, sha256="", encoding=None, errors=[f"{path}: {problem}"]
                ).as_contract("failed")
            )
            counts["failed"] += 1
        progress = self._progress(len(files), opts)
        for record, data in self._parsed(files, opts):
            total_bytes += len(data or b"")
            status = self._store(record, data, opts)
            counts[status] += 1
            articles += len(record.articles)
            report.append(record.as_contract(status))
            if progress is not None:
                progress.update(1)
        if progress is not None:
            progress.close()
        seconds = time.monotonic() - started
        summary = (
            f"{len(report)} files, {articles} articles: {counts['imported']} imported, "
            f"{counts['parsed']} parsed, {counts['unchanged']} unchanged, "
            f"{counts['failed']} failed "
            f"in {seconds:.1f} s ({total_bytes / 1e6 / max(seconds, 1e-6):.2f} MB/s)"
        )
        if opts["json"]:
            self.stdout.write(json.dumps({"files": report}, ensure_ascii=False, indent=1))
        else:
            for entry in report:
                line = f"{entry['status']:>9}  {entry['path']}  ({len(entry['articles'])} articles)"
                self.stdout.write(line)
                for err in entry["errors"]:
                    self.stdout.write(f"           {err}")
        self.stderr.write(summary)
        if counts["imported"] and not opts["dry_run"]:
            self._refresh_facets()
        if any(entry["status"] == "failed" or entry["errors"] for entry in report):
            sys.exit(1)

    def _enqueue(self, files, problems, opts, started):
        """Keep each file's raw bytes as a queued raw file, then queue its task."""
        from archive import queue
        from archive.celery import app
        from archive.tasks import import_raw_file

        try:  # fail before storing anything when no worker could ever be told
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.5)
        except Exception as exc:  # noqa: BLE001 - kombu raises several kinds
            raise CommandError(
                f"the queue's broker ({app.conf.broker_url}) cannot be reached "
                f"({type(exc).__name__}: {one_line(str(exc))}); start it (redis-server) "
                "or set DIFANG_BROKER_URL",
                returncode=1,
            ) from None
        counts = {"queued": 0, "unchanged": 0, "failed": 0}
        report = []
        for path, problem in problems:
            report.append(
                FileRecord(
                    path=path, sha256="", encoding=None, errors=[f"{path}: {problem}"]
                ).as_contract("failed")
            )
            counts["failed"] += 1
        for path in files:
            record = FileRecord(path="stdin.txt" if path == "-" else path, sha256="", encoding=None)
            try:
                data = read_bytes(path)
            except TooLarge as exc:
                record.errors.append(
                    f"{path}: a file of {exc.args[0]:,} bytes or more, larger than one file "
                    f"may be (DIFANG_MAX_EXPANDED_BYTES = "
                    f"{limits.mb(limits.max_expanded_bytes())}); not read: split it"
                )
            except OSError as exc:
                record.errors.append(f"{path}: cannot read the file ({exc.strerror or exc})")
            if record.errors:
                counts["failed"] += 1
                report.append(record.as_contract("failed"))
                continue
            raw, status = queue.keep_queued(record.path, data)
            record.sha256, record.size = raw.sha256, len(data)
            if status == "queued":
                import_raw_file.delay(raw.pk, opts["source"], opts["encoding"], opts["fields"])
            counts[status] += 1
            report.append(record.as_contract(status))
        seconds = time.monotonic() - started
        if opts["json"]:
            self.stdout.write(json.dumps({"files": report}, ensure_ascii=False, indent=1))
        else:
            for entry in report:
                self.stdout.write(f"{entry['status']:>9}  {entry['path']}")
                for err in entry["errors"]:
                    self.stdout.write(f"           {err}")
        self.stderr.write(
            f"{len(report)} files: {counts['queued']} queued, {counts['unchanged']} unchanged, "
            f"{counts['failed']} failed in {seconds:.1f} s; manage.py import_status follows "
            "the workers"
        )
        if counts["failed"]:
            sys.exit(1)

    def _refresh_facets(self):
        """A large archive's list page shows stored facet counts: bring them up to date."""
        from archive.listing import limits, store_facet_counts
        from archive.models import Article

        limit = limits.FACET_EXACT
        if Article.objects.public().order_by()[: limit + 1].count() > limit:
            started = time.monotonic()
            store_facet_counts({})
            seconds = time.monotonic() - started
            self.stderr.write(f"facet counts of the whole archive refreshed in {seconds:.1f} s")

    def _parsed(self, files, opts):
        """Each file's (record, bytes), in order. Parsed in this process for one file, for
        a dry run of one worker (nothing to overlap) and with --workers 0; otherwise by
        --workers processes while this one writes: with one, the next files are parsed
        while this one is written, and the import takes about as long as its writes alone
        (the parse and PostgreSQL's side of the writes run on other cores). At most
        ``AHEAD`` files per worker are parsed ahead, so memory stays bounded however far
        the writes fall behind."""
        jobs = [(f, opts["encoding"], opts["fields"]) for f in files]
        workers = opts["workers"]
        if workers == 0 or len(jobs) < 2 or (workers == 1 and opts["dry_run"]):
            for job in jobs:
                yield parse_path(job)
            return
        with ProcessPoolExecutor(
            max_workers=workers,
            initializer=start_parser,
            initargs=(KNOWN.get("officials"), os.getpid()),
        ) as pool:
            pending = iter(jobs)
            ahead = deque(pool.submit(parse_path, job) for job in islice(pending, AHEAD * workers))
            while ahead:
                parsed = ahead.popleft().result()
                for job in islice(pending, 1):
                    ahead.append(pool.submit(parse_path, job))
                yield parsed

    def _store(self, record: FileRecord, data: bytes | None, opts) -> str:
        return store(record, data, opts["source"], opts["dry_run"])

    def _progress(self, total: int, opts):
        if opts["json"] or total < 2 or not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        return tqdm(total=total, unit="file", file=sys.stderr)
