"""People introduced by a role and the quotations they speak (invented, real-looking text)."""

import pytest

from archive.extraction.officials import find_people, merge_people
from archive.extraction.quotes import find_quotes, find_speakers


def people_of(text: str) -> dict[str, str | None]:
    return {p.name: p.title for p in merge_people(find_people(text))}


def quotes_of(text: str) -> list[tuple[str, str]]:
    found = find_people(text)
    found += find_speakers(text, {f.name for f in found})
    return [(q.speaker, q.text[:6]) for q in find_quotes(text, found)]


@pytest.mark.parametrize(
    "sentence, name, role",
    [
        ("清晨，村民周德旺推着三轮车去集市卖菜。", "周德旺", "村民"),
        ("种粮大户韩春生算了一笔账，今年亩产又高了。", "韩春生", "种粮大户"),
        ("老党员邱守义每天在村口的调解室坐班。", "邱守义", "老党员"),
        ("前来办理社保的市民林晓雯刚刚拿到新卡。", "林晓雯", "市民"),
        ("县城管执法大队大队长方立群对此深有感触。", "方立群", "大队长"),
    ],
)
def test_villager_introduced_by_role_is_a_person(sentence, name, role):
    people = people_of(sentence)
    assert name in people
    assert role in (people[name] or "")


def test_title_chain_keeps_words_that_name_no_body():
    # 行政 before 院长 is no organisation: the title as written is 行政院长.
    people = people_of("行政院长郑永涛今日南下视察防汛工作。")
    assert people == {"郑永涛": "行政院长"}


def test_party_branch_post_stays_in_the_title():
    people = merge_people(find_people("东坪村党支部副书记梁志远一头扎进了果园。"))
    assert [(p.name, p.title, p.organization) for p in people] == [
        ("梁志远", "党支部副书记", "东坪村")
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "经查，村民陈某某虚报面积，冒领补贴。",
        "广大基层干部应引以为戒，守住底线。",
        "要求党员干部把准方向，真抓实干。",
    ],
)
def test_anonymised_or_everyday_words_are_not_people(sentence):
    assert people_of(sentence) == {}


def test_name_cut_short_is_made_whole_by_its_other_mentions():
    text = "市民龚雪瑶刚刚办完手续。不到两分钟，龚雪瑶就拿到了证件。"
    assert "龚雪瑶" in people_of(text)


def test_colon_after_a_clause_about_the_person_binds_the_quote():
    text = "果农韩春生信心满满：“明年我们还要再扩种五十亩，销路一点不愁。”"
    assert quotes_of(text) == [("韩春生", "明年我们还要")]


def test_quote_split_by_its_speech_verb_counts_twice():
    text = "“这条路修好以后，果子运出去快多了。”村民周德旺说，“我们心里也踏实了。”"
    assert quotes_of(text) == [("周德旺", "这条路修好以"), ("周德旺", "我们心里也踏")]


def test_quotes_in_a_row_share_their_speaker():
    text = "社区党委书记邵明辉强调：“要把小事办好，把实事办实。”“群众的事没有小事。”"
    assert [s for s, _ in quotes_of(text)] == ["邵明辉", "邵明辉"]


def test_the_person_of_the_sentence_before_speaks_an_unattributed_quote():
    text = "看到新的排班表后，村医邱守义松了一口气。“以前一个人要跑三个村，现在轮着来了。”"
    assert quotes_of(text) == [("邱守义", "以前一个人要")]


def test_role_after_a_verb_of_office_is_the_persons_title():
    text = "去年5月，贺守仁当选业委会主任。在新一届委员中，贺守仁全票当选小区党委书记，干劲更足。"
    assert people_of(text) == {"贺守仁": "小区党委书记"}


def test_bare_political_body_before_a_title_is_part_of_it():
    assert people_of("会上，政协副主席温立新作了发言。") == {"温立新": "政协副主席"}


def test_descriptor_inside_a_body_name_does_not_start_the_chain():
    people = merge_people(find_people("县退役军人事务局党组书记、局长钟德海主持会议。"))
    assert [(p.name, p.title) for p in people] == [("钟德海", "党组书记、局长")]


def test_name_written_before_its_title_speaks_the_quote():
    text = "会议指出，总书记的要求要落到实处。对此，龚志明市长强调：“防汛准备一天也不能松。”"
    assert quotes_of(text) == [("龚志明", "防汛准备一天")]


def test_the_person_spoken_to_is_not_the_speaker():
    text = "村党支部书记甘立群上门推广。有村民直接跟甘立群说：“你们天天来，到底图什么？”"
    assert quotes_of(text) == []


def test_a_short_sentence_in_quotes_is_speech():
    text = "“规矩立起来了。”东岭社区党总支书记温秀兰坦言，“大家办事心里有底。”"
    assert quotes_of(text) == [("温秀兰", "规矩立起来了"), ("温秀兰", "大家办事心里")]


def test_role_missing_from_the_lists_is_read_from_its_ending():
    people = merge_people(find_people("开发区企业服务中心专管员韩思远每周都到园区走访。"))
    assert [(p.name, p.title, p.organization) for p in people] == [
        ("韩思远", "专管员", "开发区企业服务中心")
    ]


def test_traditional_page_keeps_names_as_printed():
    from archive.extraction.pipeline import parse

    page = (
        "市府推動老街區改造 居民讚好\n\n"
        "高雄市長陳明德今（3）日視察老街區改造工程，議員林佳蓉、吳振興陪同。"
        "陳明德表示：「老街區改造要讓居民住得安心，也要留住城市的記憶。」\n"
    )
    (article,) = parse(page.encode("utf-8"), "press.txt").articles
    assert {p.name for p in article.people} == {"陳明德", "林佳蓉", "吳振興"}
    assert [(q.speaker, q.text[:5]) for q in article.quotes] == [("陳明德", "老街區改造")]


def test_surname_and_form_of_address_is_not_a_person():
    text = "“以前下雨就积水，现在路修好了，出门方便多了。”家住附近的杜大叔笑着说。王先生表示：“希望能早点通车。”"
    assert people_of(text) == {}
    found = find_speakers(text, set())
    assert {f.name for f in found} == set()


def test_rare_place_word_after_a_title_and_before_a_verb_is_a_name():
    # 韩城 is in jieba's dictionary as a place; after a post and before a verb it is a person.
    assert "韩城" in people_of("田间地头，村党支部书记韩城拉住一名村民耐心解释。")
