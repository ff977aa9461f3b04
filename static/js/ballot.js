// The ballot card on the delegate's live page.
//
// It appears when a poll opens, offers large buttons, asks for confirmation, and shows the
// receipt (tracker) once the server has stored the ballot. Each confirmed ballot carries a
// submission id made here; until the server acknowledges it, the ballot is kept in
// localStorage and sent again with the same id (on reconnect, reload, timeout or when the
// server answers that it is busy), so a retry can never count twice.
//
// Under the question it folds in what is decided (the text or the amendment's diff, the
// candidates) and the rule with the quorum, fetched once per poll from the server. A person
// without a vote is told why and what to do. After the close, the result card keeps the
// receipts with a link to find them in the published list.
//
// For keyboard and screen reader users: every vote button is named by what it votes on, focus
// follows the steps (choice → confirmation → receipt), and a status region outside the card
// announces each step once.
(function () {
  "use strict";
  var card = document.getElementById("ballot");
  var socket = window.participationSocket;
  if (!card || !socket) { return; }
  var status = document.getElementById("ballot-status");
  var conferenceId = Number(card.dataset.conferenceId);
  var resultCard = document.getElementById("ballot-result");
  var t = card.dataset; // translated strings
  var ACK_TIMEOUT = 8000;
  var RETRY_AFTER = 2000; // then doubling, up to RETRY_MAX, with jitter
  var RETRY_MAX = 15000;
  var BUSY = 503; // the server's answer when its database stayed locked: try again later
  var current = null; // the open poll
  var votes = []; // my votes in it
  var noVote = null; // why there is nothing to cast: {reason[, holder]}
  var lastVotes = []; // my votes in the last closed poll, with their receipts
  var subjects = {}; // poll id -> the subject's HTML, or "loading"
  var subjectOpen = {}; // poll id -> whether the reader unfolded the text
  var resultHtml = "";
  var resultPoll = null; // the closed poll whose result is shown
  var local = {}; // "poll:voter" -> {stage, choice}
  var shownResult = null;
  var countdownTimer = null;
  var focusNext = null; // data-focus key of the element to focus after the next render
  var announcedPoll = null;

  // --- helpers -------------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function button(label, className, onClick, focusKey) {
    var b = el("button", className, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    if (focusKey) { b.dataset.focus = focusKey; }
    return b;
  }

  // A button's accessible name: its own text, then what it votes on (the candidate, the
  // poll's title, whose vote it is), read from the elements that show them.
  function nameFrom(b, id, others) {
    b.id = id;
    b.setAttribute("aria-labelledby", [id].concat(others.filter(Boolean)).join(" "));
    return b;
  }

  function announce(text) {
    if (status && status.textContent !== text) { status.textContent = text; }
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
      if (err || (reply && !reply.ok && reply.status === BUSY)) {
        // No acknowledgement, or the server is busy: keep the ballot and send it again later
        // with the same submission id, waiting a little longer each time.
        state.stage = "retrying";
        state.attempts = (state.attempts || 0) + 1;
        render();
        var wait = Math.min(RETRY_AFTER * Math.pow(2, state.attempts - 1), RETRY_MAX);
        window.setTimeout(function () {
          if (socket.connected && state.stage === "retrying") { send(pollId, voterId); }
        }, wait * (0.75 + Math.random() / 2));
        return;
      }
      remember(pollId, voterId, null);
      state.attempts = 0;
      if (reply && reply.ok) {
        state.stage = "done";
        if (!focusNext && focusInCard()) { focusNext = "done:" + voterId; }
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
        if (focusInCard()) { focusNext = "error:" + voterId; }
        refresh();
      }
    });
  }

  function confirm(voterId) {
    var state = local[key(voterId)];
    var poll = current;
    var vote = votes.filter(function (v) { return v.voter_id === voterId; })[0];
    state.stage = "sending";
    focusNext = "sending:" + voterId;
    render();
    sealed(poll, vote, state.choice).then(function (made) {
      var entry = { submission_id: newSubmissionId(), choice: made.choice, tracker: made.tracker };
      remember(poll.id, voterId, entry);
      state.entry = entry;
      send(poll.id, voterId);
    }, function () {
      state.stage = "error";
      state.error = t.encryptFailed;
      if (focusInCard()) { focusNext = "error:" + voterId; }
      render();
    });
  }

  // --- encryption ------------------------------------------------------------------------------

  // In an encrypted poll the choice never leaves the phone: it becomes one 0/1 mark per
  // answer, encrypted to the trustees' key with proofs that the ballot is well formed; the
  // tracker (the encrypted ballot's hash) is known before it is sent.
  var crypto = null;

  function marksOf(poll, choice) {
    var answers = ["yes", "no", "abstain"];
    function row(vote) { return answers.map(function (a) { return a === vote ? 1 : 0; }); }
    if (poll.method === "yes_no_abstain") { return [row(choice.vote)]; }
    if (poll.method === "approval") {
      return [poll.candidates.map(function (c) { return choice.approve.indexOf(c.id) >= 0 ? 1 : 0; })];
    }
    return poll.candidates.map(function (c) { return row(choice.votes[String(c.id)]); });
  }

  function sealed(poll, vote, choice) {
    if (!poll.encryption) { return Promise.resolve({ choice: choice, tracker: null }); }
    crypto = crypto || import(card.dataset.cryptoUrl);
    return crypto.then(function (module) {
      var made = module.encryptBallot({
        publicKey: poll.encryption.key,
        poll: poll.encryption.label,
        voter: vote.pseudonym,
        questions: poll.encryption.questions,
        marks: marksOf(poll, choice)
      });
      return {
        choice: { encrypted: made.ballot },
        tracker: made.tracker,
        reveal: { // Benaloh's check: everything another device needs to open this ballot
          format: "participation/spoiled/v1",
          poll: poll.encryption.label,
          key: poll.encryption.key,
          questions: poll.encryption.questions,
          labels: answerLabels(poll),
          tracker: made.tracker,
          ballot: made.ballot,
          marks: marksOf(poll, choice),
          randomness: made.randomness
        }
      };
    });
  }

  // What each mark stands for, so the checking device can say what the ballot encrypts.
  function answerLabels(poll) {
    var answers = [t.yes, t.no, t.abstain];
    if (poll.method === "yes_no_abstain") { return [answers]; }
    if (poll.method === "approval") { return [poll.candidates.map(function (c) { return c.name; })]; }
    return poll.candidates.map(function (c) {
      return answers.map(function (a) { return c.name + ": " + a; });
    });
  }

  // Encrypt the choice only to show it opened: this ballot is never sent. A phone that
  // encrypted something else than the choice is caught by the device that checks it.
  function spoil(voterId) {
    var state = local[key(voterId)];
    var vote = votes.filter(function (v) { return v.voter_id === voterId; })[0];
    sealed(current, vote, state.choice).then(function (made) {
      state.stage = "spoiled";
      state.reveal = JSON.stringify(made.reveal);
      focusNext = "spoiled:" + voterId;
      render();
    }, function () {
      state.stage = "error";
      state.error = t.encryptFailed;
      render();
    });
  }

  function spoiledNode(state, voterId, back) {
    var box = el("div", "ballot-spoiled");
    var heading = el("p", "ballot-spoiled-title", t.spoiledTitle);
    heading.tabIndex = -1;
    heading.dataset.focus = "spoiled:" + voterId;
    box.appendChild(heading);
    var hint = el("p", "ballot-hint");
    hint.appendChild(document.createTextNode(t.spoiledHint + " "));
    var link = el("a", null, t.checkPage);
    link.href = card.dataset.checkUrl;
    link.target = "_blank";
    link.rel = "noopener";
    hint.appendChild(link);
    box.appendChild(hint);
    var text = el("textarea", "ballot-reveal");
    text.readOnly = true;
    text.rows = 4;
    text.value = state.reveal;
    text.id = "ballot-reveal-" + voterId;
    text.setAttribute("aria-label", t.spoiledTitle);
    box.appendChild(text);
    var actions = el("div", "ballot-actions");
    var download = el("a", "button", t.download);
    download.href = URL.createObjectURL(new Blob([state.reveal], { type: "application/json" }));
    download.download = "ballot-check.json";
    actions.appendChild(download);
    actions.appendChild(button(t.backToVote, "primary ballot-back", back, "back:" + voterId));
    box.appendChild(actions);
    return box;
  }

  function choose(state, voterId, choice) {
    state.choice = choice;
    state.stage = "confirm";
    focusNext = "confirm:" + voterId;
    render();
  }

  // --- what is decided --------------------------------------------------------------------------

  function pollUrl(template, pollId) { return template.replace(/\/0(\/|$)/, "/" + pollId + "$1"); }

  // Fetch the poll's subject once; the card is drawn again when it arrives. The buttons do
  // not wait for it, so the hall's phones ask spread over a second and a half.
  function loadSubject(pollId) {
    if (subjects[pollId]) { return; }
    subjects[pollId] = "loading";
    window.setTimeout(function () {
      if (subjects[pollId] !== "loading") { return; } // it came with the poll's opening
      window.fetch(pollUrl(card.dataset.subjectUrl, pollId), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (!html) { delete subjects[pollId]; return; }
          subjects[pollId] = html;
          if (current && current.id === pollId) { render(); }
          if (!current && resultPoll && resultPoll.id === pollId) { renderResult(resultPoll); }
        }, function () { delete subjects[pollId]; }); // offline: asked again at the next drawing
    }, Math.random() * 1500);
  }

  // The subject as nodes: server-rendered and sanitised HTML (the text renderers escape it).
  function subjectNode(pollId) {
    var html = subjects[pollId];
    if (!html || html === "loading" || html === "opening") { return null; }
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var node = holder.content.firstElementChild;
    if (!node) { return null; }
    // Keep the keyboard focus on the fold or the link when the card is drawn again.
    var summary = node.querySelector("summary");
    if (summary) { summary.dataset.focus = "subject"; }
    var link = node.querySelector("a");
    if (link) { link.dataset.focus = "subject-link"; }
    var details = node.querySelector("details");
    if (details) {
      details.open = !!subjectOpen[pollId];
      details.addEventListener("toggle", function () { subjectOpen[pollId] = details.open; });
    }
    return node;
  }

  function reasonText(reason) {
    if (!reason) { return t.noVote; }
    var text = {
      no_right: t.reasonNoRight,
      not_checked_in: t.reasonNotCheckedIn,
      checked_in_late: t.reasonCheckedInLate,
      proxy: t.reasonProxy,
      proxy_absent: t.reasonProxyAbsent,
      voted: t.reasonVoted
    }[reason.reason] || t.noVote;
    return text.replace(/\{name\}/g, reason.holder || "");
  }

  // --- rendering -----------------------------------------------------------------------------

  function chooser(vote, state, whose) {
    var box = el("div", "ballot-choose");
    var voterId = vote.voter_id;
    var prefix = "ballot-" + voterId + "-";
    if (current.method === "yes_no_abstain") {
      ["yes", "no", "abstain"].forEach(function (v, i) {
        var b = button(voteLabel(v), "ballot-option ballot-" + v, function () {
          choose(state, voterId, { vote: v });
        }, i === 0 ? "choose:" + voterId : "option:" + voterId + ":" + v);
        box.appendChild(nameFrom(b, prefix + v, ["ballot-title", whose]));
      });
      return box;
    }
    if (current.method === "approval") {
      var picked = (state.draft = state.draft || []);
      box.appendChild(el("p", "ballot-hint", t.approveUpTo.replace("{n}", current.seats)));
      current.candidates.forEach(function (c, i) {
        var on = picked.indexOf(c.id) >= 0;
        var b = button(c.name, "ballot-option ballot-candidate" + (on ? " selected" : ""), function () {
          var at = picked.indexOf(c.id);
          if (at >= 0) { picked.splice(at, 1); } else if (picked.length < current.seats) { picked.push(c.id); }
          render();
        }, i === 0 ? "choose:" + voterId : "candidate:" + voterId + ":" + c.id);
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.dir = "auto";
        b.disabled = !on && picked.length >= current.seats;
        box.appendChild(nameFrom(b, prefix + "c" + c.id, ["ballot-title", whose]));
      });
      box.appendChild(button(t.next, "primary ballot-next", function () {
        choose(state, voterId, { approve: picked.slice().sort(function (a, b) { return a - b; }) });
      }, "next:" + voterId));
      return box;
    }
    var marks = (state.draft = state.draft || {});
    current.candidates.forEach(function (c, i) {
      var row = el("fieldset", "ballot-candidate-row");
      var legend = el("legend", null, c.name);
      legend.id = prefix + "c" + c.id;
      legend.dir = "auto";
      row.appendChild(legend);
      ["yes", "no", "abstain"].forEach(function (v, j) {
        var on = marks[c.id] === v;
        var b = button(voteLabel(v), "ballot-option small ballot-" + v + (on ? " selected" : ""), function () {
          marks[c.id] = v;
          render();
        }, i === 0 && j === 0 ? "choose:" + voterId : "mark:" + voterId + ":" + c.id + ":" + v);
        b.setAttribute("aria-pressed", on ? "true" : "false");
        row.appendChild(nameFrom(b, legend.id + "-" + v, [legend.id, "ballot-title", whose]));
      });
      box.appendChild(row);
    });
    var complete = current.candidates.every(function (c) { return marks[c.id]; });
    var next = button(t.next, "primary ballot-next", function () {
      var chosen = {};
      current.candidates.forEach(function (c) { chosen[String(c.id)] = marks[c.id]; });
      choose(state, voterId, { votes: chosen });
    }, "next:" + voterId);
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
    var voterId = vote.voter_id;
    var prefix = "ballot-" + voterId + "-";
    var box = el("div", "ballot-vote");
    box.dataset.voterId = voterId;
    box.dataset.stage = state.stage;
    var whose = null; // the heading naming whose vote this is, when it needs saying
    if (votes.length > 1 || !vote.own) {
      var heading = el("h3", null, vote.own ? t.yourVote : t.proxyFor.replace("{name}", vote.name));
      heading.id = whose = prefix + "whose";
      box.appendChild(heading);
    }
    function again() {
      state.stage = "choose";
      focusNext = "choose:" + voterId;
      render();
    }
    function focusTarget(node, focusKey) { // a step's text, focused when the step begins
      node.tabIndex = -1;
      node.dataset.focus = focusKey;
      return node;
    }
    if (state.stage === "choose") {
      box.appendChild(chooser(vote, state, whose));
    } else if (state.stage === "confirm") {
      var chosen = el("p", "ballot-chosen", t.youChose + " " + describe(state.choice));
      chosen.id = prefix + "chosen";
      box.appendChild(chosen);
      var actions = el("div", "ballot-actions");
      var confirmButton = button(t.confirm, "primary ballot-confirm", function () {
        confirm(voterId);
      }, "confirm:" + voterId);
      nameFrom(confirmButton, prefix + "confirm", ["ballot-title", whose]);
      confirmButton.setAttribute("aria-describedby", chosen.id);
      actions.appendChild(confirmButton);
      actions.appendChild(button(t.change, "ballot-change", again, "change:" + voterId));
      box.appendChild(actions);
      if (current.encryption) {
        box.appendChild(button(t.checkEncryption, "ballot-spoil", function () {
          spoil(voterId);
        }, "spoil:" + voterId));
      }
    } else if (state.stage === "spoiled") {
      box.appendChild(spoiledNode(state, voterId, function () {
        state.stage = "confirm";
        state.reveal = null;
        focusNext = "confirm:" + voterId;
        render();
      }));
    } else if (state.stage === "sending" || state.stage === "retrying") {
      box.appendChild(focusTarget(el("p", "ballot-sending",
        state.stage === "sending" ? t.sending : t.retrying), "sending:" + voterId));
      if (state.entry && state.entry.tracker) { // encrypted: the tracker is known already
        var early = el("p", "ballot-receipt");
        early.appendChild(el("span", null, t.tracker + " "));
        early.appendChild(el("code", "tracker", state.entry.tracker));
        box.appendChild(early);
      }
    } else if (state.stage === "done") {
      box.appendChild(focusTarget(el(whose ? "h4" : "h3", "ballot-done", t.stored), "done:" + voterId));
      var receipt = el("p", "ballot-receipt");
      receipt.appendChild(el("span", null, t.tracker + " "));
      receipt.appendChild(el("code", "tracker", state.tracker));
      box.appendChild(receipt);
      box.appendChild(el("p", "ballot-hint", t.trackerHint));
    } else if (state.stage === "error") {
      box.appendChild(focusTarget(el("p", "ballot-error", state.error), "error:" + voterId));
      box.appendChild(button(t.change, "ballot-change", again, "change:" + voterId));
    }
    return box;
  }

  // What the status region says about a vote's step (once per change).
  function stepText(vote) {
    var state = local[key(vote.voter_id)] || {};
    var text = {
      confirm: state.choice ? t.youChose + " " + describe(state.choice) : "",
      sending: t.sending,
      retrying: t.retrying,
      done: t.stored,
      error: state.error
    }[state.stage] || "";
    if (text && (votes.length > 1 || !vote.own)) {
      text = (vote.own ? t.yourVote : t.proxyFor.replace("{name}", vote.name)) + ": " + text;
    }
    return text;
  }

  function focusInCard() {
    var active = document.activeElement;
    return !active || active === document.body || card.contains(active);
  }

  function renderCountdown() {
    var node = card.querySelector(".ballot-countdown");
    if (!node || !current || !current.closes_at) { return; }
    var left = Math.max(0, Math.round((Date.parse(current.closes_at) - Date.now()) / 1000));
    node.textContent = t.secondsLeft.replace("{n}", left);
  }

  function render() {
    window.clearInterval(countdownTimer);
    // Re-rendering replaces the card's buttons: keep the keyboard focus where it was (or
    // move it to the next step), unless it has left the card meanwhile.
    var active = document.activeElement;
    var hadFocus = focusInCard();
    var focusKey = focusNext || (active && card.contains(active) ? active.dataset.focus : null);
    focusNext = null;
    if (!current) {
      card.hidden = true;
      card.textContent = "";
      announcedPoll = null;
      announce("");
      return;
    }
    card.hidden = false;
    card.textContent = "";
    card.dataset.pollId = current.id;
    card.appendChild(el("p", "ballot-kicker",
      current.encryption ? t.encrypted : current.secret ? t.secret : t.named));
    // Titles, questions and names are written in any language: let each find its direction.
    var subject = subjectNode(current.id);
    var translated = subject && subject.dataset.title;
    var title = el("h2", "ballot-title", translated || current.title);
    title.id = "ballot-title";
    title.dir = "auto";
    if (translated) { title.lang = subject.dataset.lang; }
    card.appendChild(title);
    if (current.question) {
      var question = el("p", "ballot-question", current.question);
      question.dir = "auto";
      card.appendChild(question);
    }
    if (subject) { card.appendChild(subject); } else { loadSubject(current.id); }
    if (current.closes_at) {
      card.appendChild(el("p", "ballot-countdown"));
      renderCountdown();
      countdownTimer = window.setInterval(renderCountdown, 1000);
    }
    if (!votes.length || (noVote && noVote.reason === "voted")) {
      card.appendChild(el("p", "ballot-hint ballot-no-vote", reasonText(noVote)));
    }
    votes.forEach(function (vote) { card.appendChild(renderVote(vote)); });

    var steps = votes.map(stepText).filter(Boolean);
    if (announcedPoll !== current.id) { // a poll has just appeared: say which
      announcedPoll = current.id;
      steps.unshift((current.secret ? t.secret : t.named) + ": " + current.title);
      if (!votes.length) { steps.push(reasonText(noVote)); }
    }
    if (steps.length) { announce(steps.join(" ")); }

    var target = focusKey && hadFocus ? card.querySelector('[data-focus="' + focusKey + '"]') : null;
    if (target && !target.disabled) { target.focus(); }
  }

  // My receipts of the closed poll, each with a link that finds it in the published list.
  function receiptsNode(poll) {
    var cast = lastVotes.filter(function (vote) { return vote.tracker; });
    if (!cast.length) { return null; }
    var box = el("div", "ballot-receipts");
    box.appendChild(el("h3", null, t.receipts));
    cast.forEach(function (vote) {
      var row = el("p", "ballot-receipt");
      if (cast.length > 1 || !vote.own) {
        var whose = el("span", null, (vote.own ? t.yourVote : t.proxyFor.replace("{name}", vote.name)) + ": ");
        whose.dir = "auto";
        row.appendChild(whose);
      }
      row.appendChild(el("code", "tracker", vote.tracker));
      box.appendChild(row);
      var link = el("a", "ballot-check", t.checkReceipt);
      link.href = pollUrl(card.dataset.resultUrl, poll.id) + "?tracker=" + encodeURIComponent(vote.tracker) + "#trackers-heading";
      var line = el("p");
      line.appendChild(link);
      box.appendChild(line);
    });
    return box;
  }

  function renderResult(poll) {
    if (!resultHtml) { return; }
    resultCard.innerHTML = resultHtml; // rendered and escaped by the server's templates
    // The poll's title in the reader's language, as on the ballot.
    var subject = subjectNode(poll.id);
    var heading = resultCard.querySelector("h2");
    if (subject && subject.dataset.title && heading) {
      heading.textContent = subject.dataset.title;
      heading.lang = subject.dataset.lang;
      heading.dir = "auto";
    } else if (!subject) {
      loadSubject(poll.id);
    }
    var receipts = receiptsNode(poll);
    if (receipts) { resultCard.appendChild(receipts); }
    resultCard.hidden = false;
  }

  function showResult(poll) {
    if (!resultCard || !poll) { return; }
    resultPoll = poll;
    if (shownResult === poll.id + ":" + poll.state) { renderResult(poll); return; }
    shownResult = poll.id + ":" + poll.state;
    resultHtml = "";
    if (poll.result_html) { // drawn by the server in this page's language, sent with the event
      resultHtml = poll.result_html;
      renderResult(poll);
      return;
    }
    var url = pollUrl(card.dataset.resultUrl, poll.id) + "?partial=result";
    window.fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (!html || shownResult !== poll.id + ":" + poll.state) { return; }
      resultHtml = html;
      renderResult(poll);
    });
  }

  function apply(voting) {
    if (!voting) { return; }
    current = voting.poll;
    votes = voting.my_votes || [];
    noVote = voting.no_vote || null;
    lastVotes = voting.last_votes || [];
    render();
    if (current) {
      if (resultCard) { resultCard.hidden = true; shownResult = null; resultPoll = null; }
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

  // A subject awaited from an opening that a dropped connection may have lost is asked for.
  function forgetOpenings() {
    Object.keys(subjects).forEach(function (pollId) {
      if (subjects[pollId] === "opening") { delete subjects[pollId]; }
    });
  }

  document.addEventListener("participation:state", function (event) {
    forgetOpenings();
    apply(event.detail.voting);
  });
  // A poll opens: whoever casts votes in it gets "ballot_ready" (with the votes) just before
  // "poll_opened"; everyone else shows the open poll without a ballot. No request is needed,
  // so a hall of phones does not ask the server all at once.
  socket.on("ballot_ready", function (ready) {
    if (!ready || ready.conference_id !== conferenceId) { return; }
    // "poll_opened" follows with the subject: the ballot is drawn without it until then.
    var poll = ready.voting && ready.voting.poll;
    if (poll && !subjects[poll.id]) { subjects[poll.id] = "opening"; }
    apply(ready.voting);
  });
  socket.on("poll_opened", function (poll) {
    // What the poll decides comes drawn in this page's language: nothing to fetch.
    if (poll.subject_html && subjects[poll.id] !== poll.subject_html) {
      subjects[poll.id] = poll.subject_html;
      if (current && current.id === poll.id) { render(); }
    } else if (!poll.subject_html && subjects[poll.id] === "opening") {
      delete subjects[poll.id]; // not drawn by the server: the ballot asks for it
      if (current && current.id === poll.id) { render(); }
    }
    if (current && current.id === poll.id) { return; } // its ballot is shown already
    if (card.dataset.votingRight !== "yes") { // observers, guests, staff: nothing to ask
      apply({ poll: poll, my_votes: [], no_vote: { reason: "no_right" }, last_result: null });
      return;
    }
    apply({ poll: poll, my_votes: [], last_result: null });
    // A delegate with voting right got no ballot: ask why (not checked in, too late, a
    // proxy), at a moment of the next three seconds so such phones do not ask all at once.
    window.setTimeout(function () {
      if (current && current.id === poll.id && !votes.length) { refresh(); }
    }, Math.random() * 3000);
  });
  socket.on("poll_closed", function (poll) {
    if ((poll.state === "closed" || poll.state === "counting") && (!current || current.id === poll.id)) {
      var kept = current ? votes.filter(function (vote) { return vote.cast && vote.tracker; }) : lastVotes;
      apply({ poll: null, my_votes: [], last_result: poll, last_votes: kept });
    } else {
      refresh(); // cancelled, or not the poll shown: ask what there is to show
    }
  });
  socket.on("vote_recorded", function (recorded) { // cast elsewhere (another device, the API)?
    var state = local[recorded.poll_id + ":" + recorded.voter_id] || {};
    if (["done", "sending", "retrying"].indexOf(state.stage) < 0) { refresh(); }
  });
})();
