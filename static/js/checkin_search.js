// Check-in desk: the search filters the list as one types. Without a script the same search
// is a GET form whose answer the server filters.
(function () {
  "use strict";
  var input = document.getElementById("checkin-q");
  var list = document.getElementById("checkin-list");
  var count = document.getElementById("checkin-count");
  if (!input || !list || !count) { return; }
  var rows = Array.prototype.slice.call(list.querySelectorAll("tbody tr[data-search]"));

  function filter() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.dataset.search;
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    count.textContent = words.length
      ? count.dataset.template.replace("{shown}", shown).replace("{total}", rows.length)
      : "";
  }

  input.addEventListener("input", filter);
})();
