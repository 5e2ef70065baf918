"""The network of outlets that share stories, and its GEXF and CSV forms (pure Python).

Input: (story, source id, source name, lag days) rows in story order, earliest member
first. Two outlets are joined by an edge weighted by the number of stories both ran; the
edge also counts how often each ran the story first and the other reprinted it.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable
from xml.etree import ElementTree as ET

from archive.reprints.core import median

CSV_COLUMNS = [
    "source",
    "target",
    "source_name",
    "target_name",
    "shared_stories",
    "source_first",
    "target_first",
    "median_lag_days",
]


def build(rows: Iterable[tuple[int, int, str, int | None]]) -> dict:
    """{"nodes": [...], "edges": [...]} from story member rows (see the module doc)."""
    names: dict[int, str] = {}
    stories_of: dict[int, int] = {}
    originals: dict[int, int] = {}
    edges: dict[tuple[int, int], dict] = {}
    for _story, group in itertools.groupby(rows, key=lambda r: r[0]):
        members = list(group)
        first_source = members[0][1]
        seen: dict[int, int | None] = {}
        for _, source, name, lag in members:
            names[source] = name
            if source not in seen:
                seen[source] = lag
        if len(seen) < 2:
            continue
        originals[first_source] = originals.get(first_source, 0) + 1
        for source in seen:
            stories_of[source] = stories_of.get(source, 0) + 1
        for a, b in itertools.combinations(sorted(seen), 2):
            edge = edges.setdefault(
                (a, b),
                {"source": a, "target": b, "weight": 0, "a_first": 0, "b_first": 0, "lags": []},
            )
            edge["weight"] += 1
            if first_source == a:
                edge["a_first"] += 1
            elif first_source == b:
                edge["b_first"] += 1
            if first_source in (a, b):
                lag = seen[b if first_source == a else a]
                if lag is not None:
                    edge["lags"].append(lag)
    nodes = [
        {"id": pk, "name": names[pk], "stories": n, "originals": originals.get(pk, 0)}
        for pk, n in sorted(stories_of.items())
    ]
    out_edges = [
        {
            "source": e["source"],
            "target": e["target"],
            "source_name": names[e["source"]],
            "target_name": names[e["target"]],
            "shared_stories": e["weight"],
            "source_first": e["a_first"],
            "target_first": e["b_first"],
            "median_lag_days": median(e["lags"]),
        }
        for e in sorted(edges.values(), key=lambda e: (-e["weight"], e["source"], e["target"]))
    ]
    return {"nodes": nodes, "edges": out_edges}


def to_csv(network: dict) -> str:
    """One row per edge (for R or a spreadsheet), UTF-8 text with a header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for edge in network["edges"]:
        writer.writerow({k: "" if edge[k] is None else edge[k] for k in CSV_COLUMNS})
    return out.getvalue()


def to_gexf(network: dict) -> bytes:
    """GEXF 1.3 (Gephi): outlets as nodes with story counts, undirected weighted edges."""
    ns = "http://gexf.net/1.3"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}gexf", version="1.3")
    meta = ET.SubElement(root, f"{{{ns}}}meta")
    ET.SubElement(meta, f"{{{ns}}}creator").text = "Difang"
    ET.SubElement(meta, f"{{{ns}}}description").text = "outlets sharing stories (reprints)"
    graph = ET.SubElement(root, f"{{{ns}}}graph", defaultedgetype="undirected")
    attrs = ET.SubElement(graph, f"{{{ns}}}attributes", {"class": "node"})
    for i, (title, kind) in enumerate((("stories", "integer"), ("originals", "integer"))):
        ET.SubElement(attrs, f"{{{ns}}}attribute", id=str(i), title=title, type=kind)
    eattrs = ET.SubElement(graph, f"{{{ns}}}attributes", {"class": "edge"})
    for i, title in enumerate(("source_first", "target_first", "median_lag_days")):
        kind = "double" if title == "median_lag_days" else "integer"
        ET.SubElement(eattrs, f"{{{ns}}}attribute", id=str(i), title=title, type=kind)
    nodes = ET.SubElement(graph, f"{{{ns}}}nodes")
    for node in network["nodes"]:
        el = ET.SubElement(nodes, f"{{{ns}}}node", id=str(node["id"]), label=node["name"])
        values = ET.SubElement(el, f"{{{ns}}}attvalues")
        for i, key in enumerate(("stories", "originals")):
            ET.SubElement(values, f"{{{ns}}}attvalue", {"for": str(i), "value": str(node[key])})
    edges = ET.SubElement(graph, f"{{{ns}}}edges")
    for n, edge in enumerate(network["edges"]):
        el = ET.SubElement(
            edges,
            f"{{{ns}}}edge",
            id=str(n),
            source=str(edge["source"]),
            target=str(edge["target"]),
            weight=str(edge["shared_stories"]),
        )
        values = ET.SubElement(el, f"{{{ns}}}attvalues")
        for i, key in enumerate(("source_first", "target_first", "median_lag_days")):
            if edge[key] is not None:
                ET.SubElement(values, f"{{{ns}}}attvalue", {"for": str(i), "value": str(edge[key])})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
