"""``manage.py export_gold``: reviewed articles in the dev corpus's gold format, read by
the shared scorer (``../shared/tools/score_extraction.py``), which scores them 1.0 against
the records they came from. Both databases; the seed pages are the suite's own."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from archive import curation, gold, review_ops
from archive.models import Article, Occurrence, Person, Quote, RawFile

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "fixtures" / "raw"
SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"
RATIOS = [
    "articles_recall",
    "articles_precision",
    "people_recall",
    "people_precision",
    "titles_ok",
    "quotes_attributed",
    "regions_recall",
    "primary_regions_precision",
    "authors_recall",
    "dates_ok",
]


@pytest.fixture
def seeds(gazetteer):
    call_command("import_raw", str(RAW), stdout=io.StringIO(), stderr=io.StringIO())


def review_all():
    curation.set_status(Article.objects.all(), Article.ReviewStatus.REVIEWED)


def export(tmp_path) -> tuple[Path, Path, dict]:
    out, raw_dir = tmp_path / "gold.json", tmp_path / "raw"
    call_command("export_gold", str(out), raw_dir=str(raw_dir), stderr=io.StringIO())
    return out, raw_dir, json.loads(out.read_text(encoding="utf-8"))


def score(monkeypatch, gold_path: Path, raw_dir: Path, parse) -> dict:
    """The shared scorer, run as it is except that each file's records come from
    ``parse(path)`` in this process (so it sees the test database)."""
    if not SCORER.exists():
        pytest.skip(f"{SCORER} is not on this machine (the shared scorer is not ours)")
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    monkeypatch.setattr(scorer, "run_parse", lambda project, python, path: parse(path))
    result = gold_path.parent / "score.json"
    argv = ["score", str(gold_path), str(raw_dir), "--project", str(ROOT)]
    monkeypatch.setattr(sys, "argv", [*argv, "--python", sys.executable, "--json-out", str(result)])
    scorer.main()
    return json.loads(result.read_text(encoding="utf-8"))


def parse_with_import_raw(path: str) -> dict:
    out = io.StringIO()
    call_command("import_raw", path, "--dry-run", "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def archive_records(path: str) -> dict:
    """What the archive holds for a file of the export (by its key)."""
    name = Path(path).name
    keys = {key: pk for pk, key in gold.file_keys(list(RawFile.objects.all())).items()}
    occurrences = Occurrence.objects.filter(raw_file_id=keys[name]).select_related("article")
    return gold.records([o.article for o in occurrences if o.article.reviewed_at])


def test_export_is_keyed_by_raw_file_name_in_the_dev_gold_format(seeds, tmp_path):
    review_all()
    out, raw_dir, doc = export(tmp_path)
    names = {Path(p).name for p in RawFile.objects.values_list("path", flat=True)}
    assert set(doc["files"]) == names
    assert {p.name for p in raw_dir.iterdir()} == names
    for name, entries in doc["files"].items():
        raw = RawFile.objects.get(path__endswith=name)
        assert (raw_dir / name).read_bytes() == raw.data
        assert len(entries) == Occurrence.objects.filter(raw_file=raw).count()
        for entry in entries:
            assert set(entry) >= {"keys", "people", "optional_people", "regions", "quotes"}
            for speaker, prefix in entry["quotes"]:
                assert speaker and 0 < len(prefix) <= 12
            for keywords in entry["people"].values():
                assert keywords and all(keywords)
    assert doc["junk_people"] == []


def test_only_reviewed_articles_are_gold(seeds, tmp_path):
    article = Article.objects.order_by("pk").first()
    review_ops.mark_reviewed(article)
    _, _, doc = export(tmp_path)
    entries = [e for es in doc["files"].values() for e in es]
    assert [e["keys"] for e in entries] == [[article.title]]


def test_export_gold_scores_one_against_the_parse_it_came_from(seeds, tmp_path, monkeypatch):
    review_all()
    out, raw_dir, _ = export(tmp_path)
    result = score(monkeypatch, out, raw_dir, parse_with_import_raw)
    assert {k: result["metrics"][k] for k in RATIOS} == {k: 1.0 for k in RATIOS}, result["details"]
    assert result["counts"]["art_gold"] == Article.objects.count()
    assert result["counts"]["q_gold"] > 10 and result["counts"]["ppl_gold"] > 10


def test_curated_gold_scores_one_against_the_archive_and_less_against_the_parser(
    seeds, tmp_path, monkeypatch
):
    article = max(Article.objects.all(), key=lambda a: a.body.count("\n\n"))
    review_ops.split(article, 3)
    quote = Quote.objects.exclude(speaker_name="").first()
    review_ops.set_speaker(quote, "王小明")
    rejected = Person.objects.filter(mention__isnull=False).exclude(quotes__isnull=False).first()
    mentioned_in = rejected.mention_set.first().article
    review_ops.person_verdict(mentioned_in, rejected, confirmed=False)
    review_all()
    out, raw_dir, doc = export(tmp_path)
    assert rejected.name in doc["junk_people"]
    itself = score(monkeypatch, out, raw_dir, archive_records)
    assert {k: itself["metrics"][k] for k in RATIOS} == {k: 1.0 for k in RATIOS}, itself["details"]
    parser = score(monkeypatch, out, raw_dir, parse_with_import_raw)
    assert parser["metrics"]["articles_recall"] < 1.0  # the split article is one to the parser
    assert parser["metrics"]["quotes_attributed"] < 1.0
    assert any("王小明" in line for line in parser["details"])
