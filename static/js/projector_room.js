// The projector's room views: the current agenda item, the speakers with a countdown, or the
// document under discussion with its line numbers. An open poll (projector.js) takes the
// screen; the moderator's choice of view decides otherwise.
(function () {
  "use strict";
  var root = document.getElementById("poll-live");
  var box = document.getElementById("projector-room");
  if (!root || !box || !window.participationSocket) { return; }
  var socket = window.participationSocket;
  var conferenceId = Number(root.dataset.conferenceId);
  // override: "poll" keeps a fresh result on screen until the moderator picks a view.
  var state = { room: null, speakers: null, offset: 0, documentShown: null, override: null };
  var timer = null;

  function $(id) { return document.getElementById(id); }

  function pollActive() {
    return !$("projector-poll").hidden;
  }

  function layout() {
    var projector = state.room && state.room.projector;
    document.body.dataset.theme = projector ? projector.theme : "dark";
    var pollOpen = pollActive();
    var view = pollOpen ? "poll" : (state.override || (projector ? projector.view : "agenda"));
    root.dataset.view = view;
    box.hidden = view === "poll";
    var result = $("projector-result");
    if (view !== "poll") {
      $("projector-idle").hidden = true;
      result.hidden = true;
    } else if (!pollOpen) {
      result.hidden = !result.innerHTML.trim();
      $("projector-idle").hidden = !result.hidden;
    }
  }

  function speakerText(s) {
    var text = s.name + (s.organisation ? " (" + s.organisation + ")" : "");
    return s.kind === "point_of_order" ? box.dataset.pointOfOrder + ": " + text : text;
  }

  function render() {
    var room = state.room;
    if (!room) { return; }
    var item = room.current_agenda_item;
    $("room-item-number").textContent = item ? item.number : "";
    $("room-item-title").textContent = item ? item.title : box.dataset.noItem;
    var view = room.projector.view;
    var list = state.speakers;
    var current = list && list.current;
    $("room-speaker").hidden = !current || view === "document";
    $("room-speaker-name").textContent = current ? box.dataset.speaking + ": " + speakerText(current) : "";
    $("room-speaker").classList.toggle("point-of-order", !!current && current.kind === "point_of_order");
    var next = $("room-next");
    next.textContent = "";
    if (list && view !== "document") {
      list.waiting.slice(0, view === "speakers" ? 8 : 3).forEach(function (s) {
        var li = document.createElement("li");
        li.textContent = speakerText(s);
        li.classList.toggle("point-of-order", s.kind === "point_of_order");
        next.appendChild(li);
      });
    }
    showDocument(view === "document" ? room.projector.document_id : null, room.projector.line);
    countdown();
    layout();
  }

  function showDocument(documentId, line) {
    var article = $("room-document");
    article.hidden = !documentId;
    if (!documentId) { return; }
    function scroll() {
      var target = line && article.querySelector('[data-line="' + line + '"]');
      if (target) { target.scrollIntoView({ block: "start" }); } else { article.scrollTop = 0; }
    }
    if (state.documentShown === documentId) { scroll(); return; }
    var url = box.dataset.documentUrl.replace(/\/0$/, "/" + documentId);
    window.fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      article.innerHTML = html; // line-numbered and sanitised by the server
      state.documentShown = documentId;
      scroll();
    });
  }

  function countdown() {
    if (timer) { clearInterval(timer); }
    var out = $("room-countdown");
    var list = state.speakers;
    if (!list || !list.current || !list.current.started_at) { out.textContent = ""; return; }
    var started = Date.parse(list.current.started_at);
    function tick() {
      var left = Math.round(list.speaking_time - (Date.now() + state.offset - started) / 1000);
      out.classList.toggle("over", left < 0);
      var abs = Math.abs(left);
      out.textContent = (left < 0 ? "−" : "") + Math.floor(abs / 60) + ":" + String(abs % 60).padStart(2, "0");
    }
    tick();
    timer = setInterval(tick, 1000);
  }

  function setSpeakers(list) {
    if (list && list.server_time) { state.offset = Date.parse(list.server_time) - Date.now(); }
    state.speakers = list;
  }

  var watch = window.participationWatcher(socket, "watch_conference", { conference_id: conferenceId },
    function (reply) {
      state.room = reply.state.room;
      setSpeakers(reply.state.speakers);
      render();
    });

  socket.on("connect", watch);
  socket.on("room", function (room) {
    state.override = null;
    var itemChanged = !state.room || !room.current_agenda_item || !state.room.current_agenda_item ||
      room.current_agenda_item.id !== state.room.current_agenda_item.id;
    state.room = room;
    if (itemChanged) { watch(); } else { render(); }
  });
  socket.on("speakers", function (list) {
    var item = state.room && state.room.current_agenda_item;
    if (item && list.agenda_item_id === item.id) { setSpeakers(list); render(); }
  });
  socket.on("poll_opened", function () { state.override = null; });
  socket.on("poll_closed", function () { state.override = "poll"; layout(); });
  var watched = { attributes: true, attributeFilter: ["hidden"], childList: true };
  new MutationObserver(layout).observe($("projector-poll"), watched);
  new MutationObserver(layout).observe($("projector-result"), { childList: true });
})();
