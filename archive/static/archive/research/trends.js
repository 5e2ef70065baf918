// The trend chart: one line per phrase, share of the month's articles (left axis) and
// counts (in the tooltip); a click on a month opens that month's articles. The data are
// the page's own table, put in the page by json_script.
(function () {
  "use strict";
  var holder = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!holder || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  if (!data.months.length) return;
  holder.classList.add("drawn");
  var chart = echarts.init(holder, null, { renderer: "svg" });
  var series = data.series.map(function (line) {
    return {
      name: line.q,
      type: "line",
      showSymbol: data.months.length < 60,
      connectNulls: false,
      data: line.shares.map(function (share, i) {
        return { value: share === null ? "-" : +(share * 100).toFixed(3), count: line.counts[i], url: line.list_urls[i] };
      })
    };
  });
  chart.setOption({
    textStyle: { fontFamily: "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif" },
    tooltip: {
      trigger: "axis",
      formatter: function (items) {
        var lines = [echarts.format.encodeHTML(items[0].axisValue)];
        items.forEach(function (it) {
          lines.push(it.marker + echarts.format.encodeHTML(it.seriesName) + "：" + it.data.count + "（" + it.data.value + "%）");
        });
        return lines.join("<br>");
      }
    },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 56 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: "%", axisLabel: { formatter: "{value}%" } },
    dataZoom: [{ type: "slider", bottom: 8 }],
    series: series
  });
  chart.on("click", function (params) {
    if (params.data && params.data.url) window.location.href = params.data.url;
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
