"""OAI-PMH 2.0 without Django: a request's arguments checked against its verb, dates,
resumption tokens, and the response documents (OAI-PMH.xsd, with oai_dc records).

A harvest is a list of plain ``Header``/``Record`` values handed in by the caller; this
module never reads the database.
"""

import base64
import binascii
import datetime as dt
import json
import re
from dataclasses import dataclass, field

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

METADATA_FORMATS = [("oai_dc", OAI_DC_SCHEMA, OAI_DC_NS)]
PREFIXES = {prefix for prefix, _, _ in METADATA_FORMATS}

# verb -> (required, optional, exclusive) arguments, as in section 4 of the protocol.
VERBS = {
    "Identify": (set(), set(), None),
    "ListMetadataFormats": (set(), {"identifier"}, None),
    "ListSets": (set(), set(), "resumptionToken"),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), None),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
}

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class OAIError(Exception):
    """One protocol error: ``code`` is the OAI-PMH error code, the message says why."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Request:
    """A checked request: its verb, its arguments, and the window they ask for."""

    verb: str
    args: dict
    start: dt.datetime | None = None  # from, as an aware UTC datetime (inclusive)
    end: dt.datetime | None = None  # until (inclusive, to the end of a day for dates)


@dataclass
class Header:
    identifier: str
    datestamp: dt.datetime
    sets: list = field(default_factory=list)
    deleted: bool = False


@dataclass
class Record:
    header: Header
    dc: dict | None = None  # Dublin Core element name -> list of values; None when deleted


def parse_time(value, name):
    """A from/until value (day or second granularity) → (aware UTC datetime, granularity)."""
    try:
        if SECOND.fullmatch(value):
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            return moment.replace(tzinfo=dt.UTC), "second"
        if DAY.fullmatch(value):
            day = dt.datetime.strptime(value, "%Y-%m-%d")
            return day.replace(tzinfo=dt.UTC), "day"
    except ValueError:
        pass
    raise OAIError(
        "badArgument", f"{name}={value!r} is no UTC date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)"
    )


def check(query):
    """Check a request's arguments (``query``: name -> list of values, as a query string
    gives them) and return a ``Request``, or raise ``OAIError`` with the protocol's code."""
    verbs = query.get("verb", [])
    if len(verbs) != 1:
        raise OAIError("badVerb", "the verb argument is missing" if not verbs else "verb repeated")
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIError("badVerb", f"{verb!r} is no OAI-PMH verb")
    required, optional, exclusive = VERBS[verb]
    args = {}
    for name, values in query.items():
        if name == "verb":
            continue
        if name not in required | optional and name != exclusive:
            raise OAIError("badArgument", f"{verb} takes no argument {name!r}")
        if len(values) != 1:
            raise OAIError("badArgument", f"argument {name!r} repeated")
        args[name] = values[0]
    if exclusive and exclusive in args:
        if len(args) > 1:
            raise OAIError("badArgument", f"{exclusive} is an exclusive argument")
        return Request(verb, args)
    missing = sorted(required - args.keys())
    if missing:
        raise OAIError("badArgument", f"{verb} requires {', '.join(missing)}")
    request = Request(verb, args)
    bounds = {}
    for name in ("from", "until"):
        if name in args:
            bounds[name] = parse_time(args[name], name)
    if len(bounds) == 2 and bounds["from"][1] != bounds["until"][1]:
        raise OAIError("badArgument", "from and until have different granularities")
    if "from" in bounds:
        request.start = bounds["from"][0]
    if "until" in bounds:
        moment, granularity = bounds["until"]
        # Inclusive to the last microsecond: a datestamp is written to the second.
        width = dt.timedelta(days=1) if granularity == "day" else dt.timedelta(seconds=1)
        request.end = moment + width - dt.timedelta(microseconds=1)
    if request.start and request.end and request.start > request.end:
        raise OAIError("badArgument", "from is later than until")
    if "metadataPrefix" in args and args["metadataPrefix"] not in PREFIXES:
        raise OAIError(
            "cannotDisseminateFormat", f"metadataPrefix {args['metadataPrefix']!r} not supported"
        )
    return request


