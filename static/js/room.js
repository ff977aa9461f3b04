// The phone's "Now" card: current agenda item, speaker with countdown, asking to speak.
(function () {
  "use strict";
  var card = document.getElementById("now");
  var live = document.getElementById("live");
  if (!card || !live) { return; }
  var conferenceId = Number(live.dataset.conferenceId);
  var myAccreditation = Number(card.dataset.accreditationId);
  var labels = JSON.parse(document.getElementById("room-labels").textContent);
  var state = { room: null, speakers: null, offset: 0 };
  var timer = null;

  function $(id) { return document.getElementById(id); }
  function socket() { return window.participationSocket; }

  function itemId() {
    return state.room && state.room.current_agenda_item ? state.room.current_agenda_item.id : null;
  }

  function speakerText(s) {
    var text = s.name + (s.organisation ? " (" + s.organisation + ")" : "");
    return s.kind === "point_of_order" ? labels.point_of_order + ": " + text : text;
  }

  function render() {
    var item = state.room && state.room.current_agenda_item;
    $("now-item").textContent = item ? item.number + " " + item.title : labels.no_item;
    var docs = $("now-documents");
    docs.textContent = "";
    ((state.room && state.room.documents) || []).forEach(function (d) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/c/" + conferenceId + "/documents/" + d.id;
      a.textContent = d.number + " " + d.title;
      a.dir = "auto"; // a German title reads left to right in an Arabic interface
      li.appendChild(a);
      docs.appendChild(li);
    });
    var list = state.speakers;
    var current = list && list.current;
    var mySpeech = !!current && current.accreditation_id === myAccreditation;
    $("now-speaker").textContent = current ? labels.speaking + " " + speakerText(current) : "";
    $("now-yours").hidden = !mySpeech;
    card.classList.toggle("my-speech", mySpeech);
    card.classList.toggle("point-of-order", !!current && current.kind === "point_of_order");
    var waiting = list ? list.waiting : [];
    var mine = waiting.filter(function (s) { return s.accreditation_id === myAccreditation; });
    var position = waiting.findIndex(function (s) { return s.accreditation_id === myAccreditation; });
    $("now-waiting").textContent = list ? labels.waiting.replace("{n}", waiting.length) : "";
    var controls = $("speak-controls");
    if (controls) {
      controls.hidden = !item;
      var priority = $("speak-priority-choice");
      if (priority) { priority.hidden = !list || list.alternation !== "self_declared"; }
      $("speak-request").hidden = mine.some(function (s) { return s.kind === "speech"; }) || (list && list.closed);
      $("speak-withdraw").hidden = mine.length === 0;
      $("speak-withdraw").dataset.requestId = mine.length ? mine[0].id : "";
      $("speak-status").textContent = position >= 0
        ? labels.your_place.replace("{n}", position + 1)
        : (list && list.closed ? labels.closed : "");
    }
    countdown();
  }

  function countdown() {
    if (timer) { clearInterval(timer); }
    var out = $("now-countdown");
    var list = state.speakers;
    if (!list || !list.current || !list.current.started_at) { out.textContent = ""; return; }
    var started = Date.parse(list.current.started_at);
    function tick() {
      var left = Math.round(list.speaking_time - (Date.now() + state.offset - started) / 1000);
      var sign = left < 0 ? "−" : "";
      left = Math.abs(left);
      out.textContent = sign + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    }
    tick();
    timer = setInterval(tick, 1000);
  }

  function setSpeakers(list) {
    if (list && list.server_time) { state.offset = Date.parse(list.server_time) - Date.now(); }
    state.speakers = list;
  }

  function send(event, payload) {
    payload.conference_id = conferenceId;
    socket().emit(event, payload, function (reply) {
      if (!reply || !reply.ok) { $("speak-status").textContent = (reply && reply.error) || "?"; }
    });
  }

  document.addEventListener("participation:state", function (event) {
    state.room = event.detail.room;
    setSpeakers(event.detail.speakers);
    render();
    var s = socket();
    if (s && !s.roomListening) {
      s.roomListening = true;
      s.on("room", function (room) {
        var changed = itemId() !== (room.current_agenda_item && room.current_agenda_item.id);
        state.room = room;
        if (changed) { state.speakers = null; }
        render();
      });
      s.on("speakers", function (list) {
        if (list.agenda_item_id === itemId()) { setSpeakers(list); render(); }
      });
    }
  });

  var ask = $("speak-request");
  if (ask) {
    ask.addEventListener("click", function () {
      var priority = $("speak-priority");
      send("request_to_speak", { agenda_item_id: itemId(), kind: "speech", priority: !!(priority && priority.checked) });
    });
    $("speak-point").addEventListener("click", function () {
      send("request_to_speak", { agenda_item_id: itemId(), kind: "point_of_order" });
    });
    $("speak-withdraw").addEventListener("click", function (event) {
      send("withdraw_speech", { request_id: Number(event.target.dataset.requestId) });
    });
  }
})();
