// Benaloh's check on a second device: open a ballot a phone encrypted only for checking.
//
// The phone reveals the ballot with its marks and the randomness of every encryption; this
// page encrypts the marks again with that randomness (checkSpoiled) and compares, checks the
// tracker, and says which answers are marked. A phone that encrypted something other than the
// voter's choice is caught here.
import { checkSpoiled, tracker } from "./ballot_crypto.js";

const root = document.getElementById("check-ballot");
const t = root.dataset;
const input = document.getElementById("reveal");
const output = document.getElementById("check-result");

function line(text, className) {
  const node = document.createElement("p");
  if (className) { node.className = className; }
  node.textContent = text;
  output.appendChild(node);
  return node;
}

function check() {
  output.textContent = "";
  let reveal = null;
  try { reveal = JSON.parse(input.value); } catch (e) { reveal = null; }
  if (!reveal || reveal.format !== "participation/spoiled/v1") {
    line(t.unreadable, "flash flash-error");
    return;
  }
  const opened = { ballot: reveal.ballot, marks: reveal.marks, randomness: reveal.randomness };
  const verdict = checkSpoiled(opened, { publicKey: reveal.key, questions: reveal.questions });
  const sound = verdict.ok && tracker(reveal.ballot) === reveal.tracker;
  line(sound ? t.valid : t.invalid + " " + (verdict.reason || "tracker"),
    sound ? "flash flash-success" : "flash flash-error").dataset.verdict = sound ? "ok" : "bad";
  if (!sound) { return; }
  const list = document.createElement("ul");
  list.id = "check-marks";
  reveal.marks.forEach((row, q) => {
    const labels = (reveal.labels || [])[q] || [];
    const marked = row.map((m, c) => (m === 1 ? labels[c] || String(c + 1) : null)).filter(Boolean);
    const item = document.createElement("li");
    item.dir = "auto";
    item.textContent = marked.length ? marked.join(", ") : t.nothing;
    list.appendChild(item);
  });
  output.appendChild(list);
  if (t.publicKey && reveal.key !== t.publicKey) { line(t.otherKey, "flash flash-error"); }
}

document.getElementById("check").addEventListener("click", check);
document.getElementById("reveal-file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (file) { file.text().then((text) => { input.value = text; check(); }); }
});
