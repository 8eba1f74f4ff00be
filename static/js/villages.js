// 村(社区) drop-downs narrowed by the 乡镇(街道) chosen in the same form (core.filters.VillageSelect).
// Each option carries data-township and data-name; with a township chosen only its villages stay,
// under their plain names; with none, every village reads 名称（乡镇）so equal names stay apart.
// A chosen village outside the new township falls back to 全部. Without JavaScript the full list
// shows and the server rejects a village outside the chosen township with a message.
(function () {
  "use strict";

  function setUp(select) {
    var form = select.form;
    var township = form && form.querySelector('select[name="township"]');
    if (!township) { return; }
    var options = Array.prototype.filter.call(select.options, function (o) { return o.value !== ""; });
    var labels = options.map(function (o) { return o.textContent; });

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

    township.addEventListener("change", narrow);
    narrow();
  }

  document.querySelectorAll("select[data-village-select]").forEach(setUp);
})();
