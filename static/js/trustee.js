// The trustee's page: this device's part of the key ceremony and of every count.
//
// Each step runs by itself as soon as the server's state allows it, whenever the page is
// open: publish a transport key; deal a share of the key to every trustee, each sealed for its
// receiver; open the shares sealed for this trustee, check them against their dealers'
// commitments and keep their sum (the key share) in this browser; and, after a poll closes,
// decrypt its encrypted totals with a proof. The key share never leaves the device, except in
// the backup file the trustee saves.
import {
  combineShares,
  deal,
  openShare,
  partialDecrypt,
  sealShare,
  shareIsValid,
  transportKeyPair,
} from "./trustee_crypto.js";
import qrcode from "../vendor/qrcode.mjs";

const root = document.getElementById("trustee");
const t = root ? root.dataset : {};
const conferenceId = root ? Number(t.conferenceId) : 0;
const statusNode = document.getElementById("trustee-status");
const shareNode = document.getElementById("trustee-share");
const logNode = document.getElementById("trustee-log");
const RETRY = 15000;
let socket = null;
let running = false;
let again = false;
let current = null; // the last state read: {ceremony, me, sealed, work}

function say(text) {
  if (statusNode.textContent !== text) { statusNode.textContent = text; }
}

function log(text) {
  const item = document.createElement("li");
  item.textContent = text;
  logNode.prepend(item);
}

function storageKey(ceremony, me) { return "participation.trustee." + ceremony.id + "." + me; }

function load(ceremony, me) {
  try {
    return JSON.parse(window.localStorage.getItem(storageKey(ceremony, me)) || "{}");
  } catch (e) { return {}; }
}

function save(ceremony, me, kept) {
  window.localStorage.setItem(storageKey(ceremony, me), JSON.stringify(kept));
}

function emit(event, payload) {
  return new Promise((resolve) => {
    socket.timeout(10000).emit(event, { conference_id: conferenceId, ...payload }, (err, reply) => {
      resolve(err ? { ok: false, error: String(err) } : reply || { ok: false });
    });
  });
}

// One pass: read the state, take every step it allows, and read again after any step.
async function step() {
  if (running) { again = true; return; }
  running = true;
  try {
    let acted = true;
    while (acted) {
      const reply = await emit("trustee_state", {});
      if (!reply.ok) { say(reply.error || t.connecting); return; }
      current = reply.state;
      acted = await act(current);
    }
  } finally {
    running = false;
    if (again) { again = false; step(); }
  }
}

// The ceremony's table as the server has it now; a changed state of the whole ceremony
// (ready, failed) redraws the page once, with the server's wording of it.
function showCeremony(ceremony) {
  const shown = document.getElementById("ceremony-state");
  if (shown && ceremony && shown.dataset.state !== ceremony.state) {
    window.location.reload();
    return;
  }
  const table = document.getElementById("trustee-table");
  if (!table || !ceremony) { return; }
  for (const trustee of ceremony.trustees) {
    for (const cell of table.querySelectorAll(`tr[data-trustee="${trustee.number}"] td[data-step]`)) {
      const text = trustee[cell.dataset.step] ? table.dataset.yes : table.dataset.no;
      if (cell.textContent !== text) { cell.textContent = text; }
    }
  }
}

async function act(state) {
  const ceremony = state.ceremony;
  showCeremony(ceremony);
  if (!ceremony || !state.me) { return false; }
  const me = state.me;
  const kept = load(ceremony, me);
  shareNode.textContent = kept.share ? t.holding : "";
  if (ceremony.state === "failed") { say(t.failed); return false; }
  if (ceremony.state === "dealing") { return ceremonyStep(ceremony, me, kept, state.sealed); }
  if (ceremony.state !== "ready") { return false; }
  if (!kept.share) { say(t.missing); shareNode.textContent = ""; return false; }
  say(t.ready);
  for (const work of state.work) {
    const partial = partialDecrypt(work.label, me, kept.share, work.totals);
    const reply = await emit("trustee_decrypt", { poll_id: work.poll_id, partial });
    log(reply.ok ? t.decrypted.replace("{title}", work.title) : t.refused.replace("{error}", reply.error || ""));
    if (reply.ok) { return true; }
  }
  return false;
}

