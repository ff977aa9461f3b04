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
//   burst     every delegate casts at once; until the last acknowledgement (with `encrypted`,
//             each phone first encrypts its ballot as ballot.js does, outside the timing)
//   close     the moderator closes; until the result is drawn on every phone and the projector
//   agenda    the moderator moves to another agenda item; until every screen shows it
//   speakers  the moderator adds a speaker; until every screen shows the list
//   storm     every connection drops at once; socket.io's own randomised back-off; until every
//             client has its full state again
//
// Each phase reports its seconds, the HTTP requests the clients made, the bytes they received,
// the server's CPU seconds and how busy the busiest client thread was (to show the client was
// not the bottleneck).
//
// The phones are dealt over `threads` worker threads (phone i to thread i mod threads), each
// with its own event loop, so that the client can use more than one core; the main thread
// holds only the moderator and times the phases. A hall that one thread drove took about a
// fifth longer for each broadcast (bench/fanout.mjs).
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { io } from "socket.io-client";
import { cpuSeconds, memoryMib } from "./server_cpu.mjs";

const [configPath, outPath] = isMainThread ? process.argv.slice(2) : [];
const config = isMainThread ? JSON.parse(readFileSync(configPath, "utf8")) : workerData.config;
const {
  url, tokens, delegates, conferenceId, concurrency = 100, timeout = 120, serverPids = [],
  sourceAddresses = 0, threads = 2,
} = config;
const ACK_TIMEOUT = 8000; // as static/js/ballot.js
const RETRY_DELAY = 2000;
const ATTEMPTS = 5;

// Seconds since the epoch, comparable between threads (each has its own timeOrigin).
const now = () => (performance.timeOrigin + performance.now()) / 1000;
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

// The servers' resident memory ("VmRSS") or its peak so far ("VmHWM"), added up (MiB), or null.
function serverMemoryMib(field) {
  if (!serverPids.length) { return null; }
  try {
    return serverPids.map((pid) => memoryMib(pid, field)).reduce((a, b) => a + b, 0);
  } catch {
    return null;
  }
}

// Encrypted ballots: the moderator closes once the servers have checked the ballots' proofs in
// the background, as a hall's moderator would wait a moment: at least `least` seconds after the
// last acknowledgement, then until the servers are quiet (under a tenth of a core for half a
// second), at most a minute. Returns the seconds waited.
const QUIET_CPU_SECONDS = 0.05;
async function settle(least) {
  const started = now();
  await sleep(least * 1000);
  let before = serverCpuEach();
  while (before && now() - started < 60) {
    await sleep(500);
    const after = serverCpuEach();
    if (!after) { break; }
    const used = after.reduce((sum, cpu, i) => sum + cpu - before[i], 0);
    before = after;
    if (used < QUIET_CPU_SECONDS) { break; }
  }
  return now() - started;
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
  const before = { counters: await pool.counters(), server: serverCpuEach() };
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
  const after = await pool.counters();
  const server = serverCpuEach();
  const each = server === null || before.server === null ? null : server.map((cpu, i) => cpu - before.server[i]);
  const figures = {
    seconds: error ? null : (extra.seconds ?? wall),
    ...extra,
    requests: after.requests - before.counters.requests,
    failed_requests: after.failed - before.counters.failed,
    // What one phone (the first delegate's) received in the phase's events and replies.
    bytes_per_phone: after.bytes - before.counters.bytes,
    server_cpu_seconds: each === null ? null : each.reduce((a, b) => a + b, 0),
    // Per process: how evenly nginx spread the hall.
    server_cpu_seconds_each: each,
    // The busiest client thread's share of the phase spent working (not waiting for the
    // server): near 100 %, the client was what limited the phase.
    client_cpu_share: after.busy,
    // Where the memory peak comes from: the servers' memory and its peak so far, at the end.
    server_memory_mib: serverMemoryMib("VmRSS"),
    server_peak_mib: serverMemoryMib("VmHWM"),
    error,
  };
  report.phases[name] = figures;
  if (!config.quiet) {
    console.error(`  ${name.padEnd(9)} ${figures.seconds === null ? "—" : figures.seconds.toFixed(3) + " s"}${error ? " " + error : ""}`);
  }
  return figures;
}

