"""OAI-PMH 2.0 at /oai/ (issue #22): every verb's response validates against the OAI's
XML schema (oai_dc records against oai_dc.xsd), every error code the protocol defines
for bad arguments, sets, from/until, deleted records and resumption tokens; and a real
harvester library (sickle) harvests the demo archive from a live server."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from lxml import etree

from archive.curation import set_status
from archive.models import Article
from archive.oai import protocol

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).resolve().parent / "oai_schemas"
NS = {"o": protocol.OAI_NS, "dc": protocol.DC_NS, "oai_dc": protocol.OAI_DC_NS}


class LocalSchemas(etree.Resolver):
    """schemaLocation URLs → the copies in tests/oai_schemas (no network)."""

    def resolve(self, url, pubid, context):
        local = SCHEMAS / url.rsplit("/", 1)[-1]
        if local.exists():
            return self.resolve_filename(str(local), context)
        return None


def load_schema(name):
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(LocalSchemas())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


OAI_SCHEMA = load_schema("OAI-PMH.xsd")
DC_SCHEMA = load_schema("oai_dc.xsd")


def valid(content):
    """Parse a response, validate it and each of its oai_dc records; return the tree."""
    doc = etree.fromstring(content)
    OAI_SCHEMA.assertValid(doc)
    for dc in doc.iterfind(".//oai_dc:dc", NS):
        DC_SCHEMA.assertValid(etree.ElementTree(dc))
    return doc


def oai(client, **args):
    response = client.get("/oai/", args)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return valid(response.content)


def error_codes(doc):
    return [e.get("code") for e in doc.iterfind("o:error", NS)]


@pytest.fixture
def demo(db, gazetteer, settings):
    """The demo archive (fixtures/raw, as `make run` imports it) with one article hidden."""
    settings.DIFANG_OAI_PAGE_SIZE = 4
    call_command("import_raw", str(ROOT / "fixtures" / "raw"), stdout=io.StringIO())
    articles = list(Article.objects.order_by("pk"))
    assert len(articles) > 8, "the demo archive is large enough to need tokens"
    set_status(Article.objects.filter(pk=articles[0].pk), Article.ReviewStatus.HIDDEN)
    return articles


def harvest(client, verb, **args):
    """Every header of a list, following tokens; also the number of pages."""
    headers, pages = [], 0
    while True:
        doc = oai(client, verb=verb, **args)
        pages += 1
        headers += doc.findall(".//o:header", NS)
        token = doc.find(".//o:resumptionToken", NS)
        if token is None or not token.text:
            return headers, pages
        args = {"resumptionToken": token.text}


def test_identify_names_the_repository_and_its_deletion_policy(client, demo):
    doc = oai(client, verb="Identify")
    ident = doc.find("o:Identify", NS)
    assert ident.findtext("o:baseURL", namespaces=NS) == "http://testserver/oai/"
    assert ident.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert ident.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert ident.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert doc.find("o:request", NS).get("verb") == "Identify"


def test_list_metadata_formats_offers_oai_dc(client, demo):
    doc = oai(client, verb="ListMetadataFormats")
    assert doc.findtext(".//o:metadataPrefix", namespaces=NS) == "oai_dc"
    one = oai(client, verb="ListMetadataFormats", identifier=f"oai:difang:{demo[1].pk}")
    assert one.findtext(".//o:metadataPrefix", namespaces=NS) == "oai_dc"


def test_list_sets_has_provinces_and_sources(client, demo):
    doc = oai(client, verb="ListSets")
    specs = [s.text for s in doc.iterfind(".//o:setSpec", NS)]
    assert "province" in specs and "source" in specs
    assert "province:370000" in specs and len([s for s in specs if s.startswith("province:")]) == 34
    assert any(s.startswith("source:") for s in specs)


def test_list_records_pages_through_every_published_article_and_the_hidden_one(client, demo):
    headers, pages = harvest(client, "ListRecords", metadataPrefix="oai_dc")
    published = Article.objects.public().count()
    assert len(headers) == published + 1 and pages > 1
    deleted = [h for h in headers if h.get("status") == "deleted"]
    assert [h.findtext("o:identifier", namespaces=NS) for h in deleted] == [
        f"oai:difang:{demo[0].pk}"
    ]
    ids = [h.findtext("o:identifier", namespaces=NS) for h in headers]
    assert len(set(ids)) == len(ids)


def test_list_identifiers_matches_list_records(client, demo):
    records, _ = harvest(client, "ListRecords", metadataPrefix="oai_dc")
    headers, _ = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc")
    ident = [h.findtext("o:identifier", namespaces=NS) for h in headers]
    assert ident == [h.findtext("o:identifier", namespaces=NS) for h in records]


def test_get_record_gives_the_dublin_core_of_an_article(client, demo):
    article = next(
        a for a in Article.objects.public().order_by("pk") if a.regions.exclude(code=None).exists()
    )
    doc = oai(
        client, verb="GetRecord", identifier=f"oai:difang:{article.pk}", metadataPrefix="oai_dc"
    )
    dc = doc.find(".//oai_dc:dc", NS)
    text = {child.tag.split("}")[1]: [] for child in dc}
    for child in dc:
        text[child.tag.split("}")[1]].append(child.text)
    assert text["title"] == [article.title]
    assert text["identifier"] == [f"http://testserver/article/{article.pk}/"]
    assert text["language"] == ["zh"]
    assert text.get("creator", []) == list(article.authors)
    if article.source:
        assert text["publisher"] == [article.source.name]
    if article.published:
        assert text["date"] == [article.published.isoformat()]
    codes = set(article.regions.exclude(code=None).values_list("code", flat=True))
    assert {c.rsplit(": ", 1)[1].rstrip(")") for c in text["coverage"] if "GB/T" in c} == codes
    header = doc.find(".//o:header", NS)
    sets = [s.text for s in header.iterfind("o:setSpec", NS)]
    assert {f"province:{c[:2]}0000" for c in codes} <= set(sets)


def test_get_record_of_a_hidden_article_is_a_deleted_header(client, demo):
    doc = oai(
        client, verb="GetRecord", identifier=f"oai:difang:{demo[0].pk}", metadataPrefix="oai_dc"
    )
    assert doc.find(".//o:header", NS).get("status") == "deleted"
    assert doc.find(".//o:metadata", NS) is None


def test_a_deleted_article_stays_a_deleted_record(client, demo):
    article = Article.objects.public().order_by("pk").first()
    pk = article.pk
    article.delete()
    doc = oai(client, verb="GetRecord", identifier=f"oai:difang:{pk}", metadataPrefix="oai_dc")
    assert doc.find(".//o:header", NS).get("status") == "deleted"
    headers, _ = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc")
    assert f"oai:difang:{pk}" in [h.findtext("o:identifier", namespaces=NS) for h in headers]


def test_an_article_sent_back_to_review_is_deleted_and_one_never_published_is_no_item(client, demo):
    set_status(Article.objects.filter(pk=demo[2].pk), Article.ReviewStatus.NEW)
    doc = oai(
        client, verb="GetRecord", identifier=f"oai:difang:{demo[2].pk}", metadataPrefix="oai_dc"
    )
    assert doc.find(".//o:header", NS).get("status") == "deleted"
    draft = Article.objects.create(
        title="尚未审核的稿件",
        body="青山县召开会议，部署下一阶段工作。",
        content_hash="d" * 64,
        review_status=Article.ReviewStatus.NEW,
    )
    for pk in (draft.pk, 999999):
        doc = oai(client, verb="GetRecord", identifier=f"oai:difang:{pk}", metadataPrefix="oai_dc")
        assert error_codes(doc) == ["idDoesNotExist"]
    headers, _ = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc")
    assert f"oai:difang:{draft.pk}" not in [
        h.findtext("o:identifier", namespaces=NS) for h in headers
    ]


def test_sets_narrow_the_list(client, demo):
    article = Article.objects.public().exclude(source=None).order_by("pk").first()
    source_set = f"source:{article.source_id}"
    headers, _ = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set=source_set)
    expected = set(
        Article.objects.filter(source_id=article.source_id, review_status="published").values_list(
            "pk", flat=True
        )
    )
    got = {int(h.findtext("o:identifier", namespaces=NS).rsplit(":", 1)[1]) for h in headers}
    assert got >= expected and got
    for h in headers:
        assert source_set in [s.text for s in h.iterfind("o:setSpec", NS)]
    province = next(
        c for c in Article.objects.public().values_list("regions__code", flat=True) if c
    )
    pset = f"province:{province[:2]}0000"
    headers, _ = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set=pset)
    assert headers and all(pset in [s.text for s in h.iterfind("o:setSpec", NS)] for h in headers)


def test_from_and_until_select_by_datestamp(client, demo):
    moved = Article.objects.public().order_by("pk")[3]
    later = dt.datetime(2030, 5, 1, 8, 0, 0, 500000, tzinfo=dt.UTC)
    Article.objects.filter(pk=moved.pk).update(updated_at=later)
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2030-05-01"})
    assert [h.text for h in doc.iterfind(".//o:identifier", NS)] == [f"oai:difang:{moved.pk}"]
    assert doc.findtext(".//o:datestamp", namespaces=NS) == "2030-05-01T08:00:00Z"
    doc = oai(
        client,
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": "2030-05-01T08:00:00Z", "until": "2030-05-01T08:00:00Z"},
    )
    assert len(doc.findall(".//o:header", NS)) == 1
    headers, _ = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", until="2030-04-30")
    assert f"oai:difang:{moved.pk}" not in [
        h.findtext("o:identifier", namespaces=NS) for h in headers
    ]
    doc = oai(client, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2031-01-01"})
    assert error_codes(doc) == ["noRecordsMatch"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "Identify", "set": "x"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-13-40"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-01-01T00:00Z"},
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2024-01-01",
                "until": "2024-01-02T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2024-02-01",
                "until": "2024-01-01",
            },
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "province:999999"},
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "abc"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "not-a-token"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "metadataPrefix": "mods", "identifier": "oai:difang:1"},
            "cannotDisseminateFormat",
        ),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elsewhere:1"},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "oai:difang:0"}, "idDoesNotExist"),
        (
            {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "until": "1990-01-01"},
            "noRecordsMatch",
        ),
    ],
)
def test_bad_arguments_get_the_protocols_error_code(client, demo, args, code):
    doc = oai(client, **args)
    assert error_codes(doc) == [code]
    request = doc.find("o:request", NS)
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}  # the protocol says: base URL only


def test_repeated_arguments_are_bad(client, demo):
    response = client.get("/oai/?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")
    assert error_codes(valid(response.content)) == ["badArgument"]
    response = client.get("/oai/?verb=Identify&verb=Identify")
    assert error_codes(valid(response.content)) == ["badVerb"]


def test_a_token_of_another_verb_is_refused(client, demo):
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = doc.findtext(".//o:resumptionToken", namespaces=NS)
    assert token
    assert error_codes(oai(client, verb="ListRecords", resumptionToken=token)) == [
        "badResumptionToken"
    ]


def test_a_forged_token_is_a_bad_resumption_token(client, demo):
    forged = protocol.encode_token({"verb": "ListRecords", "prefix": "oai_dc", "set": "nowhere"})
    assert error_codes(oai(client, verb="ListRecords", resumptionToken=forged)) == [
        "badResumptionToken"
    ]
    other = protocol.encode_token({"verb": "ListRecords", "prefix": "marc21"})
    assert error_codes(oai(client, verb="ListRecords", resumptionToken=other)) == [
        "badResumptionToken"
    ]


def test_post_is_answered_like_get(client, demo):
    response = client.post("/oai/", {"verb": "Identify"})
    assert response.status_code == 200
    assert valid(response.content).find("o:Identify", NS) is not None


def test_sickle_harvests_the_whole_demo_archive_from_a_live_server(live_server, settings):
    """A real OAI-PMH client over HTTP, across resumption tokens."""
    from sickle import Sickle

    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    call_command("import_raw", str(ROOT / "fixtures" / "raw"), stdout=io.StringIO())
    settings.DIFANG_OAI_PAGE_SIZE = 3
    first = Article.objects.public().order_by("pk").first()
    set_status(Article.objects.filter(pk=first.pk), Article.ReviewStatus.HIDDEN)
    published = {a.pk: a for a in Article.objects.public()}
    assert len(published) > 6

    harvester = Sickle(f"{live_server.url}/oai/", max_retries=1)
    assert harvester.Identify().deletedRecord == "persistent"
    records = list(harvester.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    live = [r for r in records if not r.deleted]
    assert {int(r.header.identifier.rsplit(":", 1)[1]) for r in live} == set(published)
    assert [r.header.identifier for r in records if r.deleted] == [f"oai:difang:{first.pk}"]
    for rec in live:
        article = published[int(rec.header.identifier.rsplit(":", 1)[1])]
        assert rec.metadata["title"] == [article.title]
        assert rec.metadata["identifier"] == [f"{live_server.url}/article/{article.pk}/"]
    headers = list(harvester.ListIdentifiers(metadataPrefix="oai_dc"))
    assert len(headers) == len(records)
    sets = {s.setSpec for s in harvester.ListSets()}
    assert "province:370000" in sets
