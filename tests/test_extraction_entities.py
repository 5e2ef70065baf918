"""Regions, officials, quotes and tags on real-looking sentences (no database)."""

import pytest

from archive.extraction.entities import enrich, tags_for
from archive.extraction.officials import find_people, merge_people
from archive.extraction.quotes import find_quotes
from archive.extraction.records import ArticleRecord
from archive.extraction.regions import resolve


def codes(text):
    return {r.code for r in resolve(text)}


@pytest.mark.parametrize(
    "text,wrong",
    [
        ("推动上海城市数字化转型的总体要求", "210381"),  # 上海城市 is not 海城市
        ("成立农民专业合作社，加强合作", "623001"),  # 合作 is not 合作市
        ("火线逆行只为人民安康", "610900"),  # 人民安康 is not 安康市
        ("莘县争创省级现代农业示范县", "371526"),  # 示范县 is not 范县
        ("秦蜀古道与石门石刻", "430726"),  # 石门石刻 is not 石门县
        ("鼓楼区召开专题会议", "320106"),  # ambiguous without a city: left unresolved
        ("朝阳区召开专题会议", "110105"),
    ],
)
def test_free_text_traps_stay_unmatched(text, wrong):
    assert wrong not in codes(text)


def test_ambiguous_district_is_resolved_by_its_city_in_the_article():
    assert "320106" in codes("南京市鼓楼区召开专题会议")
    assert "350102" in codes("福州市鼓楼区召开专题会议")


def test_short_names_and_renamed_districts_resolve():
    found = codes("聊城与汉中两地交流；青岛西海岸新区扎实开展作风能力提升年活动")
    assert {"371500", "610700", "370211"} <= found


def test_township_is_taken_after_its_county():
    refs = resolve("作为莘县燕店镇卫生院的当家人")
    town = next(r for r in refs if r.level == "township")
    assert (town.name, town.code, town.parent_code) == ("燕店镇", None, "371522")


def test_headline_place_is_primary_and_passing_mention_is_not():
    title = "垦利作风提优 激荡高质量发展春潮"
    refs = resolve(
        f"{title}\n垦利区以活动为切入点。垦利区招商引资工作领导小组在江西签订协议。", len(title) + 1
    )
    by_code = {r.code: r for r in refs}
    assert by_code["370505"].primary
    assert not by_code["360000"].primary


@pytest.mark.parametrize(
    "sentence,name,title,org",
    [
        ("莘县卫生健康局党组书记、局长徐振涛表示，", "徐振涛", "党组书记、局长", "莘县卫生健康局"),
        ("会上，市政协副主席王建国说。", "王建国", "副主席", "市政协"),
        (
            "东营港经济开发区党工委委员、管委会副主任张俊峰介绍。",
            "张俊峰",
            "党工委委员、管委会副主任",
            "东营港经济开发区",
        ),
        (
            "石大胜华集团有限公司董事长郭天明的感谢之情溢于言表。",
            "郭天明",
            "董事长",
            "石大胜华集团有限公司",
        ),
        ("上海儿童医院院长于广军:医疗机构的数字化转型之路", "于广军", "院长", "上海儿童医院"),
        ("变电村党总支书记林生说。", "林生", "党总支书记", "变电村"),
        ("区卫健局医政科科长李桂荣动情地说：", "李桂荣", "科长", "区卫健局医政科"),
        ("他请教了专家欧阳明华(汉中市博物馆研究员)。", "欧阳明华", "研究员", "汉中市博物馆"),
        ("欧阳振华（顺德区美的集团副总裁）在会上介绍。", "欧阳振华", "副总裁", "顺德区美的集团"),
        ("李德明，东坝头镇党委书记，告诉记者：", "李德明", "党委书记", "东坝头镇"),
        ("镇长周建国带队走访企业。", "周建国", "镇长", None),
        ("湄潭县委副书记、县长杨明锐介绍，", "杨明锐", "县委副书记、县长", "湄潭县"),
        ("会上，市委常委、副市长贺立军强调，", "贺立军", "市委常委、副市长", None),
        ("兰考县委书记宋立新说。", "宋立新", "县委书记", "兰考县"),
        (
            "高俊峰是金沙绿洲生态建设有限公司总经理，",
            "高俊峰",
            "总经理",
            "金沙绿洲生态建设有限公司",
        ),
        ("杭锦旗委副书记、旗长包海龙说：", "包海龙", "旗委副书记、旗长", "杭锦旗"),
    ],
)
def test_title_chain_is_split_into_organisation_and_title(sentence, name, title, org):
    people = merge_people(find_people(sentence))
    assert [(p.name, p.title, p.organization) for p in people] == [(name, title, org)]


