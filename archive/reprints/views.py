"""/reprints/: the network of outlets that share stories, as a picture, JSON, GEXF, CSV.

Read-only, like every public page: one dict (network.build over the public members),
rendered as HTML (ECharts graph drawn by a static script from json_script data), JSON,
GEXF (Gephi) or CSV (R)."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from archive.reprints import network, store
from archive.web import public_view

MAX_DRAWN_EDGES = 400  # the picture keeps the heaviest edges; the exports keep all


def current_network() -> dict:
    return network.build(store.network_rows())


@public_view
def reprint_network(request, fmt):
    data = current_network()
    if fmt == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    drawn = data["edges"][:MAX_DRAWN_EDGES]
    context = {
        "title": _("转载网络"),
        "network": data,
        "drawn": {"nodes": data["nodes"], "edges": drawn},
        "clipped": len(data["edges"]) - len(drawn),
    }
    return render(request, "reprints/network.html", context)


@public_view
def network_csv(request, fmt):
    response = HttpResponse(
        "\ufeff" + network.to_csv(current_network()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="reprint-network.csv"'
    return response


@public_view
def network_gexf(request, fmt):
    response = HttpResponse(
        network.to_gexf(current_network()), content_type="application/gexf+xml; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="reprint-network.gexf"'
    return response
