"""One segmentation per article: word boundaries for places, the same words for search."""

import re
from pathlib import Path

import jieba
import pytest

from archive.extraction.entities import simplified
from archive.extraction.pipeline import parse
from archive.extraction.regions import resolve
from archive.extraction.words import Words, search_terms

SEEDS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "raw").glob("*.txt"))
PUNCT = re.compile(r"^[\W_]+$")


def seed_articles():
    for path in SEEDS:
        yield from parse(path.read_bytes(), path.name).articles


def test_words_keep_every_character_and_their_offsets():
    text = "莘县燕店镇 2023年，增长63.8%。\n青岛西海岸新区"
    w = Words(text)
    assert "".join(w.words) == text
    assert 0 in w.cuts and len(text) in w.cuts
    assert text.index("燕店镇") in w.cuts or text.index("燕店") in w.cuts


def test_search_terms_equal_jieba_cut_for_search_on_every_seed_article():
    """Indexing and querying share this function; it must cut as jieba's search mode does
    (HMM on unknown words, dictionary sub-words), minus punctuation and whitespace."""
    articles = list(seed_articles())
    assert len(articles) >= 20
    for art in articles:
        text = simplified(f"{art.title} {art.subtitle}\n{art.body}")
        expected = [w for w in jieba.cut_for_search(text) if w.strip() and not PUNCT.match(w)]
        assert search_terms(text) == expected, art.title


def test_parser_fills_the_search_text_from_the_same_segmentation():
    for art in seed_articles():
        text = simplified(f"{art.title} {art.subtitle}\n{art.body}")
        assert art.search_text == " ".join(search_terms(text))
        assert "作风" in art.search_text.split() or "作风" not in text


@pytest.mark.parametrize(
    "text, wrong",
    [
        ("上海城市建设投资开发总公司召开会议", "海城市"),
        ("省级示范县创建工作推进会召开", "范县"),
        ("人民安康是最大的心愿", "安康市"),
        ("石门石刻保护工作座谈会", "石门县"),
    ],
)
def test_shared_boundaries_keep_the_traps_unmatched(text, wrong):
    assert wrong not in [r.name for r in resolve(text, cuts=Words(text).cuts)]


def test_shared_boundaries_find_the_same_places_as_windowed_segmentation():
    for art in seed_articles():
        text = simplified(f"{art.title} {art.subtitle}".strip()) + "\n" + simplified(art.body)
        shared = [(r.name, r.code, r.primary) for r in resolve(text, cuts=Words(text).cuts)]
        windowed = [(r.name, r.code, r.primary) for r in resolve(text)]
        assert shared == windowed, art.title
