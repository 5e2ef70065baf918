"""The known-officials dictionary in the parse (pure: the dictionary is built by hand here;
tests/test_known_officials.py builds it from what curators confirmed in the database)."""

import pickle

from archive.extraction.known import KnownOfficial, KnownOfficials
from archive.extraction.pipeline import parse

GAO = KnownOfficial("高峰", "县长", "临江县人民政府", aliases=("高锋",))


def people_of(body: str, known: KnownOfficials | None, title: str = "临江县推进道路建设"):
    record = parse(f"{title}\n\n{body}\n".encode(), "page.txt", known=known)
    return {p.name: p for a in record.articles for p in a.people}


def test_a_known_official_followed_by_a_speech_verb_is_a_person():
    body = "高峰表示，今年将新建农村公路20公里，确保群众出行方便，全县道路建设提速。"
    assert "高峰" in people_of(body, KnownOfficials([GAO]))


def test_a_known_official_gets_the_title_the_text_writes_before_the_name():
    body = "县交通运输局局长高峰在调研时要求，加快推进农村公路建设，全县道路建设提速。"
    person = people_of(body, KnownOfficials([GAO]))["高峰"]
    assert person.title == "局长"


def test_a_known_name_without_a_role_in_the_text_is_not_a_person():
    body = "这里群山连绵，高峰耸立，游客沿着新修的步道登顶，一路风景如画，全县旅游持续升温。"
    assert "高峰" not in people_of(body, KnownOfficials([GAO]))


def test_an_alias_is_reported_under_the_canonical_name():
    body = "副县长高锋说，今年将新建农村公路20公里，确保群众出行方便，全县道路建设提速。"
    found = people_of(body, KnownOfficials([GAO]))
    assert "高峰" in found and "高锋" not in found


def test_a_name_curators_rejected_is_dropped_even_when_the_rules_find_it():
    body = "副县长高锋说，今年将新建农村公路20公里，确保群众出行方便，全县道路建设提速。"
    assert "高锋" in people_of(body, None)
    assert "高锋" not in people_of(body, KnownOfficials([], rejected=["高锋"]))


def test_a_known_name_inside_a_longer_name_is_not_found():
    known = KnownOfficials([KnownOfficial("李明")])
    assert known.find("村民李明亮说，路修好了，出行方便多了") == []


def test_the_dictionary_travels_to_worker_processes():
    known = KnownOfficials([GAO], rejected=["文明"])
    known.find("高峰说，好")  # builds the automaton, which is rebuilt after pickling
    copy = pickle.loads(pickle.dumps(known))
    assert [s.official.name for s in copy.find("副县长高锋说，好")] == ["高峰"]
    assert copy.is_rejected("文明")


def test_a_speech_verb_must_be_a_word_of_its_own():
    known = KnownOfficials([GAO])
    assert known.find("用电高峰说明了电网的压力") == []
    assert [s.official.name for s in known.find("高峰说，今年要加快进度")] == ["高峰"]
