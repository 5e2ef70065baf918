"""rjieba does jieba's work faster and changes nothing: the same words, the same search text,
the same places and people as jieba itself, on the seeds (and the dev corpus when present)."""

import json
import re
from pathlib import Path

import jieba
import pytest

from archive.extraction import officials, words
from archive.extraction.chinese import simplified
from archive.extraction.pipeline import parse
from archive.extraction.reader import read
from archive.extraction.words import Words, dictionary_cut, hmm_cut, reference_cut

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "fixtures" / "raw").glob("*"))
# The real pages beside the project (never copied into it): read only when present.
DEV = ROOT.parent / "shared" / "corpus" / "dev" / "raw"
DEV_FILES = sorted(DEV.glob("*")) if DEV.is_dir() else []
PUNCT = re.compile(r"^[\W_]+$")

# Invented text with what segmenters are known to treat differently: ASCII runs, URLs,
# dates, numbers with units, rare characters outside jieba's range, CRLF, full-width forms.
TRICKY = (
    "2025-05-13 本报讯（记者 王小明）http://www.example.gov.cn/a_b/content_123.html 下载量1.5T，"
    "增长63.8%，投资5.6亿元，C++与C#课程，A股B2-20170116号。\r\n"
    "㐀㐁䶵鿕鿖鿿𠀀 ＡＢＣ１２３ 莘县燕店镇 青岛西海岸新区\t上海城市建设 示范县 \n\n"
    "徐振涛表示，要把实事办好。李德明，镇党委书记，说：“我们一起干。” t.cn/abc 0.5ml"
)


def texts():
    """Every decoded file (as read and simplified) and every article's search text input."""
    for path in [*SEEDS, *DEV_FILES]:
        data = path.read_bytes()
        doc = read(data, path.name)
        yield path.name, doc.text
        yield path.name, simplified(doc.text)
        for art in parse(data, path.name).articles:
            yield art.title, simplified(f"{art.title} {art.subtitle}\n{art.body}")
    yield "invented", TRICKY


def test_the_seeds_are_there_to_compare_on():
    assert len(SEEDS) >= 5
    assert sum(1 for _ in texts()) >= 30


def test_rjieba_cuts_every_text_word_for_word_as_jieba_without_hmm():
    for name, text in texts():
        assert dictionary_cut(text) == reference_cut(text), name


def test_hmm_words_equal_jieba_cut_with_its_hmm_on_every_text():
    """Unknown words (names) go through the HMM; rjieba's HMM takes only pure Chinese runs."""
    for name, text in texts():
        assert hmm_cut(text) == list(jieba.cut(text)), name


def test_search_text_equals_jieba_cut_for_search_on_every_text():
    for name, text in texts():
        expected = [w for w in jieba.cut_for_search(text) if w.strip() and not PUNCT.match(w)]
        assert Words(text).search_terms() == expected, name


def test_unknown_word_runs_with_ascii_stay_with_jieba():
    # jieba-rs would keep these whole; jieba splits them, and so must the search text.
    for run in ("2025-05-13", "people.cn", "section_name", "0.5ml"):
        assert list(words.unknown_words(run)) == words.reference_unknown_words(run)


@pytest.fixture
def jieba_only(monkeypatch):
    """The pipeline with every segmentation done by jieba itself (the reference)."""
    monkeypatch.setattr(words, "dictionary_cut", reference_cut)
    monkeypatch.setattr(words, "unknown_words", words.reference_unknown_words)
    monkeypatch.setattr(officials, "dictionary_cut", reference_cut)
    monkeypatch.setattr(officials, "hmm_cut", lambda text: list(jieba.cut(text)))


def contract(path: Path) -> str:
    record = parse(path.read_bytes(), path.name)
    doc = record.as_contract("parsed")
    doc["search_text"] = [a.search_text for a in record.articles]
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)


def test_parse_gives_the_same_record_with_rjieba_as_with_jieba_alone(monkeypatch, jieba_only):
    """Places (their boundaries), people, quotes, tags and search text: all identical."""
    files = [*SEEDS, *DEV_FILES]
    reference = {p.name: contract(p) for p in files}
    monkeypatch.undo()
    fast = {p.name: contract(p) for p in files}
    assert fast == reference
    assert words.dictionary_cut is not reference_cut  # the fast path really ran
