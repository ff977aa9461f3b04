// A hall of phones, driven by the library the browsers run: socket.io-client in Node.
//
//     node bench/hall.mjs config.json result.json
//
// Written by bench/hall.py, which starts the servers and reads the result. Each client is a
// phone (or the projector) and does what the pages do: connect over WebSocket, call
// watch_conference on every connect, cast its ballot with ballot.js's retries, and fetch over
// HTTP whatever the pages fetch when an event does not carry what they show. Phases:
//
//   connect   every client connects (`concurrency` at a time) and receives its full state
//   open      the moderator opens a poll; until every delegate's phone shows its ballot
//   burst     every delegate casts at once; until the last acknowledgement
//   close     the moderator closes; until the result is drawn on every phone and the projector
//   agenda    the moderator moves to another agenda item; until every screen shows it
//   speakers  the moderator adds a speaker; until every screen shows the list
//   storm     every connection drops at once; socket.io's own randomised back-off; until every
//             client has its full state again
//
// Each phase reports its seconds, the HTTP requests the clients made, the bytes they received,
// the server's CPU seconds and this client's own CPU share (to show it was not the bottleneck).
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { io } from "socket.io-client";
import { cpuSeconds } from "./server_cpu.mjs";

const [configPath, outPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, "utf8"));
const {
  url, tokens, delegates, conferenceId, concurrency = 100, timeout = 120, serverPids = [],
  sourceAddresses = 0,
} = config;
const ACK_TIMEOUT = 8000; // as static/js/ballot.js
const RETRY_DELAY = 2000;
const ATTEMPTS = 5;

const now = () => performance.now() / 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// CPU seconds each server process has used so far (several behind nginx), or null.
function serverCpuEach() {
  if (!serverPids.length) { return null; }
  try {
    return serverPids.map(cpuSeconds);
  } catch {
    return null;
  }
}

// --- the clients ---------------------------------------------------------------------------------

class Phone {
  constructor(index, token) {
    this.index = index;
    this.token = token;
    this.delegate = index < delegates;
    this.projector = index === tokens.length; // the last client is the hall's screen
    this.seen = {};
    this.waiters = [];
    this.stateBytes = 0;
    this.stateCount = 0;
    this.ballot = null;
    this.payloads = {};
  }

  connect() {
    const options = {
      transports: ["websocket"],
      forceNew: true,
      reconnection: true,
      timeout: 60000,
    };
    if (this.token) { options.extraHeaders = { Authorization: `Bearer ${this.token}` }; }
    // Behind nginx's ip_hash (first three octets) a hall comes from many addresses; on
    // loopback every 127.0.X.1 is one (Linux routes all of 127/8 to lo).
    if (sourceAddresses) { options.localAddress = `127.0.${1 + (this.index + 1) % sourceAddresses}.1`; }
    // live.js names its conference when connecting and is sent its state; the projector's
    // page (projector.js) asks with watch_projector after each connect.
    const asks = this.projector || this.index < 0;
    if (!asks) { options.auth = { conference_id: conferenceId }; }
    this.socket = io(url, options);
    if (asks) {
      this.socket.on("connect", () => this.watch());
    } else {
      this.socket.on("conference_state", (reply) => this.stateReceived(reply));
    }
    for (const name of ["poll_opened", "ballot_ready", "poll_closed", "room", "speakers", "agenda_changed"]) {
      this.socket.on(name, (payload) => this.received(name, payload));
    }
    return this.until("state");
  }

  // What live.js (phones) and projector.js (the hall's screen) do on every connect.
  watch() {
    const event = this.projector && config.projectorEvent ? config.projectorEvent : "watch_conference";
    this.socket.timeout(timeout * 1000).emit(event, { conference_id: conferenceId }, (error, reply) => {
      this.stateReceived(error ? null : reply, error);
    });
  }

  stateReceived(reply, error) {
    if (!reply || !reply.ok) { this.note("watch_failed", reply || String(error)); return; }
    this.stateBytes += JSON.stringify(reply).length;
    this.stateCount += 1;
    this.note("state", reply);
  }

