// The live conference view: connects, receives the full state, shows whether it is online.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || typeof io === "undefined") { return; }
  var conferenceId = Number(root.dataset.conferenceId);
  var status = document.getElementById("connection");
  // Hidden in the page, since only a script ever connects.
  status.hidden = false;

  function show(state, text) {
    status.dataset.state = state;
    status.textContent = text || status.dataset[state] || status.textContent;
  }

  function renderAgenda(items) {
    var list = document.getElementById("agenda");
    if (!list) { return; }
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      if (item.parent_id) { li.className = "sub"; }
      var number = document.createElement("span");
      number.className = "agenda-number";
      number.textContent = item.number;
      li.appendChild(number);
      li.appendChild(document.createTextNode(" " + item.title));
      list.appendChild(li);
    });
  }

  // Naming the conference when connecting brings its full state with every connect and
  // reconnect ("conference_state"), without asking for it in a second message.
  var socket = io({ transports: ["websocket", "polling"], auth: { conference_id: conferenceId } });
  window.participationSocket = socket;

  function received(reply) {
    renderAgenda(reply.state.agenda);
    show("online");
    document.dispatchEvent(new CustomEvent("participation:state", { detail: reply.state }));
  }

  var watch = window.participationWatcher(socket, "watch_conference", { conference_id: conferenceId },
    received, function (refusal) { show("offline", refusal && refusal.error); });

  // The state pushed at connect may be a refusal too (a busy server): then it is asked for.
  socket.on("conference_state", function (reply) {
    if (reply && reply.ok) { received(reply); } else { watch.refused(reply); }
  });
  socket.on("disconnect", function () { show("offline"); });
  socket.on("connect_error", function () { show("offline"); });
  // The new agenda comes with the event (the room with its own event): nothing to ask.
  socket.on("agenda_changed", function (event) {
    if (event && event.agenda) { renderAgenda(event.agenda); } else { watch(); }
  });
  socket.on("session_ended", function () {
    show("ended");
    socket.disconnect();
    window.location.assign("/join");
  });
})();
