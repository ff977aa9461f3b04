// Asking the server for a live page's state ("watch_conference", "watch_projector",
// "watch_documents").
//
// Every event is answered, but the answer may be a refusal: a busy database, a rate limit, a
// session that has ended. A page that ignored it would say "connecting" until the next
// reconnect. Here a refusal is handed to the page (to show the server's reason, translated
// there), and one that asking again can cure (a busy server, a limit, a lost or late answer)
// is asked again, later each time, while the socket stays connected; a reconnect asks anew.
(function () {
  "use strict";
  var TIMEOUT_MS = 10000;
  var FIRST_RETRY_MS = 1000;
  var LONGEST_RETRY_MS = 30000;

  function curable(refusal) {
    return !refusal || !refusal.status || refusal.status >= 500 || refusal.status === 429;
  }

  // watcher(socket, event, payload, answered, refused): a function that asks (once per call,
  // plus its retries). ``answered(reply)`` gets an accepted reply, ``refused(reply)`` a
  // refusal (null when no answer came in time).
  window.participationWatcher = function (socket, event, payload, answered, refused) {
    var retryMs = FIRST_RETRY_MS;
    var pending = null;

    function retry(refusal) {
      if (refused) { refused(refusal); }
      if (!curable(refusal) || pending) { return; }
      pending = window.setTimeout(function () {
        pending = null;
        if (socket.connected) { ask(); }
      }, retryMs);
      retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
    }

    function ask() {
      socket.timeout(TIMEOUT_MS).emit(event, payload, function (err, reply) {
        if (!err && reply && reply.ok) {
          retryMs = FIRST_RETRY_MS;
          answered(reply);
        } else {
          retry(err ? null : reply);
        }
      });
    }

    // A refusal that came some other way (a state pushed at connect) is treated alike.
    ask.refused = retry;
    return ask;
  };
})();
