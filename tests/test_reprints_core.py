"""The pure core of reprint clustering (no database): normalising, signatures, band
keys, verification, story order, the network and its exports, and the matcher's
precision and recall on the generated corpus against exact pairwise Jaccard."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from opencc import OpenCC
from reprint_corpus import evaluate, make_corpus

from archive.reprints import core, network

BODY = (
    "本报讯 记者王立新报道 3月12日，东川县召开安全生产专项整治推进会，总结前一阶段工作，"
    "部署下一步重点任务。\n会议指出，各乡镇要压实属地责任，对照问题清单逐项整改，"
    "确保整改到位。\n县应急管理局负责人介绍，今年以来全县共排查隐患412处，已整改398处，"
    "其余正在限期整改。\n下一步，东川县将持续开展明察暗访，推动安全生产形势持续稳定向好。"
)


def test_punctuation_whitespace_and_traditional_characters_do_not_change_the_signature():
    traditional = OpenCC("s2t").convert(BODY)
    assert traditional != BODY
    punctuated = BODY.replace("，", ", ").replace("。", ".\n")
    base = core.signature(BODY)
    for variant in (traditional, punctuated):
        assert core.signature(variant).estimate(base) == 1.0
        assert core.signature(variant).band_keys() == base.band_keys()


def test_a_signature_survives_storage_and_is_the_same_in_every_process():
    sig = core.signature(BODY)
    assert len(sig.to_bytes()) == 4 * core.NUM_PERM
    assert core.Signature.from_bytes(sig.to_bytes()).band_keys() == sig.band_keys()
    assert len(sig.band_keys()) == core.BANDS and core.BANDS * core.ROWS == core.NUM_PERM
    # Fixed seed and scheme: the keys are a function of the text alone.
    assert sig.band_keys()[0] == core.signature(BODY).band_keys()[0]
    assert core.Signature.from_bytes(b"") is None


def test_a_short_body_has_no_signature():
    assert core.signature("会议强调，要狠抓落实。") is None


def test_a_dropped_paragraph_is_a_reprint_and_another_story_is_not():
    dropped = "\n".join(BODY.split("\n")[:-1])
    other = (
        "本报讯 记者李春燕报道 3月12日，西河县召开安全生产专项整治推进会，全县各乡镇和有关部门"
        "负责人参加。\n会议通报了近期督查发现的问题，要求各单位举一反三，建立长效机制。"
        "\n县消防救援大队负责人介绍了高层建筑和人员密集场所的检查情况。"
    )
    base = core.signature(BODY)
    ok, similarity = core.is_reprint(
        base,
        core.signature(dropped),
        lambda: core.jaccard(core.shingles(BODY), core.shingles(dropped)),
    )
    assert ok and similarity > 0.6
    assert not core.is_reprint(base, core.signature(other))[0]


def test_two_signatures_share_a_band_exactly_when_they_share_a_band_key():
    # The importer tells a file's candidates apart by their signatures, the database by
    # the stored keys: the two must agree, for reprints and for unrelated stories alike.
    docs = make_corpus(6, seed=11, seeds=False)
    sigs = [s for s in (core.signature(d.body) for d in docs) if s is not None]
    pairs = [(a, b) for i, a in enumerate(sigs) for b in sigs[i + 1 :]]
    sharing = [bool(set(a.band_keys()) & set(b.band_keys())) for a, b in pairs]
    assert any(sharing) and not all(sharing)
    assert [a.shares_band(b) for a, b in pairs] == sharing


def test_story_order_puts_the_earliest_dated_appearance_first_with_lags():
    members = [
        core.Appearance(7, date(2024, 3, 5)),
        core.Appearance(3, None),
        core.Appearance(9, date(2024, 3, 2)),
        core.Appearance(4, date(2024, 3, 2)),
    ]
    order = [(a.article_id, rank, lag) for a, rank, lag in core.story_order(members)]
    assert order == [(4, 0, 0), (9, 1, 0), (7, 2, 3), (3, 3, None)]


def test_the_network_weighs_edges_by_shared_stories_and_exports_them():
    rows = [
        (1, 10, "东川日报", 0),
        (1, 11, "西河晚报", 1),
        (1, 12, "南平融媒", 3),
        (2, 10, "东川日报", 0),
        (2, 11, "西河晚报", 2),
        (3, 11, "西河晚报", 0),
        (3, 11, "西河晚报", 0),  # one outlet running a story twice is no edge
    ]
    net = network.build(rows)
    edge = net["edges"][0]
    assert (edge["source"], edge["target"], edge["shared_stories"]) == (10, 11, 2)
    assert edge["source_first"] == 2 and edge["target_first"] == 0
    assert edge["median_lag_days"] == 1.5
    assert {n["id"]: n["originals"] for n in net["nodes"]} == {10: 2, 11: 0, 12: 0}
    lines = network.to_csv(net).splitlines()
    assert lines[0].split(",") == network.CSV_COLUMNS and len(lines) == 4
    root = ET.fromstring(network.to_gexf(net))
    ns = {"g": "http://gexf.net/1.3"}
    assert [n.get("label") for n in root.findall(".//g:node", ns)] == [
        "东川日报",
        "西河晚报",
        "南平融媒",
    ]
    assert root.find(".//g:edge", ns).get("weight") == "2"


@pytest.fixture(scope="module")
def scores():
    return evaluate(make_corpus(120, seed=21))


def test_precision_and_recall_against_exact_jaccard_are_at_least_095(scores):
    # tests/bench/bench_reprints.py prints these for larger corpora and other thresholds.
    assert scores["pairs"]["true"] > 300
    assert scores["pairs"]["precision"] >= 0.95
    assert scores["pairs"]["recall"] >= 0.95


def test_clusters_match_the_generated_stories(scores):
    assert scores["stories"]["precision"] >= 0.95
    assert scores["stories"]["recall"] >= 0.95
