// Check-in desk: keeps the presence count live while other desks check people in.
(function () {
  "use strict";
  var counter = document.getElementById("presence");
  if (!counter || typeof io === "undefined") { return; }
  var conferenceId = Number(counter.dataset.conferenceId);
  var socket = io({ transports: ["websocket", "polling"] });
  var number = new Intl.NumberFormat(document.documentElement.lang || undefined).format;

  function render(p) {
    counter.textContent = counter.dataset.template
      .replace("{present}", number(p.present)).replace("{accredited}", number(p.accredited))
      .replace("{pw}", number(p.present_weight)).replace("{vw}", number(p.voting_weight));
  }

  socket.on("connect", window.participationWatcher(
    socket, "watch_conference", { conference_id: conferenceId },
    function (reply) { if (reply.state.presence) { render(reply.state.presence); } }));
  socket.on("presence", function (p) { if (p.conference_id === conferenceId) { render(p); } });
})();
