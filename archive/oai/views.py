"""/oai/: the OAI-PMH 2.0 endpoint (GET and POST, as the protocol asks)."""

import datetime as dt

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from archive.oai import protocol, records
from archive.oai.protocol import OAIError


def _state_from(request):
    args = request.args
    return {
        "verb": request.verb,
        "prefix": args["metadataPrefix"],
        "from": request.start.isoformat() if request.start else None,
        "until": request.end.isoformat() if request.end else None,
        "set": args.get("set"),
        "phase": 0,
        "after": None,
        "cursor": 0,
    }


def _list(root, request, absolute):
    resumed = "resumptionToken" in request.args
    if resumed:
        state = protocol.decode_token(request.args["resumptionToken"], request.verb)
        if state.get("prefix") not in protocol.PREFIXES:
            raise OAIError("badResumptionToken", "the resumptionToken is invalid")
    else:
        state = _state_from(request)
        if state["set"]:
            records.in_set(records.items(), state["set"])  # an unknown set → badArgument
    try:
        rows, following = records.page(state)
    except (KeyError, TypeError, ValueError) as exc:
        raise OAIError("badResumptionToken", "the resumptionToken is invalid") from exc
    except OAIError as exc:
        if resumed and exc.code == "badArgument":  # a set named in a token we never issued
            raise OAIError("badResumptionToken", "the resumptionToken is invalid") from exc
        raise
    cursor = state.get("cursor", 0)
    if not rows:
        raise OAIError("noRecordsMatch", "no records match these arguments")
    full = request.verb == "ListRecords"
    node = protocol.etree.SubElement(root, f"{{{protocol.OAI_NS}}}{request.verb}")
    for rec in records.records(rows, absolute, with_metadata=full):
        if full:
            protocol.record(node, rec)
        else:
            protocol.header(node, rec.header)
    if following is not None:
        following["cursor"] = cursor + len(rows)
        protocol.resumption(node, protocol.encode_token(following), cursor)
    elif "resumptionToken" in request.args:
        protocol.resumption(node, None, cursor)  # the last page: an empty token


def respond(request, query, base_url, absolute, now):
    """The response document to one request's arguments."""
    try:
        checked = protocol.check(query)
    except OAIError as error:
        echoed = None if error.code in ("badVerb", "badArgument") else _flat(query)
        return protocol.error_document(base_url, now, error, echoed)
    root = protocol.envelope(base_url, now, checked.args | {"verb": checked.verb})
    try:
        if checked.verb == "Identify":
            protocol.identify(
                root,
                name=getattr(settings, "DIFANG_OAI_REPOSITORY_NAME", "地方档案 Difang"),
                base_url=base_url,
                admin_email=getattr(settings, "DIFANG_OAI_ADMIN_EMAIL", "archive@example.org"),
                earliest=records.earliest_datestamp(),
                deleted_record="persistent",
            )
        elif checked.verb == "ListMetadataFormats":
            if "identifier" in checked.args:
                records.one(records.article_pk(checked.args["identifier"]))
            protocol.list_metadata_formats(root)
        elif checked.verb == "ListSets":
            if "resumptionToken" in checked.args:
                raise OAIError("badResumptionToken", "ListSets is given whole: no tokens")
            protocol.list_sets(root, records.all_sets())
        elif checked.verb == "GetRecord":
            row = records.one(records.article_pk(checked.args["identifier"]))
            node = protocol.etree.SubElement(root, f"{{{protocol.OAI_NS}}}GetRecord")
            protocol.record(node, records.records([row], absolute)[0])
        else:
            _list(root, checked, absolute)
    except OAIError as error:
        echoed = None if error.code == "badArgument" else checked.args | {"verb": checked.verb}
        return protocol.error_document(base_url, now, error, echoed)
    return root


def _flat(query):
    return {name: values[0] for name, values in query.items() if len(values) == 1}


@csrf_exempt  # harvesters POST form-encoded arguments; nothing here writes
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request):
    query = dict((request.POST if request.method == "POST" else request.GET).lists())
    base_url = request.build_absolute_uri(request.path)
    root = respond(request, query, base_url, request.build_absolute_uri, dt.datetime.now(dt.UTC))
    return HttpResponse(protocol.serialize(root), content_type="text/xml; charset=utf-8")
