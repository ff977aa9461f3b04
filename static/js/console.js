// The moderators' console: agenda, speakers list, voting order and projector, driven over
// Socket.IO. The poll desk in it is projector.js's (it reloads the page when a poll opens or
// closes); the console shares its socket.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root || typeof io === "undefined") { return; }
  var conferenceId = Number(root.dataset.conferenceId);
  var labels = JSON.parse(document.getElementById("console-labels").textContent);
  var socket = window.participationSocket || io({ transports: ["websocket", "polling"] });
  var state = { room: null, speakers: null, clockOffset: 0 };
  var countdownTimer = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function showError(message) {
    var box = $("console-error");
    box.hidden = !message;
    box.textContent = message ? labels.error + " " + message : "";
  }

  function send(event, payload) {
    payload.conference_id = conferenceId;
    socket.emit(event, payload, function (reply) {
      showError(reply && reply.ok ? "" : (reply && reply.error) || "?");
    });
  }

  function currentItemId() {
    var item = state.room && state.room.current_agenda_item;
    return item ? item.id : null;
  }

  function renderAgenda() {
    var current = currentItemId();
    document.querySelectorAll("#console-agenda > li").forEach(function (li) {
      var isCurrent = Number(li.dataset.itemId) === current;
      li.classList.toggle("current", isCurrent);
      if (isCurrent) {
        li.setAttribute("aria-current", "step");
        li.scrollIntoView({ block: "nearest" });
      } else {
        li.removeAttribute("aria-current");
      }
    });
    // The voting order and the speakers settings of the current item only.
    var shown = false;
    document.querySelectorAll("#console-vote-order .vote-order").forEach(function (list) {
      list.hidden = Number(list.dataset.itemId) !== current;
      shown = shown || !list.hidden;
    });
    var hint = document.querySelector("#console-vote-order [data-empty-hint]");
    if (hint) { hint.hidden = shown; }
    document.querySelectorAll("form.item-speakers-settings").forEach(function (form) {
      form.hidden = Number(form.dataset.itemId) !== current;
    });
  }

  function renderProjector() {
    var projector = state.room && state.room.projector;
    if (!projector) { return; }
    var form = $("projector-form");
    form.querySelectorAll("input[name=view]").forEach(function (input) {
      input.checked = input.value === projector.view;
    });
    form.querySelectorAll("input[name=theme]").forEach(function (input) {
      input.checked = input.value === projector.theme;
    });
    if (projector.document_id) { $("projector-document").value = String(projector.document_id); }
    $("projector-line").value = projector.line || "";
  }

  function speakerLabel(s) {
    var text = s.name + (s.organisation ? " (" + s.organisation + ")" : "");
    if (s.priority && s.kind !== "point_of_order") { text += " – " + labels.priority; }
    return text;
  }

  function speakerEntry(tag, s) {
    var node = el(tag, null, s.kind === "point_of_order" ? "point-of-order" : "");
    if (s.kind === "point_of_order") { node.appendChild(el("strong", labels.point_of_order + ": ", "mark")); }
    node.appendChild(document.createTextNode(speakerLabel(s)));
    return node;
  }

  function renderSpeakers() {
    var list = state.speakers;
    var waiting = $("speakers-waiting");
    waiting.textContent = "";
    var item = state.room && state.room.current_agenda_item;
    $("speakers-item").textContent = item ? item.number + " " + item.title : labels.no_item;
    if (!list) { $("current-speaker").textContent = ""; $("countdown").textContent = ""; return; }
    var speaker = $("current-speaker");
    speaker.textContent = "";
    speaker.appendChild(list.current ? speakerEntry("span", list.current) : el("span", labels.nobody_speaks));
    var close = $("speakers-close");
    close.textContent = list.closed ? close.dataset.openLabel : close.dataset.closeLabel;
    if (!list.waiting.length) { waiting.appendChild(el("li", labels.nobody_waits, "hint")); }
    list.waiting.forEach(function (s, index) {
      var li = el("li", null, s.kind === "point_of_order" ? "point-of-order" : "");
      var name = speakerEntry("span", s);
      name.classList.add("speaker-name");
      li.appendChild(name);
      var actions = el("span", null, "speaker-actions");
      [["start", "speakers_start"], ["up", "up"], ["down", "down"], ["remove", "speakers_remove"]]
        .forEach(function (pair) {
          var button = el("button", labels[pair[0]]);
          button.type = "button";
          button.setAttribute("aria-label", labels[pair[0]] + ": " + s.name);
          button.addEventListener("click", function () { act(pair[1], s, index); });
          actions.appendChild(button);
        });
      li.appendChild(actions);
      waiting.appendChild(li);
    });
    if (list.closed) { waiting.appendChild(el("li", labels.list_closed, "hint")); }
    startCountdown();
  }

  function act(action, speaker, index) {
    if (action === "up" || action === "down") {
      var ids = state.speakers.waiting.filter(function (s) { return s.kind === "speech"; })
        .map(function (s) { return s.id; });
      var points = state.speakers.waiting.filter(function (s) { return s.kind !== "speech"; })
        .map(function (s) { return s.id; });
      var at = ids.indexOf(speaker.id);
      var to = action === "up" ? at - 1 : at + 1;
      if (at < 0 || to < 0 || to >= ids.length) { return; }
      ids.splice(to, 0, ids.splice(at, 1)[0]);
      send("speakers_reorder", { agenda_item_id: currentItemId(), order: points.concat(ids) });
      return;
    }
    send(action, { request_id: speaker.id });
  }

  function startCountdown() {
    if (countdownTimer) { clearInterval(countdownTimer); }
    var list = state.speakers;
    var out = $("countdown");
    if (!list || !list.current || !list.current.started_at) { out.textContent = ""; return; }
    var started = Date.parse(list.current.started_at);
    function tick() {
      var elapsed = (Date.now() + state.clockOffset - started) / 1000;
      var left = Math.round(list.speaking_time - elapsed);
      var sign = left < 0 ? "−" : "";
      left = Math.abs(left);
      out.textContent = sign + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      out.classList.toggle("over", sign !== "");
    }
    tick();
    countdownTimer = setInterval(tick, 1000);
  }

  function renderPresence(p) {
    var out = $("presence");
    if (!p) { return; }
    out.textContent = out.dataset.template.replace("{present}", p.present)
      .replace("{accredited}", p.accredited).replace("{pw}", p.present_weight)
      .replace("{vw}", p.voting_weight);
  }

  function setSpeakers(list) {
    if (list && list.server_time) { state.clockOffset = Date.parse(list.server_time) - Date.now(); }
    state.speakers = list;
    renderSpeakers();
  }

  function showConnection(online, text) {
    var status = $("connection");
    status.dataset.state = online ? "online" : "offline";
    status.textContent = text;
  }

  var watch = window.participationWatcher(socket, "watch_conference", { conference_id: conferenceId },
    function (reply) {
      state.room = reply.state.room;
      renderAgenda();
      renderProjector();
      setSpeakers(reply.state.speakers);
      renderPresence(reply.state.presence);
      showConnection(true, labels.online);
    },
    function (refusal) { showConnection(false, (refusal && refusal.error) || labels.offline); });

  socket.on("connect", watch);
  socket.on("disconnect", function () { showConnection(false, labels.offline); });
  socket.on("room", function (room) { state.room = room; renderAgenda(); renderProjector(); renderSpeakers(); });
  socket.on("speakers", function (list) {
    if (list.agenda_item_id === currentItemId()) { setSpeakers(list); }
  });
  socket.on("presence", renderPresence);
  socket.on("agenda_changed", function () { window.location.reload(); });

  document.querySelectorAll("button.set-current").forEach(function (button) {
    button.addEventListener("click", function () {
      send("set_current_item", { agenda_item_id: Number(button.dataset.itemId) });
    });
  });
  $("speakers-next").addEventListener("click", function () {
    if (currentItemId()) { send("speakers_next", { agenda_item_id: currentItemId() }); }
  });
  $("speakers-stop").addEventListener("click", function () {
    if (currentItemId()) { send("speakers_stop", { agenda_item_id: currentItemId() }); }
  });
  $("speakers-close").addEventListener("click", function () {
    if (currentItemId()) {
      send("speakers_close", { agenda_item_id: currentItemId(), closed: !(state.speakers && state.speakers.closed) });
    }
  });
  $("speakers-add").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!currentItemId()) { return; }
    send("speakers_add", {
      agenda_item_id: currentItemId(),
      accreditation_id: Number($("add-person").value),
      kind: $("add-point-of-order").checked ? "point_of_order" : "speech"
    });
  });
  var showResult = $("show-result");
  if (showResult) {
    showResult.addEventListener("click", function () { send("set_projector", { view: "poll" }); });
  }
  $("projector-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var view = form.querySelector("input[name=view]:checked");
    var theme = form.querySelector("input[name=theme]:checked");
    var payload = {};
    if (view) { payload.view = view.value; }
    if (theme) { payload.theme = theme.value; }
    if ($("projector-document").value) { payload.document_id = Number($("projector-document").value); }
    if ($("projector-line").value) { payload.line = Number($("projector-line").value); }
    send("set_projector", payload);
  });
})();
