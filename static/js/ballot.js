// The ballot card on the delegate's live page.
//
// It appears when a poll opens, offers large buttons, asks for confirmation, and shows the
// receipt (tracker) once the server has stored the ballot. Each confirmed ballot carries a
// submission id made here; until the server acknowledges it, the ballot is kept in
// localStorage and sent again with the same id (on reconnect, reload or timeout), so a retry
// can never count twice.
(function () {
  "use strict";
  var card = document.getElementById("ballot");
  var socket = window.participationSocket;
  if (!card || !socket) { return; }
  var conferenceId = Number(card.dataset.conferenceId);
  var resultCard = document.getElementById("ballot-result");
  var t = card.dataset; // translated strings
  var ACK_TIMEOUT = 8000;
  var current = null; // the open poll
  var votes = []; // my votes in it
  var local = {}; // "poll:voter" -> {stage, choice}
  var shownResult = null;
  var countdownTimer = null;

  // --- helpers -------------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function button(label, className, onClick) {
    var b = el("button", className, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function newSubmissionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function key(voterId) { return current.id + ":" + voterId; }
  function storageKey(pollId, voterId) { return "participation.ballot." + pollId + "." + voterId; }

  function pending(pollId, voterId) {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey(pollId, voterId)) || "null");
    } catch (e) { return null; }
  }

  function remember(pollId, voterId, entry) {
    try {
      if (entry) {
        window.localStorage.setItem(storageKey(pollId, voterId), JSON.stringify(entry));
      } else {
        window.localStorage.removeItem(storageKey(pollId, voterId));
      }
    } catch (e) { /* private mode: the retry still works while the page is open */ }
  }

  function voteLabel(vote) { return { yes: t.yes, no: t.no, abstain: t.abstain }[vote] || vote; }

  function candidateName(id) {
    var found = (current.candidates || []).filter(function (c) { return c.id === Number(id); });
    return found.length ? found[0].name : String(id);
  }

  function describe(choice) {
    if (choice.vote) { return voteLabel(choice.vote); }
    if (choice.approve) {
      return choice.approve.length ? choice.approve.map(candidateName).join(", ") : t.empty;
    }
    return Object.keys(choice.votes).map(function (id) {
      return candidateName(id) + ": " + voteLabel(choice.votes[id]);
    }).join("; ");
  }

  // --- sending -------------------------------------------------------------------------------

  function send(pollId, voterId) {
    var entry = pending(pollId, voterId) || (local[pollId + ":" + voterId] || {}).entry;
    if (!entry) { return; }
    var state = local[pollId + ":" + voterId] = local[pollId + ":" + voterId] || {};
    state.stage = "sending";
    state.entry = entry;
    render();
    var payload = {
      conference_id: conferenceId,
      poll_id: pollId,
      voter_id: voterId,
      choice: entry.choice,
      submission_id: entry.submission_id
    };
    socket.timeout(ACK_TIMEOUT).emit("cast_ballot", payload, function (err, reply) {
      if (err) { // no acknowledgement: try again with the same id
        state.stage = "retrying";
        render();
        window.setTimeout(function () {
          if (socket.connected && state.stage === "retrying") { send(pollId, voterId); }
        }, 2000);
        return;
      }
      remember(pollId, voterId, null);
      if (reply && reply.ok) {
        state.stage = "done";
        state.tracker = reply.receipt.tracker;
        votes.forEach(function (vote) {
          if (current && current.id === pollId && vote.voter_id === voterId) {
            vote.cast = true;
            vote.tracker = reply.receipt.tracker;
          }
        });
        render();
      } else {
        state.stage = "error";
        state.error = (reply && reply.error) || t.failed;
        refresh();
      }
    });
  }

  function confirm(voterId) {
    var state = local[key(voterId)];
    var entry = { submission_id: newSubmissionId(), choice: state.choice };
    remember(current.id, voterId, entry);
    state.entry = entry;
    send(current.id, voterId);
  }

  // --- rendering -----------------------------------------------------------------------------

  function chooser(vote, state) {
    var box = el("div", "ballot-choose");
    if (current.method === "yes_no_abstain") {
      ["yes", "no", "abstain"].forEach(function (v) {
        box.appendChild(button(voteLabel(v), "ballot-option ballot-" + v, function () {
          state.choice = { vote: v };
          state.stage = "confirm";
          render();
        }));
      });
      return box;
    }
    if (current.method === "approval") {
      var picked = (state.draft = state.draft || []);
      box.appendChild(el("p", "ballot-hint", t.approveUpTo.replace("{n}", current.seats)));
      current.candidates.forEach(function (c) {
        var on = picked.indexOf(c.id) >= 0;
        var b = button(c.name, "ballot-option ballot-candidate" + (on ? " selected" : ""), function () {
          var at = picked.indexOf(c.id);
          if (at >= 0) { picked.splice(at, 1); } else if (picked.length < current.seats) { picked.push(c.id); }
          render();
        });
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.disabled = !on && picked.length >= current.seats;
        box.appendChild(b);
      });
      box.appendChild(button(t.next, "primary ballot-next", function () {
        state.choice = { approve: picked.slice().sort(function (a, b) { return a - b; }) };
        state.stage = "confirm";
        render();
      }));
      return box;
    }
    var marks = (state.draft = state.draft || {});
    current.candidates.forEach(function (c) {
      var row = el("fieldset", "ballot-candidate-row");
      row.appendChild(el("legend", null, c.name));
      ["yes", "no", "abstain"].forEach(function (v) {
        var on = marks[c.id] === v;
        var b = button(voteLabel(v), "ballot-option small ballot-" + v + (on ? " selected" : ""), function () {
          marks[c.id] = v;
          render();
        });
        b.setAttribute("aria-pressed", on ? "true" : "false");
        row.appendChild(b);
      });
      box.appendChild(row);
    });
    var complete = current.candidates.every(function (c) { return marks[c.id]; });
    var next = button(t.next, "primary ballot-next", function () {
      var chosen = {};
      current.candidates.forEach(function (c) { chosen[String(c.id)] = marks[c.id]; });
      state.choice = { votes: chosen };
      state.stage = "confirm";
      render();
    });
    next.disabled = !complete;
    box.appendChild(next);
    return box;
  }

  function renderVote(vote) {
    var state = local[key(vote.voter_id)] = local[key(vote.voter_id)] || { stage: "choose" };
    if (vote.cast) {
      state.stage = "done";
      state.tracker = vote.tracker;
      remember(current.id, vote.voter_id, null);
    }
    var box = el("div", "ballot-vote");
    box.dataset.voterId = vote.voter_id;
    box.dataset.stage = state.stage;
    if (votes.length > 1 || !vote.own) {
      box.appendChild(el("h3", null, vote.own ? t.yourVote : t.proxyFor.replace("{name}", vote.name)));
    }
    if (state.stage === "choose") {
      box.appendChild(chooser(vote, state));
    } else if (state.stage === "confirm") {
      box.appendChild(el("p", "ballot-chosen", t.youChose + " " + describe(state.choice)));
      var actions = el("div", "ballot-actions");
      actions.appendChild(button(t.confirm, "primary ballot-confirm", function () { confirm(vote.voter_id); }));
      actions.appendChild(button(t.change, "ballot-change", function () {
        state.stage = "choose";
        render();
      }));
      box.appendChild(actions);
    } else if (state.stage === "sending" || state.stage === "retrying") {
      box.appendChild(el("p", "ballot-sending", state.stage === "sending" ? t.sending : t.retrying));
    } else if (state.stage === "done") {
      box.appendChild(el("p", "ballot-done", t.stored));
      var receipt = el("p", "ballot-receipt");
      receipt.appendChild(el("span", null, t.tracker + " "));
      receipt.appendChild(el("code", "tracker", state.tracker));
      box.appendChild(receipt);
      box.appendChild(el("p", "ballot-hint", t.trackerHint));
    } else if (state.stage === "error") {
      box.appendChild(el("p", "ballot-error", state.error));
      box.appendChild(button(t.change, "ballot-change", function () {
        state.stage = "choose";
        render();
      }));
    }
    return box;
  }

  function renderCountdown() {
    var node = card.querySelector(".ballot-countdown");
    if (!node || !current || !current.closes_at) { return; }
    var left = Math.max(0, Math.round((Date.parse(current.closes_at) - Date.now()) / 1000));
    node.textContent = t.secondsLeft.replace("{n}", left);
  }

  function render() {
    window.clearInterval(countdownTimer);
    if (!current) {
      card.hidden = true;
      card.textContent = "";
      return;
    }
    card.hidden = false;
    card.textContent = "";
    card.dataset.pollId = current.id;
    card.appendChild(el("p", "ballot-kicker", current.secret ? t.secret : t.named));
    card.appendChild(el("h2", "ballot-title", current.title));
    if (current.question) { card.appendChild(el("p", "ballot-question", current.question)); }
    if (current.closes_at) {
      card.appendChild(el("p", "ballot-countdown"));
      renderCountdown();
      countdownTimer = window.setInterval(renderCountdown, 1000);
    }
    if (!votes.length) {
      card.appendChild(el("p", "ballot-hint", t.noVote));
      return;
    }
    votes.forEach(function (vote) { card.appendChild(renderVote(vote)); });
  }

  function showResult(poll) {
    if (!resultCard || !poll || shownResult === poll.id + ":" + poll.state) { return; }
    shownResult = poll.id + ":" + poll.state;
    var url = card.dataset.resultUrl.replace(/\/0$/, "/" + poll.id) + "?partial=result";
    window.fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (!html) { return; }
      resultCard.innerHTML = html; // rendered and escaped by the server's templates
      resultCard.hidden = false;
    });
  }

  function apply(voting) {
    if (!voting) { return; }
    current = voting.poll;
    votes = voting.my_votes || [];
    render();
    if (current) {
      if (resultCard) { resultCard.hidden = true; shownResult = null; }
      votes.forEach(function (vote) { // ballots confirmed but never acknowledged: send again
        var state = local[key(vote.voter_id)] || {};
        if (!vote.cast && pending(current.id, vote.voter_id) && state.stage !== "sending") {
          send(current.id, vote.voter_id);
        }
      });
    } else if (voting.last_result) {
      showResult(voting.last_result);
    }
  }

  function refresh() {
    socket.emit("poll_state", { conference_id: conferenceId }, function (reply) {
      if (reply && reply.ok) { apply(reply.voting); }
    });
  }

  document.addEventListener("participation:state", function (event) { apply(event.detail.voting); });
  socket.on("poll_opened", refresh);
  socket.on("poll_closed", refresh);
  socket.on("vote_recorded", function (recorded) { // cast elsewhere (another device, the API)?
    var state = local[recorded.poll_id + ":" + recorded.voter_id] || {};
    if (["done", "sending", "retrying"].indexOf(state.stage) < 0) { refresh(); }
  });
})();
