"""The pure parser on the five real scraped pages in fixtures/raw (no database)."""

from functools import cache
from pathlib import Path

import pytest

from archive.extraction.pipeline import parse

RAW = Path(__file__).resolve().parents[1] / "fixtures" / "raw"


@cache
def parsed(prefix: str):
    path = next(RAW.glob(f"{prefix}_*.txt"))
    return parse(path.read_bytes(), str(path))


def titles(prefix: str) -> list[str]:
    return [a.title for a in parsed(prefix).articles]


def article(prefix: str, title: str):
    return next(a for a in parsed(prefix).articles if a.title == title)


def test_the_five_seed_pages_give_the_real_articles_and_nothing_else():
    counts = {p: len(parsed(p).articles) for p in ("000", "001", "002", "003", "004")}
    # 21 headlined articles plus the headless 目击 photo item.
    assert counts == {"000": 3, "001": 8, "002": 3, "003": 7, "004": 1}


def test_a_headline_unlike_the_features_crossheads_starts_the_next_article():
    """002's second article has four two-phrase crossheads (闻令而动,吹响“战疫”集结号);
    the plain headline after them has no byline or subtitle but is a new article."""
    assert titles("002")[1:] == ["火线“逆行”只为人民安康", "精神文明之花绽放疫情防控一线"]
    feature = article("002", "火线“逆行”只为人民安康")
    assert "闻令而动" in feature.body and "精神文明之花" not in feature.body
    third = article("002", "精神文明之花绽放疫情防控一线")
    assert third.body.startswith("面对突如其来的新冠肺炎疫情")
    assert "分享到" not in third.body


def test_weibo_headline_in_brackets_becomes_title_and_subtitle():
    first = parsed("000").articles[0]
    assert first.title == "打造品牌 开创新时代政协文史工作新局面"
    assert first.subtitle == "《汉中文史丛书》出版背后的政协力量"


def test_bracketed_column_tag_is_not_the_title():
    assert "央媒聚焦!垦利作风提优 激荡高质量发展春潮!" in titles("000")


def test_seo_spam_suffix_is_removed_from_the_title():
    (only,) = parsed("004").articles
    assert only.title == "青岛西海岸新区扎实开展“作风能力提升年” 推进作风建设常态化长效化"
    assert any("凯发k8官方旗舰厅" in r for r in only.repairs)


def test_header_line_gives_date_and_outlet():
    (only,) = parsed("004").articles
    assert only.published == "2022-12-31"
    assert only.source == "大众报业·半岛网-半岛都市报"


def test_celebrity_gossip_in_recommendation_block_never_becomes_text():
    record = parsed("000")
    bodies = "".join(a.body for a in record.articles)
    assert "刘若英" not in bodies and "佟大为" not in bodies
    reasons = {d.reason for d in record.discarded}
    assert {"recommendation list", "short link", "action bar"} <= reasons
    assert all("刘若英" not in p.name for a in record.articles for p in a.people)


def test_share_buttons_related_list_and_site_map_are_discarded():
    assert {d.reason for d in parsed("002").discarded} == {"share buttons", "related articles"}
    assert [d.reason for d in parsed("004").discarded] == ["site map"]


def test_image_caption_is_kept_apart_from_the_body():
    (only,) = parsed("004").articles
    assert only.captions and only.captions[0].startswith("◥西海岸交通商务区")
    assert "◥" not in only.body


@pytest.mark.parametrize(
    "prefix,title,authors",
    [
        ("001", "提标提速提能力 敢闯敢干敢争先", ["薛蓓蓓"]),  # ■ 本报记者 X
        ("001", "我市首月贷款投放量超百亿元", ["尹腾淑"]),  # 本报讯(记者 X)
        ("003", "锦州今年计划实施 “揭榜挂帅”科技攻关项目20个", ["崔治"]),  # 记者X报道
        (
            "004",
            "青岛西海岸新区扎实开展“作风能力提升年” 推进作风建设常态化长效化",
            ["李晓哲", "刘伟"],
        ),
        ("000", "央媒聚焦!垦利作风提优 激荡高质量发展春潮!", ["赵德科"]),  # 编辑 / X
        ("001", "干工作,多问几个为什么", ["鞠圣娇"]),  # ■ X
        ("003", "大连石化“减油增化” 推动绿色发展", ["杨丽娟"]),  # …。本报记者 X
    ],
)
def test_every_byline_shape_gives_the_authors(prefix, title, authors):
    assert article(prefix, title).authors == authors


def test_reporters_are_authors_not_people():
    for prefix in ("000", "001", "002", "003", "004"):
        for a in parsed(prefix).articles:
            assert not set(a.authors) & {p.name for p in a.people}


def test_column_break_inside_a_word_is_repaired():
    first = article("001", "提标提速提能力 敢闯敢干敢争先")
    assert "中国交通建设股份有限公司第二公路工程局总经理云峰说" in first.body
    assert "走在前。2022年" in first.body
    talk = article("001", "课后的对话")
    assert "作为莘县燕店镇卫生院" in talk.body


def test_real_paragraph_breaks_are_kept():
    first = article("001", "提标提速提能力 敢闯敢干敢争先")
    assert first.body.count("\n\n") >= 6


def test_repeated_sentence_is_dropped_once():
    talk = article("001", "课后的对话")
    assert talk.body.count("尹金朝道出了学员们的心声,而这也是举办这次培训班的初衷。") == 1
    assert any("repeated sentence" in r for r in talk.repairs)


def test_fragment_pasted_out_of_place_is_moved_back_where_its_sentence_continues():
    talk = article("001", "课后的对话")
    assert "“全国示范性老年友好型社区”" in talk.body
    assert talk.body.rstrip().endswith("徐振涛表示。")
    first = article("001", "提标提速提能力 敢闯敢干敢争先")
    assert "我留意了大家的聊天内容" not in first.body


def test_two_line_heading_with_subtitle_dash():
    a = article("002", "火线“逆行”只为人民安康")
    assert a.subtitle == "宣化区卫健系统疫情防控阻击战纪实"
    b = article("003", "守医者仁心 护百姓健康")
    assert b.subtitle == "建平县医院发挥党建引领作用提升医疗服务能力纪实"


def test_column_labels_are_not_titles():
    all_titles = [t for p in ("001", "003") for t in titles(p)]
    for label in ("权威发布", "水城漫谈", "目击", "山东新闻专栏"):
        assert label not in all_titles
    assert "新闻发布会再次到“田间”" in all_titles


def test_month_day_dates_get_the_year_from_the_page():
    assert article("001", "我市首月贷款投放量超百亿元").published == "2023-02-21"
    assert article("003", "铁岭党员干部 结对帮扶3116名困难群众").published == "2022-01-11"
    assert article("000", "央媒聚焦!垦利作风提优 激荡高质量发展春潮!").published == "2022-04-22"


def test_spans_lie_inside_the_text_and_do_not_overlap():
    for prefix in ("000", "001", "002", "003", "004"):
        record = parsed(prefix)
        spans = sorted(a.span for a in record.articles)
        for (a0, a1), (b0, _) in zip(spans, spans[1:], strict=False):
            assert a0 < a1 <= b0
        assert spans[-1][1] <= record.text_chars