// The moment the last of `moments` came, from `started`, and the median's.
function lastOf(moments, started) {
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

// --- a worker thread: its share of the phones ---------------------------------------------------

function runWorker(share) {
  const mine = share.map((index) => new Phone(index, index < tokens.length ? tokens[index] : config.projectorToken ?? null));
  const voters = mine.filter((phone) => phone.delegate);
  const waiting = new Map();
  let busySince = performance.eventLoopUtilization();
  const operations = {
    async connect({ parallel }) {
      let next = 0;
      await Promise.all(Array.from({ length: parallel }, async () => {
        while (next < mine.length) { await mine[next++].connect(); }
      }));
      return { moments: mine.map((phone) => phone.seen.state), bytes: mine.map((phone) => phone.stateBytes) };
    },
    // Wait from now on for every phone (or every voter) to reach `name`; `collect` the moments.
    arm({ tag, who, name }) {
      waiting.set(tag, Promise.all((who === "voters" ? voters : mine).map((phone) => phone.until(name))));
      return {};
    },
    async collect({ tag }) {
      const moments = await waiting.get(tag);
      waiting.delete(tag);
      return { moments };
    },
    // ballot.js on an encrypted poll: each phone encrypts its marks under the poll's key and
    // its vote's pseudonym, from the ballot it was sent (the phones' work, before the burst).
    async seal() {
      const { encryptBallot } = await import("../static/js/ballot_crypto.js");
      for (const phone of voters) {
        const voting = phone.ballot ? phone.ballot.voting : null;
        const encryption = voting && voting.poll ? voting.poll.encryption : null;
        if (!encryption) { throw new Error(`phone ${phone.index}: its ballot is not encrypted`); }
        const { marks, ...ballot } = config.ballots[phone.index];
        const made = encryptBallot({
          publicKey: encryption.key,
          poll: encryption.label,
          voter: voting.my_votes[0].pseudonym,
          questions: encryption.questions,
          marks,
        });
        phone.sealed = { ...ballot, choice: { encrypted: made.ballot } };
      }
      return {};
    },
    async cast() {
      const done = await Promise.all(voters.map((phone) => phone.cast(phone.sealed ?? config.ballots[phone.index])));
      return {
        casts: done.map(({ sent, acked, reply, attempts }) => ({
          sent, acked, attempts, ok: Boolean(reply && reply.ok), tracker: reply?.ok ? reply.receipt?.tracker ?? null : null,
        })),
      };
    },
    drop() {
      for (const phone of mine) { phone.socket.io.engine.close(); }
      return {};
    },
    // The counters so far, and how busy this thread's event loop was since the last call.
    counters() {
      const busy = performance.eventLoopUtilization(busySince).utilization;
      busySince = performance.eventLoopUtilization();
      return { ...stats, busy };
    },
    finish() {
      const first = mine.find((phone) => phone.index === 0);
      const screen = mine.find((phone) => phone.projector);
      const payloads = {};
      if (first) { payloads.ballot_ready = first.payloads.ballot_ready ?? null; }
      for (const name of ["poll_opened", "poll_closed", "room", "speakers"]) {
        if (screen) { payloads[name] = screen.payloads[name] ?? null; }
      }
      const checks = {
        clients_with_state_twice: mine.filter((phone) => phone.stateCount >= 2).length,
        watch_failed: mine.filter((phone) => phone.seen.watch_failed).length,
        reconnected: mine.filter((phone) => phone.socket.connected).length,
      };
      for (const phone of mine) { phone.socket.disconnect(); }
      return { payloads, checks };
    },
  };
  parentPort.on("message", async ({ id, op, ...args }) => {
    try {
      parentPort.postMessage({ id, ...(await operations[op](args)) });
    } catch (failure) {
      parentPort.postMessage({ id, error: String(failure.message || failure) });
    }
  });
}

// --- the main thread: the threads of phones, as one ----------------------------------------------

class Pool {
  constructor(count) {
    this.sequence = 0;
    this.pending = new Map();
    this.workers = Array.from({ length: count }, (_, thread) => {
      const share = [];
      for (let index = thread; index <= tokens.length; index += count) { share.push(index); }
      const worker = new Worker(new URL(import.meta.url), { workerData: { config, share } });
      worker.on("message", ({ id, ...reply }) => {
        const settle = this.pending.get(id);
        this.pending.delete(id);
        settle(reply);
      });
      worker.on("error", (failure) => { console.error(failure); process.exit(1); });
      return worker;
    });
  }

  // `op` done by every thread: their replies, or the first thread's error.
  all(op, args = {}) {
    return Promise.all(this.workers.map((worker) => new Promise((resolve, reject) => {
      const id = this.sequence++;
      this.pending.set(id, (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
      worker.postMessage({ id, op, ...args });
    })));
  }

  // From now on, wait for every phone (or voter) to reach `name`; the moments, when all did.
  async arm(who, name) {
    const tag = this.sequence++;
    await this.all("arm", { tag, who, name });
    return async (started) => lastOf((await this.all("collect", { tag })).flatMap((r) => r.moments), started);
  }

  async counters() {
    const each = await this.all("counters");
    const sum = (key) => each.reduce((total, counters) => total + counters[key], 0);
    return { requests: sum("requests"), failed: sum("failed"), bytes: sum("bytes"), busy: Math.max(...each.map((c) => c.busy)) };
  }
}

// --- the hall's day, compressed -----------------------------------------------------------------

async function main() {
  const moderator = new Phone(-1, config.moderatorToken ?? null);
  moderator.projector = false;

  await phase("connect", async (started) => {
    const parallel = Math.max(1, Math.ceil(concurrency / threads));
    const done = await pool.all("connect", { parallel });
    const bytes = done.flatMap((r) => r.bytes);
    return { seconds: lastOf(done.flatMap((r) => r.moments), started).seconds, state_bytes_median: percentile(bytes, 0.5), state_bytes_max: Math.max(...bytes) };
  });

  await moderator.connect();

  const shown = await pool.arm("all", "poll_opened");
  const ballots = await pool.arm("voters", "ballot");
  const subjects = config.subjectPath ? await pool.arm("all", "subject") : null;
  await phase("open", async (started) => {
    await act(config.actions.open, moderator);
    const [poll, ballot] = await Promise.all([shown(started), ballots(started)]);
    // The subjects are asked for over 1.5 s on purpose; the burst starts once all have them.
    const subject = subjects ? await subjects(started) : null;
    return {
      seconds: Math.max(poll.seconds, ballot.seconds),
      poll_shown_seconds: poll.seconds,
      ballot_seconds: ballot.seconds,
      subject_seconds: subject ? subject.seconds : null,
    };
  });

  if (config.encrypted) { await pool.all("seal"); }

  const casts = [];
  await phase("burst", async (started) => {
    const done = (await pool.all("cast")).flatMap((r) => r.casts);
    casts.push(...done);
    const acked = done.filter((c) => c.acked !== null);
    const latencies = acked.map((c) => c.acked - c.sent);
    return {
      seconds: acked.length ? Math.max(...acked.map((c) => c.acked)) - started : null,
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      max: latencies.length ? Math.max(...latencies) : null,
      acknowledged: acked.filter((c) => c.ok).length,
      retries: done.reduce((sum, c) => sum + c.attempts - 1, 0),
    };
  });
  report.receipts = casts.filter((c) => c.tracker).map((c) => c.tracker);

  if (config.settle) { report.settled_seconds = await settle(config.settle); }

  const drawn = await pool.arm("all", "result");
  await phase("close", async (started) => {
    const reply = await act(config.actions.close, moderator);
    const answered = now() - started;
    const result = await drawn(started);
    return { seconds: result.seconds, median: result.median, close_request_seconds: answered, reply_state: reply.poll ? reply.poll.state : null };
  });

  for (const [name, event] of [["agenda", "room"], ["speakers", "speakers"]]) {
    if (!config.actions[name]) { continue; }
    const seen = await pool.arm("all", event);
    await phase(name, async (started) => {
      await act(config.actions[name], moderator);
      return await seen(started);
    });
  }

  const back = await pool.arm("all", "state");
  await phase("storm", async (started) => {
    await pool.all("drop");
    return await back(started);
  });

  const finished = await pool.all("finish");
  // What the server sent, for the bare stack to send the same.
  report.payloads = Object.assign({ ballot_ready: null, poll_opened: null, poll_closed: null, room: null, speakers: null }, ...finished.map((r) => r.payloads));
  const counted = (key) => finished.reduce((total, r) => total + r.checks[key], 0);
  report.phases.storm.reconnected = counted("reconnected");
  report.checks.clients_with_state_twice = counted("clients_with_state_twice");
  report.checks.watch_failed = counted("watch_failed");
  moderator.socket.disconnect();
  writeFileSync(outPath, JSON.stringify(report, null, 1));
  process.exit(0);
}

const report = { clients: tokens.length + 1, delegates, client_threads: threads, phases: {}, checks: {} };
const pool = isMainThread ? new Pool(threads) : null;
if (isMainThread) {
  await main();
} else {
  runWorker(workerData.share);
}