@pytest.mark.parametrize(
    "sentence",
    [
        "骨龄人工智能辅助诊断系统将医师平均阅片时间缩短。",  # 平均 is a word, not a name
        "邀请全国各地的鞍商代表齐聚家乡、共谋发展。",  # 齐聚 is a verb
        "作为编委会主任和主编，我欣然应允为本书作序。",  # 和主编 is no name
        "智慧医院建设尚处于初级阶段，杜鹃花开满山。",
    ],
)
def test_words_that_look_like_names_are_not_people(sentence):
    assert find_people(sentence) == []


def test_a_chain_does_not_reach_back_over_the_previous_person():
    people = merge_people(find_people("县委书记张三、县长李四一同调研。"))
    assert [(p.name, p.title, p.organization) for p in people] == [
        ("张三", "县委书记", None),
        ("李四", "县长", None),
    ]


def test_names_listed_after_one_title_share_it():
    people = merge_people(find_people("市政协副主席刘玉芳、司马建国、何志强出席会议。"))
    assert [(p.name, p.title, p.organization) for p in people] == [
        ("刘玉芳", "副主席", "市政协"),
        ("司马建国", "副主席", "市政协"),
        ("何志强", "副主席", "市政协"),
    ]


def test_a_name_after_a_verb_and_comma_role_needs_its_clause():
    """李德明，…书记 only when the name opens its clause (or follows 了/对/向…)."""
    assert [p.name for p in find_people("记者采访了李德明，东坝头镇党委书记，他说")] == ["李德明"]
    assert find_people("今年种植面积达到张家口，镇党委书记，") == []


def test_authors_are_excluded_from_people():
    assert find_people("本报记者 薛蓓蓓，市委书记薛蓓蓓说", exclude={"薛蓓蓓"}) == []


def quotes_of(body):
    art = ArticleRecord(title="", body=body, span=(0, len(body)))
    enrich([art])
    return [(q.speaker, q.text[:8]) for q in art.quotes]


def test_quote_with_speaker_after_it():
    body = (
        "“聊城是创业的宝地和福地，我们很看好。”中国交通建设股份有限公司第二公路工程局总经理云峰说。"
    )
    assert quotes_of(body) == [("云峰", "聊城是创业的宝地")]


def test_quote_with_speaker_before_it_and_adverb():
    body = "莘县卫生健康局党组书记、局长徐振涛听到了大家的对话，插话道：“大家很多都是单位的一把手，肩上的担子很重。”"
    assert quotes_of(body) == [("徐振涛", "大家很多都是单位")]


def test_pronoun_and_title_references_resolve_to_the_named_person():
    body = (
        "莘县卫生健康局党组书记、局长徐振涛出席会议。\n\n"
        "他表示：“我们要把培训成果转化为工作动力，推动工作落地。”\n\n"
        "“成效很好，但是还要继续努力。”徐局长说。"
    )
    assert quotes_of(body) == [("徐振涛", "我们要把培训成果"), ("徐振涛", "成效很好，但是还")]


def test_slogans_in_quotes_are_not_quotes_of_a_person():
    body = "市政协副主席王建国表示，要开展“作风能力提升年”活动，贯彻“严真细实快”要求。"
    assert quotes_of(body) == []


def test_quote_without_any_speaker_is_not_attributed():
    people = merge_people(find_people("变电村党总支书记林生出席。"))
    assert people
    assert (
        find_quotes("“这节课真好，听了之后很振奋。”“我也这么觉得。”这场对话发生在会议室。", [])
        == []
    )


