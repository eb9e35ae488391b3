/* Lägesbild Falkenberg – publik karta. Reads window.LAGESBILD (data/site.js); every text is set
   with textContent, never as HTML. No network requests: Leaflet is in vendor/, there are no tiles. */
(function () {
  "use strict";
  var data = window.LAGESBILD;
  var palette = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]; /* ColorBrewer Blues: colour-blind safe */
  var select = document.getElementById("matt");
  var legend = document.getElementById("teckenforklaring");
  var tbody = document.querySelector("#tabell tbody");

  data.measures.forEach(function (m) {
    var option = document.createElement("option");
    option.value = m.key;
    option.textContent = m.label;
    select.appendChild(option);
  });

  function valueOf(feature, key) {
    var cell = feature.properties.matt[key];
    return cell && typeof cell.varde === "number" ? cell.varde : null;
  }

  function breaksFor(key) {
    var values = data.areas.features.map(function (f) { return valueOf(f, key); })
      .filter(function (v) { return v !== null; }).sort(function (a, b) { return a - b; });
    var breaks = [];
    for (var k = 1; k <= palette.length; k++) {
      var v = values.length ? values[Math.min(values.length - 1, Math.ceil(k * values.length / palette.length) - 1)] : 0;
      if (breaks.indexOf(v) < 0) { breaks.push(v); }
    }
    return breaks;
  }

  function colourFor(value, breaks) {
    if (value === null) { return null; }
    for (var k = 0; k < breaks.length; k++) {
      if (value <= breaks[k]) { return palette[palette.length - breaks.length + k]; }
    }
    return palette[palette.length - 1];
  }

  var map = L.map("karta", { keyboard: true, attributionControl: true, zoomSnap: 0.5 });
  map.attributionControl.setPrefix("Leaflet");
  var layer = L.geoJSON(data.areas, {
    onEachFeature: function (feature, shape) {
      shape.bindTooltip(function () {
        var box = document.createElement("div");
        var name = document.createElement("strong");
        name.textContent = feature.properties.namn;
        var line = document.createElement("div");
        var cell = feature.properties.matt[select.value];
        line.textContent = (cell ? cell.text : "–");
        box.appendChild(name);
        box.appendChild(line);
        return box;
      });
    }
  }).addTo(map);
  map.fitBounds(layer.getBounds());
  window.addEventListener("resize", function () {
    map.invalidateSize();
    map.fitBounds(layer.getBounds());
  });

  function render() {
    var key = select.value;
    var measure = data.measures.filter(function (m) { return m.key === key; })[0];
    var breaks = breaksFor(key);
    layer.setStyle(function (feature) {
      var colour = colourFor(valueOf(feature, key), breaks);
      return colour
        ? { fillColor: colour, fillOpacity: 0.85, color: "#333333", weight: 1, dashArray: null }
        : { fillColor: "#d9d9d9", fillOpacity: 0.6, color: "#333333", weight: 1, dashArray: "4 3" };
    });
    legend.textContent = "";
    var title = document.createElement("strong");
    title.textContent = measure.label;
    legend.appendChild(title);
    var list = document.createElement("ul");
    var lower = null;
    breaks.forEach(function (b, k) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "ruta";
      swatch.style.background = palette[palette.length - breaks.length + k];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode((lower === null ? "upp till " : "över " + measure.format(lower) + " upp till ") + measure.format(b)));
      list.appendChild(item);
      lower = b;
    });
    var hidden = document.createElement("li");
    var hatch = document.createElement("span");
    hatch.className = "ruta dold-ruta";
    hidden.appendChild(hatch);
    hidden.appendChild(document.createTextNode(data.meta.hiddenLabel));
    list.appendChild(hidden);
    legend.appendChild(list);
    var note = document.createElement("p");
    note.textContent = measure.note;
    legend.appendChild(note);

    document.getElementById("tabelltext").textContent = measure.label + ". " + measure.note;
    document.getElementById("vardekolumn").textContent = measure.short;
    tbody.textContent = "";
    data.areas.features.forEach(function (f) {
      var row = document.createElement("tr");
      [f.properties.namn, f.properties.zon, (f.properties.matt[key] || { text: "–" }).text].forEach(function (text, k) {
        var cell = document.createElement(k === 0 ? "th" : "td");
        if (k === 0) { cell.setAttribute("scope", "row"); }
        if (k === 2) { cell.className = "tal"; }
        cell.textContent = text;
        row.appendChild(cell);
      });
      tbody.appendChild(row);
    });
  }

  data.measures.forEach(function (m) {
    m.format = function (v) {
      return (m.decimals ? v.toFixed(m.decimals).replace(".", ",") : String(Math.round(v))) + (m.unit || "");
    };
  });
  select.addEventListener("change", render);
  render();
  document.body.setAttribute("data-klar", "ja");
}());
