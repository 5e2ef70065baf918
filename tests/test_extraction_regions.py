"""Places an article is about: one primary place, from the headline, dateline and lead.

The texts are invented, shaped like national-paper, portal and city-government reports."""

import pytest

from archive.extraction.regions import gazetteer, outlet_home, resolve


def places(title: str, body: str) -> list:
    return resolve(f"{title}\n{body}", title_len=len(title) + 1)


def primary(title: str, body: str) -> set[str]:
    return {r.name for r in places(title, body) if r.primary}


def test_the_district_a_headline_names_after_its_city_is_primary_not_its_city_or_the_bureau():
    title = "四川绵阳涪城区专项整治群众身边不正之风"
    body = (
        "本报成都6月3日电  （记者周明远）四川省绵阳市涪城区纪委监委聚焦群众急难愁盼，"
        "对惠民资金发放开展专项监督。\n\n涪城区纪委监委建立问题台账，逐项督办。"
        "今年以来，涪城区已整改问题40余个。"
    )
    assert primary(title, body) == {"涪城区"}


def test_a_city_whose_story_names_several_of_its_districts_stays_the_city():
    title = "山东烟台市推进老旧小区改造"
    body = (
        "烟台市把老旧小区改造作为民生实事，全市统筹推进。芝罘区试点“先议后改”，"
        "莱山区组织居民参与方案设计，福山区建立长效管护机制。烟台市今年计划改造小区120个。"
    )
    assert primary(title, body) == {"烟台市"}


def test_a_partner_province_in_the_headline_loses_to_the_county_the_story_happens_in():
    title = "山东援青干部带动青海刚察县牧区振兴"
    body = (
        "在青海省海北藏族自治州刚察县的牧场上，援青干部正在指导牧民分群饲养。"
        "近年来，刚察县引进良种、建设暖棚，刚察县牧民收入逐年增长。来自山东的干部说，"
        "要把产业留在当地。"
    )
    assert primary(title, body) == {"刚察县"}


def test_a_city_and_a_county_named_apart_in_a_headline_make_the_city_primary():
    title = "徐州至邳州快速路部分路段封闭施工"
    body = "因道路改造，徐州至邳州快速路部分路段封闭，邳州方向车辆请绕行。徐州交警提醒注意出行。"
    assert primary(title, body) == {"徐州市"}


def test_a_commentary_that_names_a_place_once_in_passing_has_no_primary_place():
    title = "减负不能只停留在文件上"
    body = (
        "为基层减负，关键在于落实。有的地方文件发了不少，会议开了不少，基层的担子却没有轻，"
        "干部仍忙于填表报数。\n\n好的做法值得借鉴，比如成都市清理了一批考核事项。减负要减到实处。"
    )
    assert primary(title, body) == set()


def test_an_op_ed_author_note_names_the_place_the_piece_is_about():
    title = "让年轻干部在一线成长"
    body = (
        "年轻干部是事业发展的生力军。这些年，我们坚持把年轻干部放到项目一线、信访一线，"
        "让他们在解决问题中长本领。\n\n（作者为甘肃省张掖市甘州区委书记）"
    )
    assert primary(title, body) == {"甘州区"}


def test_a_county_short_name_inside_a_person_s_name_is_no_place():
    title = "山东青岛市以党建引领物业管理"
    body = (
        "青岛市推动社区党组织、业委会、物业企业协同议事。“过去大家各说各的。”"
        "居民代表郭临海说，现在议事会每月开一次。郭临海介绍，小区的停车难题已经解决。"
    )
    names = {r.name for r in places(title, body)}
    assert "临海市" not in names
    assert primary(title, body) == {"青岛市"}


def test_a_two_character_county_inside_a_longer_word_is_no_place():
    refs = resolve("县委副书记、代县长张明在县武警中队和县消防救援大队调研，随县委书记一同检查")
    assert {r.name for r in refs} == set()


def test_a_town_name_ends_where_a_word_ends():
    refs = resolve("黑龙江省绥化市青冈县积极探索乡村振兴新路")
    assert "township" not in {r.level for r in refs}


def test_an_autonomous_prefecture_written_with_zhou_resolves_to_its_full_name():
    refs = resolve("恩施州推进硒产业发展，恩施州各县市积极行动")
    assert ("恩施土家族苗族自治州", "422800") in {(r.name, r.code) for r in refs}