def test_campaign_slogans_and_curated_topics_become_tags():
    tags = tags_for("", "开展“作风能力提升年”活动，坚持“三提三敢”，推动高质量发展。")
    assert {"作风能力提升年", "三提三敢", "高质量发展"} <= set(tags)


def test_a_colon_binds_the_quote_to_the_speaker_before_it():
    """The person named after the quote is the next speaker, not this one's."""
    body = (
        "北林区委副书记、区长上官晓东在签约仪式上说：“北林区将为签约企业提供全流程代办服务，确保项目当年开工。”"
        "绥化昊天米业有限公司总经理韩立新表示，看中的是当地良好的营商环境。"
    )
    assert quotes_of(body) == [("上官晓东", "北林区将为签约企")]


def test_a_quote_inside_the_speakers_own_sentence_is_theirs():
    body = (
        "湘西州博物馆馆长田晓梅表示，展览将持续至6月20日，其间还将举办书法讲座，"
        "“让湘西的孩子们在家门口就能近距离感受千年石刻之美”。"
    )
    assert quotes_of(body) == [("田晓梅", "让湘西的孩子们在")]


def test_a_quote_after_the_speakers_sentence_continues_it():
    body = (
        "广东省援疆前方指挥部副总指挥李国梁介绍，下一步将重点引进服装设计等上下游企业。"
        "“我们希望五年后，这里不仅能做加工，还能自己出设计、出品牌。”"
    )
    assert quotes_of(body) == [("李国梁", "我们希望五年后，")]


def test_a_surname_and_title_after_a_comma_refer_to_the_named_official():
    body = (
        "市水务局党组书记、局长孙振东介绍，目前全市水库均在汛限水位以下运行。"
        "对于下一步的工作，孙局长说：“我们已经安排专人盯守重点水库和堤段，确保抢险队伍及时到达。”"
    )
    assert quotes_of(body) == [("孙振东", "我们已经安排专人")]


def test_a_town_named_alone_belongs_to_the_articles_one_county():
    text = (
        "顺德区推进村级工业园改造。\n北滘镇是顺德村改的先行区，在千灯镇一家企业里……位于佛堂镇的园区"
    )
    towns = {(r.name, r.parent_code) for r in resolve(text) if r.level == "township"}
    # 千灯镇 and 佛堂镇 are towns too; with 顺德区 the only county here, all go under it
    assert ("北滘镇", "440606") in towns
    assert all(parent == "440606" for _, parent in towns)
    assert not any(name.startswith(("在", "位于")) for name, _ in towns)


def test_a_town_sharing_a_county_short_name_is_not_that_county():
    """湄潭县兴隆镇 is a town of 湄潭县, not 兴隆县 in Hebei; 海北镇 is not 海北州."""
    names = [r.name for r in resolve("走进遵义市湄潭县兴隆镇田坝村，在海伦市海北镇通肯河堤段")]
    assert "兴隆县" not in names and "海北藏族自治州" not in names
    assert "兴隆镇" in names


def test_reporters_names_are_not_places():
    art = ArticleRecord(
        title="湄潭茶产业富了一方百姓",
        body="人民网遵义5月16日电（记者 潘晓燕 通讯员 龙金华）初夏时节，走进遵义市湄潭县。",
        span=(0, 10),
        authors=["潘晓燕", "龙金华"],
    )
    enrich([art])
    assert "金华市" not in [r.name for r in art.regions]
    assert "湄潭县" in [r.name for r in art.regions]


def test_the_place_an_article_is_about_is_primary_not_its_province():
    text = (
        "湄潭：一片茶叶富了一方百姓\n人民网遵义5月16日电 初夏时节，走进遵义市湄潭县兴隆镇，"
        "湄潭县茶园连片。贵州省茶产业大会上，湄潭县的茶叶备受关注，湄潭县将继续推进。"
    )
    primary = {
        r.name for r in resolve(text, title_len=len("湄潭：一片茶叶富了一方百姓") + 1) if r.primary
    }
    assert primary == {"湄潭县"}  # the headline's county, not the dateline's city above it
