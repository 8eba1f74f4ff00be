// 村(社区) drop-downs narrowed by the 乡镇(街道) chosen in the same form (core.filters.VillageSelect).
// Each option carries data-township and data-name; with a township chosen only its villages stay,
// under their plain names; with none, every village reads 名称（乡镇）so equal names stay apart.
// A chosen village outside the new township falls back to 全部. Without JavaScript the full list
// shows and the server rejects a village outside the chosen township with a message.
// A scope with thousands of villages sends only the chosen township's (data-options-url): choosing
// another township asks the server for its villages.
(function () {
  "use strict";

  function option(value, text, township, name) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    o.dataset.township = township;
    o.dataset.name = name;
    return o;
  }

  function setUp(select) {
    var form = select.form;
    var township = form && form.querySelector('select[name="township"]');
    if (!township) { return; }
    var blank = select.querySelector('option[value=""]');
    var blankText = blank ? blank.textContent : "";
    var options = Array.prototype.filter.call(select.options, function (o) { return o.value !== ""; });
    var labels = options.map(function (o) { return o.textContent; });
    var url = select.dataset.optionsUrl;

    function narrow() {
      var chosen = township.value;
      var kept = select.value;
      options.forEach(function (o) { if (o.parentNode) { o.parentNode.removeChild(o); } });
      var stillThere = false;
      options.forEach(function (o, i) {
        if (chosen && o.dataset.township !== chosen) { return; }
        o.textContent = chosen ? o.dataset.name : labels[i];
        select.appendChild(o);
        if (o.value === kept) { stillThere = true; }
      });
      select.value = stillThere ? kept : "";
    }

    function load() {
      var chosen = township.value;
      var known = options.some(function (o) { return o.dataset.township === chosen; });
      if (!chosen || known) {
        if (blank) { blank.textContent = chosen ? "全部" : blankText; }
        narrow();
        return;
      }
      select.disabled = true;
      fetch(url + "?township=" + encodeURIComponent(chosen), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) {
          rows.forEach(function (row) {
            options.push(option(String(row.id), row.name, chosen, row.name));
            labels.push(row.label);
          });
        })
        .catch(function () { /* the list stays as it was; the server checks the choice */ })
        .then(function () {
          select.disabled = false;
          if (blank) { blank.textContent = "全部"; }
          narrow();
        });
    }

    township.addEventListener("change", url ? load : narrow);
    narrow();
  }

  document.querySelectorAll("select[data-village-select]").forEach(setUp);
})();
