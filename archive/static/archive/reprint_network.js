// Draws /reprints/: outlets as nodes (size: stories), edges weighted by shared stories.
// Data comes from the page's json_script block; no inline script (CSP).
(function () {
  "use strict";
  var holder = document.getElementById("reprint-network");
  var source = document.getElementById("reprint-network-data");
  if (!holder || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var maxStories = Math.max.apply(null, data.nodes.map(function (n) { return n.stories; }).concat([1]));
  var maxWeight = Math.max.apply(null, data.edges.map(function (e) { return e.shared_stories; }).concat([1]));
  var nodes = data.nodes.map(function (n) {
    return {
      id: String(n.id),
      name: n.name,
      value: n.stories,
      symbolSize: 12 + 30 * Math.sqrt(n.stories / maxStories),
      originals: n.originals,
      label: { show: true }
    };
  });
  var links = data.edges.map(function (e) {
    return {
      source: String(e.source),
      target: String(e.target),
      value: e.shared_stories,
      lineStyle: { width: 1 + 7 * e.shared_stories / maxWeight, opacity: 0.6 }
    };
  });
  var chart = window.echarts.init(holder, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    tooltip: {
      formatter: function (p) {
        if (p.dataType === "edge") return p.data.value + " ⇄";
        return p.data.name + ": " + p.data.value + " / " + p.data.originals;
      }
    },
    series: [{
      type: "graph",
      layout: "force",
      roam: true,
      draggable: true,
      force: { repulsion: 450, edgeLength: [80, 200], gravity: 0.12, layoutAnimation: false },
      data: nodes,
      links: links,
      label: { position: "right", fontSize: 12 },
      emphasis: { focus: "adjacency" }
    }]
  });
  holder.addEventListener("click", function (event) { event.stopPropagation(); });
  chart.on("click", function (p) {
    if (p.dataType === "node") window.location.href = "/source/" + p.data.id + "/";
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
