// Documents: live refresh of document pages and lists, and help on the amendment form.
(function () {
  "use strict";

  // --- live pages: a document, the list, the voting order -------------------------------
  var root = document.getElementById("document-live") || document.getElementById("documents-live");
  if (root && typeof io !== "undefined") {
    var conferenceId = Number(root.dataset.conferenceId);
    var documentId = root.dataset.documentId ? Number(root.dataset.documentId) : null;
    var fragmentUrl = root.dataset.fragmentUrl;
    var status = document.getElementById("document-connection");
    var loading = false;
    var again = false;
    var last = null;
    var refreshed = 0;

    var show = function (state, text) {
      if (!status) { return; }
      status.dataset.state = state;
      status.textContent = text || status.dataset[state] || status.textContent;
    };

    // Swap in new server-rendered HTML, keeping open disclosures open.
    var replace = function (html) {
      var open = {};
      root.querySelectorAll("details[data-key]").forEach(function (item) {
        open[item.dataset.key] = item.open;
      });
      root.innerHTML = html;  // server-rendered, escaped and sanitised
      root.querySelectorAll("details[data-key]").forEach(function (item) {
        if (Object.prototype.hasOwnProperty.call(open, item.dataset.key)) {
          item.open = open[item.dataset.key];
        }
      });
      root.dispatchEvent(new CustomEvent("documents:refreshed", { bubbles: true }));
    };

    // State, not deltas: every signal fetches the whole current fragment.
    var refresh = function () {
      if (loading) { again = true; return; }
      loading = true;
      fetch(fragmentUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          // Form tokens differ on every render; only a change of content replaces the page.
          var content = html.replace(/name="csrf_token" value="[^"]*"/g, "");
          if (content !== last) {
            last = content;
            replace(html);
          }
          refreshed += 1;
          root.dataset.refreshed = String(refreshed);
        })
        .catch(function () { show("offline"); })
        .then(function () {
          loading = false;
          if (again) { again = false; refresh(); }
        });
    };

    var socket = io({ transports: ["websocket", "polling"] });
    var payload = { conference_id: conferenceId };
    if (documentId !== null) { payload.document_id = documentId; }

    socket.on("connect", window.participationWatcher(socket, "watch_documents", payload,
      function () { show("online"); refresh(); },
      function (refusal) { show("offline", refusal && refusal.error); }));
    socket.on("disconnect", function () { show("offline"); });
    socket.on("connect_error", function () { show("offline"); });
    if (documentId !== null) {
      socket.on("document_changed", function (event) {
        if (event && event.document_id === documentId) { refresh(); }
      });
    } else {
      socket.on("documents_changed", function (event) {
        if (event && event.conference_id === conferenceId) { refresh(); }
      });
    }
    window.participationDocumentsSocket = socket;
  }

  // --- the amendment form ---------------------------------------------------------------
  var form = document.getElementById("amend-form");
  if (form) {
    var mark = function (area) {
      var block = area.closest("details");
      if (block) { block.classList.toggle("changed", area.value !== area.dataset.original); }
    };
    form.addEventListener("input", function (event) {
      if (event.target.matches("textarea[data-original]")) { mark(event.target); }
    });
    form.addEventListener("submit", function () {
      var button = document.getElementById("amend-submit");
      if (button) {
        // Let the request leave first, then block a second tap.
        window.setTimeout(function () { button.disabled = true; }, 0);
      }
    });
    var error = document.getElementById("amend-error");
    if (error) { error.scrollIntoView({ block: "start" }); }
  }
})();