def test_a_taiwan_city_is_a_place_without_a_code():
    title = "臺南市長出席全國運動會授旗典禮"
    body = "臺南市政府今日舉行授旗典禮，市長勉勵選手全力以赴，為台南爭光。"
    refs = places(title, body)
    tainan = next(r for r in refs if r.name == "臺南市")
    assert (tainan.code, tainan.level, tainan.parent_code) == (None, "prefecture", "710000")
    assert tainan.primary


def test_a_taiwan_short_name_that_is_a_mainland_district_keeps_the_district():
    assert gazetteer().names["新北"] == {"320411"}  # 常州市新北区, not 新北市


def test_a_short_county_name_written_after_ordinary_words_stays_a_place():
    refs = resolve("签约企业位于昆山，看中的是昆山完整的产业链。位于昆山的工厂已投产")
    assert "昆山市" in {r.name for r in refs}


def test_a_short_county_name_always_written_after_one_character_is_part_of_a_longer_name():
    refs = resolve("游客登上南江口观景台。南江口地势险要，南江口的晚霞很美")
    assert refs == []


def test_a_county_site_article_that_says_our_county_is_about_the_outlet_s_county():
    from archive.extraction.entities import enrich
    from archive.extraction.records import ArticleRecord

    body = "3月5日，我县召开春耕生产推进会，部署全县粮食生产工作。会议要求各乡镇抓好农资供应。"
    art = ArticleRecord(title="我县部署春耕生产", body=body, span=(0, 0), source="湄潭县融媒体中心")
    enrich([art])
    assert [(r.name, r.primary) for r in art.regions] == [("湄潭县", True)]


def test_a_national_paper_has_no_home_place():
    from archive.extraction.entities import enrich
    from archive.extraction.records import ArticleRecord

    body = "全省各地加快推进春耕生产，农资供应充足，机械化水平不断提高，粮食生产开局良好。"
    art = ArticleRecord(title="春耕生产开局良好", body=body, span=(0, 0), source="人民日报")
    enrich([art])
    assert art.regions == []


@pytest.mark.parametrize(
    "outlet,home",
    [
        ("聊城日报", {"371500"}),
        ("掌上绥德", {"610826"}),
        ("湄潭县融媒体中心", {"520328"}),
        ("浙江日报", {"330000"}),
        ("光明日报", set()),  # a national paper, not one of 光明区
        ("解放日报", set()),  # 解放 is a word first
    ],
)
def test_an_outlet_s_home_place_is_read_from_its_name(outlet, home):
    assert outlet_home(outlet) == home


def test_an_article_naming_several_counties_of_one_city_alike_is_about_the_city():
    title = "春耕生产有序推进"
    body = (
        "连日来，各地抢抓农时，全力推进春耕生产。\n\n莘县组织农技人员下田指导，"
        "阳谷县调配农机300余台，东阿县开展农资质量检查，确保农资供应充足。"
    )
    assert primary(title, body) == {"聊城市"}


def test_two_counties_of_one_province_in_a_headline_do_not_make_the_province_primary():
    title = "山东莘县考察团赴寿光学习蔬菜产业"
    body = (
        "近日，莘县组织考察团赴寿光市学习蔬菜产业发展经验。考察团一行参观了寿光蔬菜"
        "产业园，莘县将借鉴寿光经验，推动本县蔬菜产业提档升级。"
    )
    assert primary(title, body) <= {"莘县", "寿光市"} and len(primary(title, body)) == 1


def test_a_short_county_name_in_an_organisation_is_read_with_the_article_s_places():
    from archive.extraction.entities import organisation_region

    assert organisation_region("昆山开发区管委会", {"320500"}) == "320583"  # 苏州市 named


def test_a_place_written_twice_after_a_preposition_stays_a_place():
    refs = resolve("客商们在昆山考察，企业在昆山投资建厂，项目在昆山落地")
    assert "昆山市" in {r.name for r in refs}


def test_a_city_short_name_in_a_person_s_name_is_no_place():
    refs = resolve("种植大户张长春说，今年收成不错。张长春介绍，合作社带动了30户农户")
    assert "长春市" not in {r.name for r in refs}


def test_the_place_in_the_headline_beats_a_place_only_the_body_repeats():
    title = "青海刚察县牧民增收有了新路子"
    body = (
        "今年以来，牧区合作社与外地企业签订了供货协议，产品走出高原。\n\n"
        "上海的企业派来技术人员，上海的销售渠道打开了市场，上海客商还在当地设立收购点，"
        "上海消费者也认可了高原牛羊肉。"
    )
    assert primary(title, body) == {"刚察县"}