async function ceremonyStep(ceremony, me, kept, sealed) {
  const trustees = ceremony.trustees;
  const mine = trustees.find((x) => x.number === me);
  if (!mine.transport_key) {
    if (!kept.transport) { kept.transport = transportKeyPair(); save(ceremony, me, kept); }
    const reply = await emit("trustee_transport_key", { key: kept.transport.public });
    return reply.ok;
  }
  if (!kept.transport || kept.transport.public !== mine.transport_key) { say(t.missing); return false; }
  if (trustees.some((x) => !x.transport_key)) { say(t.waitingKeys); return false; }
  if (!mine.dealing) {
    const made = deal(ceremony.label, me, ceremony.threshold, trustees.length);
    const envelopes = trustees.map((x) =>
      sealShare(ceremony.label, me, x.number, x.transport_key, made.shares[x.number]));
    const reply = await emit("trustee_dealing", { dealing: made.dealing, sealed: envelopes });
    return reply.ok;
  }
  if (trustees.some((x) => !x.dealing)) { say(t.waitingDealings); return false; }
  if (!mine.confirmed) { return confirm(ceremony, me, kept, sealed); }
  say(t.waitingConfirmations);
  return false;
}

async function confirm(ceremony, me, kept, sealed) {
  const received = [];
  for (const dealer of ceremony.trustees) {
    const envelope = sealed.find((s) => s.sender === dealer.number);
    let share = null;
    try {
      share = envelope ? openShare(ceremony.label, envelope, kept.transport.secret) : null;
    } catch (e) { share = null; }
    if (!share || !shareIsValid(dealer.dealing, me, share)) {
      const reply = await emit("trustee_confirm", { failed_dealer: dealer.number });
      return reply.ok;
    }
    received.push(share);
  }
  kept.share = combineShares(me, received);
  save(ceremony, me, kept);
  const reply = await emit("trustee_confirm", {});
  return reply.ok;
}

// --- backup ------------------------------------------------------------------------------------

function backupData() {
  const kept = load(current.ceremony, current.me);
  return {
    format: "participation/trustee-backup/v1",
    conference: conferenceId,
    ceremony: current.ceremony.id,
    label: current.ceremony.label,
    trustee: current.me,
    public_key: current.ceremony.public_key,
    ...kept,
  };
}

function backup() {
  if (!current || !current.ceremony) { return; }
  const data = backupData();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  link.download = "trustee-" + current.ceremony.label + "-" + current.me + ".json";
  document.body.appendChild(link);
  link.click();
  link.remove();
}

// A printed backup: the same text as the file, and as a QR code any phone can read back.
function printBackup() {
  if (!current || !current.ceremony) { return; }
  const text = JSON.stringify(backupData());
  const code = qrcode(0, "M");
  code.addData(text);
  code.make();
  const box = document.getElementById("trustee-print");
  box.querySelector(".qr").innerHTML = code.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
  box.querySelector("pre").textContent = text;
  document.body.classList.add("printing-backup");
  window.print();
  document.body.classList.remove("printing-backup");
}

function restoreFrom(text) {
  if (!current || !current.ceremony) { return; }
  let data = null;
  try { data = JSON.parse(text); } catch (e) { data = null; }
  if (!data || data.ceremony !== current.ceremony.id || data.trustee !== current.me) {
    log(t.badBackup);
    return;
  }
  save(current.ceremony, current.me, { transport: data.transport, share: data.share });
  log(t.restored);
  step();
}

function restore(event) {
  const file = event.target.files[0];
  if (file) { file.text().then(restoreFrom); }
  event.target.value = "";
}

if (root) {
  say(t.connecting);
  socket = window.io({ transports: ["websocket", "polling"] });
  socket.on("connect", step);
  socket.on("trustee_work", step);
  window.setInterval(() => { if (socket.connected) { step(); } }, RETRY);
  document.getElementById("trustee-backup").addEventListener("click", backup);
  document.getElementById("trustee-restore").addEventListener("change", restore);
  document.getElementById("trustee-print-button").addEventListener("click", printBackup);
  document.getElementById("trustee-restore-text-button").addEventListener("click", () => {
    restoreFrom(document.getElementById("trustee-restore-text").value);
  });
}
