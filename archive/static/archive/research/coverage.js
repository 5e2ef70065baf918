// Coverage heat maps: articles per source (and per province) per month, drawn over the
// page's tables from the same data (json_script).
(function () {
  "use strict";
  var source = document.getElementById("coverage-data");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  if (!data.months.length) return;
  // A cell opens the list of that source's (or province's) articles of that month.
  function listUrl(param, key, month) {
    var y = Number(month.slice(0, 4)), m = Number(month.slice(5, 7));
    var last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    return data.list_url + "?" + param + "=" + encodeURIComponent(key) +
      "&from=" + month + "-01&to=" + month + "-" + (last < 10 ? "0" : "") + last;
  }
  function heat(id, rows, param) {
    var holder = document.getElementById(id);
    if (!holder || !rows.length) return;
    holder.style.height = Math.max(160, 60 + rows.length * 22) + "px";
    holder.classList.add("drawn");
    var cells = [];
    var peak = 1;
    rows.forEach(function (row, y) {
      row.counts.forEach(function (n, x) {
        if (n) { cells.push([x, y, n]); if (n > peak) peak = n; }
      });
    });
    var chart = echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif" },
      tooltip: {
        formatter: function (it) {
          var enc = echarts.format.encodeHTML;
          return enc(rows[it.data[1]].name) + "<br>" + enc(data.months[it.data[0]]) + "：" + it.data[2];
        }
      },
      grid: { left: 8, right: 16, top: 8, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: data.months, splitArea: { show: true } },
      yAxis: {
        type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
        axisLabel: { width: 150, overflow: "truncate" }
      },
      visualMap: { min: 0, max: peak, show: false, inRange: { color: ["#fef3c7", "#b91c1c"] } },
      series: [{ type: "heatmap", data: cells }]
    });
    chart.on("click", function (it) {
      window.location.href = listUrl(param, rows[it.data[1]].key, data.months[it.data[0]]);
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  heat("coverage-sources", data.sources, "source");
  heat("coverage-provinces", data.provinces, "region");
})();