def encode_token(state: dict) -> str:
    """A resumption token: the list's arguments and where the next page starts."""
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, verb: str) -> dict:
    """The state of a token this repository issued for ``verb``, else badResumptionToken."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
    except (binascii.Error, ValueError):
        state = None
    if not isinstance(state, dict) or state.get("verb") != verb:
        raise OAIError("badResumptionToken", "the resumptionToken is invalid or expired")
    return state


def utc(moment: dt.datetime) -> str:
    """A datestamp as the protocol writes it: seconds, UTC, with Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(parent, tag, text=None, **attrs):
    node = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def envelope(base_url, now, request_args=None):
    """The document root with responseDate and request; ``request_args`` None (for
    badVerb and badArgument) writes the request element without attributes."""
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    _el(root, f"{{{OAI_NS}}}responseDate", utc(now))
    node = _el(root, f"{{{OAI_NS}}}request", base_url)
    for name, value in sorted((request_args or {}).items()):
        node.set(name, value)
    return root


def error_document(base_url, now, error: OAIError, request_args=None):
    root = envelope(base_url, now, request_args)
    _el(root, f"{{{OAI_NS}}}error", error.message, code=error.code)
    return root


def identify(root, *, name, base_url, admin_email, earliest, deleted_record):
    node = _el(root, f"{{{OAI_NS}}}Identify")
    _el(node, f"{{{OAI_NS}}}repositoryName", name)
    _el(node, f"{{{OAI_NS}}}baseURL", base_url)
    _el(node, f"{{{OAI_NS}}}protocolVersion", "2.0")
    _el(node, f"{{{OAI_NS}}}adminEmail", admin_email)
    _el(node, f"{{{OAI_NS}}}earliestDatestamp", utc(earliest))
    _el(node, f"{{{OAI_NS}}}deletedRecord", deleted_record)
    _el(node, f"{{{OAI_NS}}}granularity", "YYYY-MM-DDThh:mm:ssZ")
    return node


def list_metadata_formats(root):
    node = _el(root, f"{{{OAI_NS}}}ListMetadataFormats")
    for prefix, schema, namespace in METADATA_FORMATS:
        fmt = _el(node, f"{{{OAI_NS}}}metadataFormat")
        _el(fmt, f"{{{OAI_NS}}}metadataPrefix", prefix)
        _el(fmt, f"{{{OAI_NS}}}schema", schema)
        _el(fmt, f"{{{OAI_NS}}}metadataNamespace", namespace)
    return node


def list_sets(root, sets):
    """``sets``: (setSpec, setName) pairs."""
    node = _el(root, f"{{{OAI_NS}}}ListSets")
    for spec, name in sets:
        item = _el(node, f"{{{OAI_NS}}}set")
        _el(item, f"{{{OAI_NS}}}setSpec", spec)
        _el(item, f"{{{OAI_NS}}}setName", name)
    return node


def header(parent, head: Header):
    node = _el(parent, f"{{{OAI_NS}}}header", status="deleted" if head.deleted else None)
    _el(node, f"{{{OAI_NS}}}identifier", head.identifier)
    _el(node, f"{{{OAI_NS}}}datestamp", utc(head.datestamp))
    for spec in head.sets:
        _el(node, f"{{{OAI_NS}}}setSpec", spec)
    return node


# The order of Dublin Core elements in a record (oai_dc allows any order; this is DCMI's).
DC_ORDER = ["title", "creator", "subject", "description", "publisher", "date", "type"]
DC_ORDER += ["format", "identifier", "source", "language", "coverage", "rights"]


def record(parent, rec: Record):
    node = _el(parent, f"{{{OAI_NS}}}record")
    header(node, rec.header)
    if rec.header.deleted:
        return node
    metadata = _el(node, f"{{{OAI_NS}}}metadata")
    dc = etree.SubElement(
        metadata, f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    )
    dc.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    for name in DC_ORDER:
        for value in rec.dc.get(name, []):
            if value:
                _el(dc, f"{{{DC_NS}}}{name}", value)
    return node


def resumption(parent, token, cursor, complete_size=None):
    """A page's resumptionToken element; ``token`` None ends the list (an empty element)."""
    size = None if complete_size is None else str(complete_size)
    return _el(
        parent, f"{{{OAI_NS}}}resumptionToken", token, cursor=str(cursor), completeListSize=size
    )


def serialize(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
