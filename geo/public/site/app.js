/* Lägesbild Falkenberg – publik karta. Reads window.LAGESBILD (data/site.js); every text is set
   with textContent, never as HTML. No network requests: Leaflet is in vendor/, there are no tiles.
   A measure, a month (or the whole period) and "mitt område" (a search by area name) choose what
   the map and the table show. */
(function () {
  "use strict";
  var data = window.LAGESBILD;
  var palette = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]; /* ColorBrewer Blues: colour-blind safe */
  var select = document.getElementById("matt");
  var monthSelect = document.getElementById("manad");
  var search = document.getElementById("sok");
  var names = document.getElementById("omradesnamn");
  var found = document.getElementById("sokresultat");
  var legend = document.getElementById("teckenforklaring");
  var tbody = document.querySelector("#tabell tbody");
  var chosen = null; /* the area code picked by the search */

  data.measures.forEach(function (m) {
    var option = document.createElement("option");
    option.value = m.key;
    option.textContent = m.label;
    select.appendChild(option);
  });
  var whole = document.createElement("option");
  whole.value = "";
  whole.textContent = "Hela perioden (" + data.meta.period + ")";
  monthSelect.appendChild(whole);
  (data.meta.months || []).slice().reverse().forEach(function (month) {
    var option = document.createElement("option");
    option.value = month.key;
    option.textContent = month.label;
    monthSelect.appendChild(option);
  });
  data.areas.features.map(function (f) { return f.properties.namn; }).sort().forEach(function (name) {
    var option = document.createElement("option");
    option.value = name;
    names.appendChild(option);
  });

  function measureOf(key) {
    return data.measures.filter(function (m) { return m.key === key; })[0];
  }

  function monthOf() {
    var measure = measureOf(select.value);
    return measure && measure.monthly ? monthSelect.value : "";
  }

  function cellOf(feature, key) {
    var month = monthOf();
    var months = feature.properties.manader || {};
    if (month && months[month] && months[month][key]) { return months[month][key]; }
    return feature.properties.matt[key];
  }

  function valueOf(feature, key) {
    var cell = cellOf(feature, key);
    return cell && typeof cell.varde === "number" ? cell.varde : null;
  }

  function labelOf(measure) {
    var month = monthOf();
    if (!month) { return measure.label; }
    var text = (data.meta.months || []).filter(function (m) { return m.key === month; })[0];
    return measure.base + ", " + (text ? text.label : month);
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

  function popupFor(feature) {
    var box = document.createElement("div");
    box.className = "popup";
    var name = document.createElement("strong");
    name.textContent = feature.properties.namn;
    box.appendChild(name);
    var zone = document.createElement("div");
    zone.textContent = feature.properties.zon;
    box.appendChild(zone);
    var list = document.createElement("dl");
    var month = monthSelect.value;
    var months = feature.properties.manader || {};
    var monthText = (data.meta.months || []).filter(function (x) { return x.key === month; })[0];
    data.measures.forEach(function (m) {
      /* A monthly measure for the chosen month; every other figure for the whole period, and
         labelled so: a figure never carries a month it was not counted for. */
      var monthly = month && m.monthly && months[month] && months[month][m.key];
      var cell = monthly ? months[month][m.key] : feature.properties.matt[m.key];
      var term = document.createElement("dt");
      term.textContent = monthly ? m.base + ", " + (monthText ? monthText.label : month) : m.label;
      var value = document.createElement("dd");
      value.textContent = cell ? cell.text : "–";
      list.appendChild(term);
      list.appendChild(value);
    });
    box.appendChild(list);
    var note = document.createElement("p");
    note.textContent = data.meta.period ? "Period: " + data.meta.period : "";
    box.appendChild(note);
    return box;
  }

  var map = L.map("karta", { keyboard: true, attributionControl: true, zoomSnap: 0.5 });
  map.attributionControl.setPrefix("Leaflet");
  var shapes = {};
  var layer = L.geoJSON(data.areas, {
    onEachFeature: function (feature, shape) {
      shapes[feature.properties.kod] = shape;
      shape.bindTooltip(function () {
        var box = document.createElement("div");
        var name = document.createElement("strong");
        name.textContent = feature.properties.namn;
        var line = document.createElement("div");
        var cell = cellOf(feature, select.value);
        line.textContent = (cell ? cell.text : "–");
        box.appendChild(name);
        box.appendChild(line);
        return box;
      });
      /* A click (a tap on a phone) opens every public figure of the area for the chosen month. */
      shape.bindPopup(function () { return popupFor(feature); }, { maxWidth: 280, autoPanPadding: [12, 12] });
    }
  }).addTo(map);
  map.fitBounds(layer.getBounds());
  window.addEventListener("resize", function () {
    map.invalidateSize();
    if (chosen && shapes[chosen]) { map.fitBounds(shapes[chosen].getBounds()); } else { map.fitBounds(layer.getBounds()); }
  });

  function render() {
    var key = select.value;
    var measure = measureOf(key);
    monthSelect.disabled = !measure.monthly;
    var breaks = breaksFor(key);
    layer.setStyle(function (feature) {
      var colour = colourFor(valueOf(feature, key), breaks);
      var selected = feature.properties.kod === chosen;
      var line = { color: selected ? "#b35900" : "#333333", weight: selected ? 4 : 1 };
      return colour
        ? { fillColor: colour, fillOpacity: 0.85, color: line.color, weight: line.weight, dashArray: null }
        : { fillColor: "#d9d9d9", fillOpacity: 0.6, color: line.color, weight: line.weight, dashArray: "4 3" };
    });
    legend.textContent = "";
    var title = document.createElement("strong");
    title.textContent = labelOf(measure);
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

    document.getElementById("tabelltext").textContent = labelOf(measure) + ". " + measure.note;
    document.getElementById("vardekolumn").textContent = measure.short;
    tbody.textContent = "";
    data.areas.features.forEach(function (f) {
      var row = document.createElement("tr");
      row.setAttribute("data-kod", f.properties.kod);
      if (f.properties.kod === chosen) { row.className = "vald"; }
      [f.properties.namn, f.properties.zon, (cellOf(f, key) || { text: "–" }).text].forEach(function (text, k) {
        var cell = document.createElement(k === 0 ? "th" : "td");
        if (k === 0) { cell.setAttribute("scope", "row"); }
        if (k === 2) { cell.className = "tal"; }
        cell.textContent = text;
        row.appendChild(cell);
      });
      tbody.appendChild(row);
    });
  }

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, " ").trim();
  }

  function find() {
    var query = fold(search.value);
    chosen = null;
    if (!query) {
      found.textContent = "";
      map.fitBounds(layer.getBounds());
      render();
      return;
    }
    var matches = data.areas.features.filter(function (f) { return fold(f.properties.namn).indexOf(query) >= 0; });
    var exact = matches.filter(function (f) { return fold(f.properties.namn) === query; });
    var hit = exact.length ? exact[0] : (matches.length === 1 ? matches[0] : null);
    if (!hit) {
      found.textContent = matches.length
        ? "Flera områden passar: " + matches.map(function (f) { return f.properties.namn; }).join(", ") + "."
        : "Inget område heter så. Välj ett namn i listan.";
      render();
      return;
    }
    chosen = hit.properties.kod;
    render();
    var cell = cellOf(hit, select.value);
    found.textContent = hit.properties.namn + ": " + (cell ? cell.text : "–") + " (" + labelOf(measureOf(select.value)) + ")";
    map.fitBounds(shapes[chosen].getBounds(), { maxZoom: 13 });
    shapes[chosen].openTooltip();
  }

  data.measures.forEach(function (m) {
    m.format = function (v) {
      return (m.decimals ? v.toFixed(m.decimals).replace(".", ",") : String(Math.round(v))) + (m.unit || "");
    };
  });
  select.addEventListener("change", function () { render(); if (chosen) { find(); } });
  monthSelect.addEventListener("change", function () { render(); if (chosen) { find(); } });
  search.addEventListener("change", find);
  search.addEventListener("search", find);
  search.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); find(); } });
  render();
  document.body.setAttribute("data-klar", "ja");
}());