  note(name, payload) {
    this.seen[name] = now();
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (!waiter(name, payload)) { this.waiters.push(waiter); }
    }
  }

  until(name) {
    return new Promise((resolve) => {
      this.waiters.push((seen) => { if (seen === name) { resolve(now()); return true; } return false; });
    });
  }

  received(name, payload) {
    if (this.index <= 0 || this.projector) { this.payloads[name] = payload; }
    if (this.index === 0) { stats.bytes += JSON.stringify(payload ?? null).length; }
    if (name === "poll_opened" && config.subjectPath && this.index >= 0 && this.subject !== payload.id) {
      // ballot.js and projector.js: the subject comes with the opening, else it is fetched
      // once per poll, at a moment of the next 1.5 s.
      this.subject = payload.id;
      if (payload.subject_html) {
        this.note("subject", payload.id);
      } else {
        setTimeout(() => this.loadSubject(payload.id), Math.random() * 1500);
      }
    }
    if (name === "ballot_ready") { this.ballot = payload; this.note("ballot", payload); return; }
    if (name === "poll_closed") { this.showResult(payload); return; }
    if (name === "agenda_changed") { this.agendaChanged(payload); return; }
    this.note(name, payload);
  }

  async loadSubject(pollId) {
    await fetchText(url + config.subjectPath.replace("{poll}", pollId), this.token);
    this.note("subject", pollId);
  }

  // ballot.js and projector.js: draw the result the event carries, else fetch it.
  async showResult(poll) {
    if (poll && poll.result_html) { this.note("result", poll); return; }
    if (this.projector) { await this.ask(config.projectorEvent || "watch_conference"); }
    await fetchText(`${url}/c/${conferenceId}/votes/${poll.id}?partial=result`, this.token);
    this.note("result", poll);
  }

  // live.js: an agenda that does not come with the event is asked for again.
  async agendaChanged(payload) {
    if (!(payload && payload.agenda)) { await this.ask("watch_conference"); }
    this.note("agenda", payload);
  }

  async ask(event) {
    stats.requests += 1;
    try {
      const reply = await this.socket.timeout(timeout * 1000).emitWithAck(event, { conference_id: conferenceId });
      if (this.index === 0) { stats.bytes += JSON.stringify(reply).length; }
    } catch {
      // counted as missing below
    }
  }

  // ballot.js: send; without an answer in 8 s, or told "busy", wait 2 s and send again.
  async cast(payload) {
    const sent = now();
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      let reply = null;
      try {
        reply = await this.socket.timeout(ACK_TIMEOUT).emitWithAck("cast_ballot", payload);
      } catch {
        reply = null;
      }
      if (reply && reply.status !== 503) { return { sent, acked: now(), reply, attempts: attempt }; }
      if (attempt < ATTEMPTS) { await sleep(RETRY_DELAY); }
    }
    return { sent, acked: null, reply: null, attempts: ATTEMPTS };
  }
}

const stats = { requests: 0, bytes: 0, failed: 0 };

// A page's fetch; one that fails (refused, timed out) is counted, and the page shows nothing.
async function fetchText(address, token) {
  stats.requests += 1;
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  try {
    const response = await fetch(address, { headers });
    const text = await response.text();
    if (!response.ok) { stats.failed += 1; }
    return text;
  } catch {
    stats.failed += 1;
    return "";
  }
}

async function request(action) {
  const response = await fetch(action.url, {
    method: action.method || "POST",
    headers: { "Content-Type": "application/json", ...(action.headers || {}) },
    body: action.body === undefined ? undefined : JSON.stringify(action.body),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status >= 400) { throw new Error(`${action.url}: ${response.status} ${JSON.stringify(data)}`); }
  return data;
}

// --- measuring ------------------------------------------------------------------------------------

function percentile(values, share) {
  if (!values.length) { return null; }
  const ordered = [...values].sort((a, b) => a - b);
  const rank = Math.max(0, Math.min(ordered.length - 1, Math.round(share * ordered.length + 0.5) - 1));
  return ordered[rank];
}

async function phase(name, run) {
  const before = { requests: stats.requests, failed: stats.failed, bytes: stats.bytes, cpu: process.cpuUsage(), server: serverCpuEach() };
  const profiled = config.profilePhase === name && serverPids.length > 0;
  const signal = (kind) => { for (const pid of serverPids) { process.kill(pid, kind); } };
  if (profiled) { signal("SIGUSR1"); await sleep(50); }
  const started = now();
  let extra = {};
  let error = null;
  try {
    extra = (await Promise.race([
      run(started),
      sleep(timeout * 1000).then(() => { throw new Error(`${name}: not done in ${timeout} s`); }),
    ])) || {};
  } catch (failure) {
    error = String(failure.message || failure);
  }
  const wall = now() - started;
  if (profiled) { signal("SIGUSR2"); await sleep(500); }
  const cpu = process.cpuUsage(before.cpu);
  const server = serverCpuEach();
  const each = server === null || before.server === null ? null : server.map((cpu, i) => cpu - before.server[i]);
  const figures = {
    seconds: error ? null : (extra.seconds ?? wall),
    ...extra,
    requests: stats.requests - before.requests,
    failed_requests: stats.failed - before.failed,
    // What one phone (the first delegate's) received in the phase's events and replies.
    bytes_per_phone: stats.bytes - before.bytes,
    server_cpu_seconds: each === null ? null : each.reduce((a, b) => a + b, 0),
    // Per process: how evenly nginx spread the hall.
    server_cpu_seconds_each: each,
    client_cpu_share: (cpu.user + cpu.system) / 1e6 / wall,
    error,
  };
  delete figures.seconds_from;
  report.phases[name] = figures;
  if (!config.quiet) {
    console.error(`  ${name.padEnd(9)} ${figures.seconds === null ? "—" : figures.seconds.toFixed(3) + " s"}${error ? " " + error : ""}`);
  }
  return figures;
}

// All phones reached `name` (those of `chosen`); the moment the last did, from `started`.
async function everyone(chosen, name, started) {
  const moments = await Promise.all(chosen.map((phone) => phone.until(name)));
  return { seconds: Math.max(...moments) - started, median: percentile(moments.map((m) => m - started), 0.5) };
}

async function act(action, moderator) {
  if (action.event) {
    const reply = await moderator.socket.timeout(timeout * 1000).emitWithAck(action.event, action.payload);
    if (!reply || !reply.ok) { throw new Error(`${action.event}: ${JSON.stringify(reply)}`); }
    return reply;
  }
  return request(action);
}

// --- the hall's day, compressed -----------------------------------------------------------------

const report = { clients: tokens.length + 1, delegates, phases: {}, checks: {} };
const phones = tokens.map((token, index) => new Phone(index, token));
const screen = new Phone(tokens.length, config.projectorToken ?? null);
const all = [...phones, screen];
const voters = phones.slice(0, delegates);
const moderatorToken = config.moderatorToken ?? null;
let moderator = null;

await phase("connect", async (started) => {
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < all.length) { await all[next++].connect(); }
  });
  await Promise.all(workers);
  const bytes = all.map((phone) => phone.stateBytes);
  return { seconds: now() - started, state_bytes_median: percentile(bytes, 0.5), state_bytes_max: Math.max(...bytes) };
});

