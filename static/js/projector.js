// Live turnout of the open poll, then its result: on the projector and on the moderators' desk.
//
// Only turnout (how many of how many, by weight) is ever shown while a poll is open, and on the
// moderators' desk of a named poll who has voted and who has not yet; the result
// block is fetched from the server once the poll has closed, rendered there in the reader's
// language with the numbers and the rule that decided it.
(function () {
  "use strict";
  var root = document.getElementById("poll-live");
  if (!root || typeof io === "undefined") { return; }
  var mode = root.dataset.mode;
  var conferenceId = Number(root.dataset.conferenceId);
  var socket = io({ transports: ["websocket", "polling"] });
  window.participationSocket = socket;
  var current = null;
  var shownResult = null;
  var countdownTimer = null;
  var shownTurnout = null; // {poll, count}: the turnout on screen

  function byId(id) { return document.getElementById(id); }

  // Numbers as the page's language writes them ("12,5" in German), as the server's are.
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });

  function weightText(units, scale) {
    return numberFormat.format(units / (scale || 1));
  }

  // Turnout only grows while a poll is open, but events may arrive out of order (and a full
  // state may be older than an event that overtook it): never step back within one poll.
  function isOlder(t) {
    return shownTurnout !== null && shownTurnout.poll === t.poll_id && t.cast_count < shownTurnout.count;
  }

  function renderTurnout(t) {
    if (!t || (current && t.poll_id !== current.id) || isOlder(t)) { return; }
    shownTurnout = { poll: t.poll_id, count: t.cast_count };
    var fill = byId("turnout-fill");
    var text = byId("turnout-text");
    var share = t.eligible_weight ? t.cast_weight / t.eligible_weight : 0;
    if (fill) {
      fill.style.width = Math.round(share * 1000) / 10 + "%";
      fill.dataset.count = t.cast_count;
      fill.dataset.of = t.eligible_count;
    }
    if (text) {
      text.textContent = root.dataset.turnoutTemplate
        .replace("{cast}", numberFormat.format(t.cast_count))
        .replace("{eligible}", numberFormat.format(t.eligible_count))
        .replace("{cw}", weightText(t.cast_weight, t.weight_scale))
        .replace("{ew}", weightText(t.eligible_weight, t.weight_scale));
    }
    renderRollCall(t);
  }

  // A named poll's roll call on the moderators' desk: who has voted, who has not yet.
  function renderRollCall(t) {
    ["voted", "not_yet"].forEach(function (key) {
      var box = byId("roll-" + key);
      if (!box || !t[key]) { return; }
      box.querySelector("summary").textContent = box.dataset.template.replace("{n}", numberFormat.format(t[key].length));
      var list = document.createElement("ul");
      t[key].forEach(function (voter) {
        var item = document.createElement("li");
        var name = document.createElement("bdi");
        name.textContent = voter.name;
        item.appendChild(name);
        if (voter.organisation) { item.appendChild(document.createTextNode(" (" + voter.organisation + ")")); }
        list.appendChild(item);
      });
      box.replaceChild(list, box.querySelector("ul"));
    });
  }

  function renderCountdown() {
    var node = root.querySelector(".countdown");
    if (!node) { return; }
    var closesAt = current && current.closes_at ? current.closes_at : node.dataset.closesAt;
    if (!closesAt) { node.textContent = ""; return; }
    var left = Math.max(0, Math.round((Date.parse(closesAt) - Date.now()) / 1000));
    node.textContent = (root.dataset.seconds || "{n} s").replace("{n}", left);
  }

  function startCountdown() {
    window.clearInterval(countdownTimer);
    renderCountdown();
    countdownTimer = window.setInterval(renderCountdown, 1000);
  }

  function showResult(poll) {
    var box = byId("projector-result");
    if (!box || !poll || shownResult === poll.id + ":" + poll.state) { return; }
    shownResult = poll.id + ":" + poll.state;
    function draw(html) {
      if (!html) { return; }
      box.innerHTML = html; // rendered and escaped by the server's templates
      box.hidden = false;
      byId("projector-idle").hidden = true;
    }
    if (poll.result_html) { draw(poll.result_html); return; } // sent with the event
    var url = root.dataset.resultUrl.replace(/\/0$/, "/" + poll.id) + "?partial=result";
    window.fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(draw);
  }

  // The poll's title in the projector's language and its rule in one line, from the same
  // server-rendered subject the phones fold into their ballots (once per poll).
  var titledPoll = null;
  var pushedSubjects = {}; // poll id → the subject sent with its opening
  function fetchSubject(pollId) {
    var url = root.dataset.subjectUrl;
    if (!url || !byId("poll-rule")) { return; }
    titledPoll = pollId;
    function show(html) {
      if (!html || !current || current.id !== pollId) { return; }
      var subject = new DOMParser().parseFromString(html, "text/html").querySelector(".ballot-subject");
      if (!subject) { return; }
      if (subject.dataset.title) { byId("poll-title").textContent = subject.dataset.title; }
      var rule = subject.querySelector(".ballot-rule");
      byId("poll-rule").textContent = rule ? rule.textContent : "";
    }
    if (pushedSubjects[pollId]) { show(pushedSubjects[pollId]); return; }
    window.fetch(url.replace(/\/0\/subject$/, "/" + pollId + "/subject"), { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(show).catch(function () { titledPoll = null; });
  }

  function renderProjector(state) {
    var voting = state.voting || {};
    if (state.audit_head) { byId("audit-head").textContent = state.audit_head.hash; }
    current = voting.poll;
    var pollBox = byId("projector-poll");
    if (current) {
      shownResult = null;
      byId("projector-result").hidden = true;
      byId("projector-idle").hidden = true;
      pollBox.hidden = false;
      pollBox.dataset.pollId = current.id;
      byId("poll-mode").textContent = current.secret ? root.dataset.secret : root.dataset.named;
      if (titledPoll !== current.id) {
        byId("poll-title").textContent = current.title;
        byId("poll-rule").textContent = "";
        fetchSubject(current.id);
      }
      byId("poll-question").textContent = current.question || "";
      renderTurnout(voting.turnout);
      startCountdown();
      return;
    }
    window.clearInterval(countdownTimer);
    pollBox.hidden = true;
    if (voting.last_result) {
      showResult(voting.last_result);
    } else {
      byId("projector-idle").hidden = false;
    }
  }

  function setOnline(online, text) {
    var status = byId("connection");
    if (!status) { return; }
    status.dataset.state = online ? "online" : "offline";
    status.textContent = text || (online ? root.dataset.online : root.dataset.offline);
  }

  var watch = mode === "projector"
    ? window.participationWatcher(socket, "watch_projector", { conference_id: conferenceId },
      function (reply) { setOnline(true); renderProjector(reply); },
      function (refusal) { setOnline(false, refusal && refusal.error); })
    : window.participationWatcher(socket, "watch_conference", { conference_id: conferenceId },
      function (reply) { if (reply.state.voting) { renderTurnout(reply.state.voting.turnout); } });

  socket.on("connect", watch);
  socket.on("disconnect", function () { setOnline(false); });
  socket.on("poll_turnout", function (t) {
    if (t.conference_id === conferenceId) { renderTurnout(t); }
  });
  if (mode === "projector") {
    socket.on("poll_opened", function (poll) {
      if (poll.subject_html) { pushedSubjects[poll.id] = poll.subject_html; }
      watch();
    });
    // A result comes drawn with the event, and the chain's head with it: nothing to ask.
    socket.on("poll_closed", function (poll) {
      if (!poll.result_html || (current && current.id !== poll.id)) { watch(); return; }
      renderProjector({ voting: { poll: null, last_result: poll }, audit_head: poll.audit_head });
    });
  } else {
    // The desk is a server-rendered page: reload it when its open poll closes or one opens.
    var shown = Number(root.dataset.pollId || 0);
    socket.on("poll_opened", function (poll) { if (poll.id !== shown) { window.location.reload(); } });
    socket.on("poll_closed", function (poll) { if (poll.id === shown) { window.location.reload(); } });
    if (root.querySelector(".countdown")) { startCountdown(); }
  }
})();
