"""A generated corpus of reprints for issue 21 (pure; used by tests and the benchmark).

Stories come from the seed pages (fixtures/raw, parsed by the pipeline) and from invented
articles on three topics, written from this module's own sentence templates with drawn
places, names and numbers, so that articles on one topic share their set phrases without
being the same story. Each story is published by one outlet and reprinted by others with
one to three edits: a new title, a paragraph dropped or added, another byline, changed
punctuation, traditional characters. Everything is drawn from a seeded random generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OUTLETS = [
    "东川日报",
    "西河晚报",
    "南平融媒",
    "北岭新闻网",
    "清源发布",
    "云山县融媒体中心",
    "江州市人民政府网",
    "临河日报",
    "松原观察",
    "白水县新闻中心",
    "青台网",
    "石门微讯",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "建国红梅德明志强秀英海波丽娟文华立新春燕晓东国庆玉兰永刚美玲卫东桂芳"
TOPICS = {
    "作风": [
        "{place}召开{n}年作风建设推进会，{person}出席会议并讲话。",
        "会议指出，作风建设永远在路上，全县{n}个部门要对照问题清单逐项整改。",
        "{person}强调，要把作风能力提升年活动与{work}结合起来，以作风转变促进工作落实。",
        "今年以来，{place}累计查处形式主义、官僚主义问题{n}个，通报典型案例{m}起。",
        "各乡镇要建立{work}台账，明确责任人和完成时限，每月{m}日前报送进展情况。",
        "{place}纪委监委组织{n}个督查组，深入{m}个单位开展明察暗访。",
        "下一步，{place}将持续深化{work}，推动作风建设常态化长效化。",
        "党员干部要发扬斗争精神，在{work}中当先锋、作表率，确保{n}项任务按期完成。",
    ],
    "招商": [
        "{place}举行{n}年重点项目集中签约仪式，{m}个项目现场签约，总投资{n}亿元。",
        "{person}表示，将为企业提供全周期服务，让{work}项目早落地、早投产、早见效。",
        "签约项目涵盖新材料、装备制造、现代农业等领域，预计年产值{m}亿元。",
        "今年以来，{place}围绕主导产业开展精准招商，赴外地考察对接企业{n}家。",
        "{place}建立重点项目“一对一”包联机制，{m}名县级干部包联{n}个项目。",
        "为优化营商环境，{place}推行{work}“一网通办”，办理时限压缩{m}个工作日。",
        "开发区新建标准化厂房{n}万平方米，已有{m}家企业入驻。",
        "下一步，{place}将聚焦{work}，延链补链强链，推动产业集群发展。",
    ],
    "民生": [
        "{place}{n}件民生实事项目全部开工，其中{work}项目已完成投资{m}亿元。",
        "{person}到{place}调研{work}工作，实地察看老旧小区改造进展。",
        "今年，{place}新建改造城乡道路{n}公里，新增公办幼儿园学位{m}个。",
        "社区卫生服务中心开设家庭医生签约门诊，已签约居民{n}户。",
        "{place}为{m}名困难群众发放临时救助金，并开通{work}绿色通道。",
        "{person}要求，要把群众满意作为衡量{work}成效的标准，做到件件有回音。",
        "截至目前，{place}已完成农村供水管网改造{n}公里，惠及群众{m}万人。",
        "下一步，{place}将持续办好{work}等民生实事，不断增强群众获得感。",
    ],
}
WORKS = [
    "乡村振兴",
    "营商环境优化",
    "安全生产专项整治",
    "城乡环境综合整治",
    "基层治理",
    "高标准农田建设",
    "老旧小区改造",
    "河湖长制",
    "森林防火",
    "数字政府建设",
]
BYLINES = ["本报记者 {a}", "通讯员 {a} 记者 {b}", "{outlet}讯（记者 {a}）", "文/图 {a} {b}"]
ADDED = [
    "（来源：{outlet}）",
    "编者按：本文原载于{outlet}，转载时有删节。",
    "相关链接：{place}近年来持续推进{work}，取得明显成效，群众满意度逐年提高。",
]


@dataclass
class Doc:
    """One appearance: ``story`` is the generator's truth, ``edits`` what was changed."""

    key: int
    story: int
    title: str
    body: str
    outlet: str
    published: date
    edits: tuple[str, ...] = field(default_factory=tuple)