moderator = new Phone(-1, moderatorToken);
moderator.projector = false;
await moderator.connect();

await phase("open", async (started) => {
  const opened = Promise.all([everyone(all, "poll_opened", started), everyone(voters, "ballot", started)]);
  const subjects = config.subjectPath ? everyone(all, "subject", started) : null;
  await act(config.actions.open, moderator);
  const [shown, ballots] = await opened;
  // The subjects are asked for over 1.5 s on purpose; the burst starts once all have them.
  const subject = subjects ? await subjects : null;
  return {
    seconds: Math.max(shown.seconds, ballots.seconds),
    poll_shown_seconds: shown.seconds,
    ballot_seconds: ballots.seconds,
    subject_seconds: subject ? subject.seconds : null,
  };
});

const pollId = config.pollId;
const casts = [];
await phase("burst", async (started) => {
  const done = await Promise.all(voters.map((phone) => phone.cast(config.ballots[phone.index])));
  casts.push(...done);
  const acked = done.filter((c) => c.acked !== null);
  const latencies = acked.map((c) => c.acked - c.sent);
  return {
    seconds: acked.length ? Math.max(...acked.map((c) => c.acked)) - started : null,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    max: latencies.length ? Math.max(...latencies) : null,
    acknowledged: acked.filter((c) => c.reply && c.reply.ok).length,
    retries: done.reduce((sum, c) => sum + c.attempts - 1, 0),
  };
});
report.receipts = casts.filter((c) => c.reply && c.reply.ok && c.reply.receipt).map((c) => c.reply.receipt.tracker);

if (config.settle) { await sleep(config.settle * 1000); }

await phase("close", async (started) => {
  const drawn = everyone(all, "result", started);
  const reply = await act(config.actions.close, moderator);
  const answered = now() - started;
  const result = await drawn;
  return { seconds: result.seconds, median: result.median, close_request_seconds: answered, reply_state: reply.poll ? reply.poll.state : null };
});

for (const [name, event] of [["agenda", "room"], ["speakers", "speakers"]]) {
  if (!config.actions[name]) { continue; }
  await phase(name, async (started) => {
    const shown = everyone(all, event, started);
    await act(config.actions[name], moderator);
    return await shown;
  });
}

await phase("storm", async (started) => {
  const back = everyone(all, "state", started);
  for (const phone of all) { phone.socket.io.engine.close(); }
  const result = await back;
  return { ...result, reconnected: all.filter((phone) => phone.socket.connected).length };
});

// What the server sent, for the bare stack to send the same.
report.payloads = {
  ballot_ready: phones[0].payloads.ballot_ready ?? null,
  poll_opened: screen.payloads.poll_opened ?? null,
  poll_closed: screen.payloads.poll_closed ?? null,
  room: screen.payloads.room ?? null,
  speakers: screen.payloads.speakers ?? null,
};
report.checks.clients_with_state_twice = all.filter((phone) => phone.stateCount >= 2).length;
report.checks.watch_failed = all.filter((phone) => phone.seen.watch_failed).length;
for (const phone of [...all, moderator]) { phone.socket.disconnect(); }
writeFileSync(outPath, JSON.stringify(report, null, 1));
process.exit(0);
