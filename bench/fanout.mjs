// Is the hall's client the bottleneck of a broadcast? The same clients, split over worker
// threads (each with its own event loop, so up to one core each), time one broadcast of the
// bare stack until every client has it.
//
//     node bench/fanout.mjs config.json result.json
//
// Written by bench/fanout.py. config: {url, clients, workers, rounds, concurrency, event,
// payload, serverPid}. If the broadcast takes as long with two threads as with one, the
// client was not what limited it.
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { io } from "socket.io-client";
import { cpuSeconds } from "./server_cpu.mjs";

// Milliseconds since the epoch, comparable between threads (each has its own timeOrigin).
const clock = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- a worker: its share of the clients ---------------------------------------------------------

async function runWorker({ url, count, concurrency, event }) {
  const sockets = [];
  let round = null;
  let waiting = 0;
  let last = 0;
  let busy = performance.eventLoopUtilization();
  const connectOne = () => new Promise((resolve, reject) => {
    const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { conference_id: 1 } });
    socket.once("conference_state", () => resolve(socket));
    socket.once("connect_error", reject);
    socket.on(event, () => {
      if (round === null) { return; }
      last = clock();
      waiting -= 1;
      if (waiting === 0) {
        const used = performance.eventLoopUtilization(busy);
        parentPort.postMessage({ type: "done", round, last, busy: used.utilization });
        round = null;
      }
    });
  });
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) { next += 1; sockets.push(await connectOne()); }
  }));
  parentPort.on("message", (message) => {
    if (message.type === "arm") {
      round = message.round;
      waiting = sockets.length;
      busy = performance.eventLoopUtilization();
      parentPort.postMessage({ type: "armed" });
    } else if (message.type === "stop") {
      for (const socket of sockets) { socket.disconnect(); }
      parentPort.close();
    }
  });
  parentPort.postMessage({ type: "ready" });
}

// --- the main thread: start the workers, trigger each broadcast, time it ------------------------

const serverCpu = (pid) => (pid ? cpuSeconds(pid) : null);

async function main() {
  const [configPath, outPath] = process.argv.slice(2);
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  const { url, clients, workers, rounds, concurrency = 100, event = "speakers", payload = {} } = config;
  const threads = Array.from({ length: workers }, (_, index) => {
    const count = Math.floor(clients / workers) + (index < clients % workers ? 1 : 0);
    const shareOfConcurrency = Math.max(1, Math.round(concurrency / workers));
    return new Worker(new URL(import.meta.url), { workerData: { url, count, concurrency: shareOfConcurrency, event } });
  });
  const inbox = threads.map(() => []);
  const waiters = threads.map(() => []);
  threads.forEach((thread, index) => thread.on("message", (message) => {
    const waiter = waiters[index].shift();
    if (waiter) { waiter(message); } else { inbox[index].push(message); }
  }));
  const receive = (index) => (inbox[index].length ? Promise.resolve(inbox[index].shift()) : new Promise((resolve) => waiters[index].push(resolve)));
  const fromAll = () => Promise.all(threads.map((_, index) => receive(index)));

  await fromAll(); // every client connected and has its state
  const results = [];
  for (let round = 1; round <= rounds; round++) {
    await sleep(500);
    threads.forEach((thread) => thread.postMessage({ type: "arm", round }));
    await fromAll();
    const cpuBefore = serverCpu(config.serverPid);
    const started = clock();
    const response = await fetch(`${url}/broadcast`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ events: [[event, payload]] }),
    });
    if (!response.ok) { throw new Error(`broadcast: ${response.status}`); }
    const done = await fromAll();
    const cpuAfter = serverCpu(config.serverPid);
    results.push({
      seconds: (Math.max(...done.map((d) => d.last)) - started) / 1000,
      client_busy_each: done.map((d) => d.busy),
      server_cpu_seconds: cpuBefore === null ? null : cpuAfter - cpuBefore,
    });
  }
  threads.forEach((thread) => thread.postMessage({ type: "stop" }));
  writeFileSync(outPath, JSON.stringify({ clients, workers, rounds: results }, null, 1));
  process.exit(0);
}

if (isMainThread) {
  await main();
} else {
  await runWorker(workerData);
}