def _name(rng: random.Random) -> str:
    given = "".join(rng.sample(GIVEN, rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


@cache
def _places() -> tuple[str, ...]:
    import csv

    with open(ROOT / "fixtures" / "regions.csv", encoding="utf-8") as fh:
        rows = [r["name"] for r in csv.DictReader(fh) if r["level"] == "county"]
    return tuple(rows)


@cache
def seed_stories() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(title, paragraphs) of every seed article long enough to be a story."""
    from archive.extraction.pipeline import parse

    out = []
    for path in sorted((ROOT / "fixtures" / "raw").glob("*.txt")):
        for art in parse(path.read_bytes(), path.name).articles:
            paragraphs = tuple(p.strip() for p in art.body.split("\n") if p.strip())
            if sum(len(p) for p in paragraphs) >= 300 and len(paragraphs) >= 3:
                out.append((art.title, paragraphs))
    return tuple(out)


def invented_story(rng: random.Random, topic: str) -> tuple[str, tuple[str, ...]]:
    """A new article on a topic: 5-9 paragraphs of 2-3 templated sentences."""
    place = rng.choice(_places())
    templates = TOPICS[topic]

    def sentence() -> str:
        return rng.choice(templates).format(
            place=rng.choice((place, place, rng.choice(_places()))),
            person=_name(rng),
            n=rng.randint(2, 99),
            m=rng.randint(2, 60),
            work=rng.choice(WORKS),
        )

    paragraphs = tuple(
        "".join(sentence() for _ in range(rng.randint(2, 3))) for _ in range(rng.randint(5, 9))
    )
    title = (
        f"{place}{rng.choice(WORKS)}{rng.choice(('取得新进展', '推进会召开', '见实效', '再提速'))}"
    )
    return title, paragraphs


def _edit(rng, kind, title, paragraphs, outlet):
    paragraphs = list(paragraphs)
    if kind == "title":
        title = rng.choice(("转载：", "【关注】", "")) + title[::-1][:8] + "的做法"
    elif kind == "drop":
        del paragraphs[rng.randrange(1, len(paragraphs))]
    elif kind == "add":
        extra = rng.choice(ADDED).format(
            outlet=outlet, place=rng.choice(_places()), work=rng.choice(WORKS)
        )
        paragraphs.insert(rng.choice((len(paragraphs), 1)), extra)
    elif kind == "byline":
        line = rng.choice(BYLINES).format(a=_name(rng), b=_name(rng), outlet=outlet[:2])
        paragraphs = [line] + paragraphs[1:] if rng.random() < 0.5 else [line] + paragraphs
    elif kind == "punct":
        table = str.maketrans({"，": ",", "。": ". ", "“": '"', "”": '"', "：": ":", "、": ","})
        paragraphs = [p.translate(table) for p in paragraphs]
    elif kind == "traditional":
        from opencc import OpenCC

        s2t = OpenCC("s2t")
        title, paragraphs = s2t.convert(title), [s2t.convert(p) for p in paragraphs]
    return title, paragraphs


EDITS = ("title", "drop", "add", "byline", "punct", "traditional")


def make_corpus(stories: int, seed: int = 21, seeds: bool = True) -> list[Doc]:
    """``stories`` stories (the seed articles first, then invented ones), each with 0-5
    reprints of 1-3 edits, in a shuffled order of appearance."""
    rng = random.Random(seed)
    bases = list(seed_stories()) if seeds else []
    topics = list(TOPICS)
    while len(bases) < stories:
        bases.append(invented_story(rng, topics[len(bases) % len(topics)]))
    docs: list[Doc] = []
    start = date(2024, 1, 1)
    for story, (title, paragraphs) in enumerate(bases[:stories]):
        day = start + timedelta(days=rng.randrange(600))
        outlets = rng.sample(OUTLETS, 6)
        docs.append(Doc(len(docs), story, title, "\n".join(paragraphs), outlets[0], day))
        for n in range(rng.choice((0, 1, 1, 2, 3, 5))):
            kinds = tuple(rng.sample(EDITS, rng.randint(1, 3)))
            t, ps = title, paragraphs
            for kind in kinds:
                t, ps = _edit(rng, kind, t, ps, outlets[n + 1])
            lag = timedelta(days=rng.choice((0, 1, 1, 2, 3, 7, 15)))
            docs.append(Doc(len(docs), story, t, "\n".join(ps), outlets[n + 1], day + lag, kinds))
    order = list(range(len(docs)))
    rng.shuffle(order)
    return [docs[i] for i in order]


def evaluate(docs: list[Doc], threshold: float | None = None) -> dict:
    """Run the matcher over the docs in order (an in-memory band index with the
    database's semantics) and score it.

    ``pairs``: the verified pairs against every pair whose exact Jaccard is at or above
    the threshold (computed for all pairs). ``stories``: pairs in one cluster (after
    merging) against pairs of the same generated story."""
    import itertools

    from archive.reprints import core

    threshold = core.THRESHOLD if threshold is None else threshold
    grams = [core.shingles(d.body) for d in docs]
    sigs = [core.signature_of_shingles(g) for g in grams]
    index = core.MemoryIndex()
    parent = list(range(len(docs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    found: set[tuple[int, int]] = set()
    candidates = 0
    for i, sig in enumerate(sigs):
        if sig is None:
            continue
        for j in index.candidates(sig):
            candidates += 1
            ok, _ = core.is_reprint(
                sig, sigs[j], lambda i=i, j=j: core.jaccard(grams[i], grams[j]), threshold
            )
            if ok:
                found.add((j, i))
                parent[find(i)] = find(j)
        index.add(i, sig)
    truth: set[tuple[int, int]] = set()
    same_story = same_cluster = both = 0
    for i, j in itertools.combinations(range(len(docs)), 2):
        if grams[i] and grams[j] and core.jaccard(grams[i], grams[j]) >= threshold:
            truth.add((i, j))
        s, c = docs[i].story == docs[j].story, find(i) == find(j)
        same_story += s
        same_cluster += c
        both += s and c
    hit = len(found & truth)
    return {
        "docs": len(docs),
        "threshold": threshold,
        "candidates": candidates,
        "pairs": {
            "true": len(truth),
            "found": len(found),
            "precision": hit / len(found) if found else 1.0,
            "recall": hit / len(truth) if truth else 1.0,
        },
        "stories": {
            "precision": both / same_cluster if same_cluster else 1.0,
            "recall": both / same_story if same_story else 1.0,
        },
    }
