// The phone's part of a secret poll: encrypt every mark, prove the ballot well formed,
// compute its tracker, and open a ballot the voter spoils so a second device can check it.
//
// The same protocol as the server's participation/ballots (Belenios specification):
// exponential ElGamal over ristretto255, disjunctive Chaum–Pedersen proofs made
// non-interactive with SHA-512, points and scalars as 64 hex digits (scalars little-endian),
// the tracker as SHA-256 of the canonical JSON. Both sides make and accept the same JSON.
//
// An ES module: <script type="module" src="/static/js/ballot_crypto.js">, or imported. The
// trustees' side (static/js/trustee_crypto.js) builds on the group, encodings and hashing
// exported below.
import {
  bytesToHex,
  randomBytes,
  ristretto255,
  sha256,
  sha512,
  utf8ToBytes,
} from "../vendor/noble.js";

const Point = ristretto255.Point;
export const ORDER = Point.Fn.ORDER;
const HEX = /^[0-9a-f]{64}$/;
const LABEL = /^[A-Za-z0-9._:-]{1,64}$/;
const BALLOT_TAG = "participation/ballot/v1";
const INTERVAL_TAG = "participation/ballot/interval/v1";

// --- group and encodings -------------------------------------------------------------------

export function mod(n) {
  const r = BigInt(n) % ORDER;
  return r < 0n ? r + ORDER : r;
}

// k·P; secret scalars use the constant-time ladder, public ones the faster unsafe one.
export function mul(point, k, secret = false) {
  const s = mod(k);
  if (s === 0n) { return Point.ZERO; }
  return secret ? point.multiply(s) : point.multiplyUnsafe(s);
}

export function base(k, secret = false) {
  return mul(Point.BASE, k, secret);
}

function littleEndian(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) { n = (n << 8n) | BigInt(bytes[i]); }
  return n;
}

export function scalarHex(n) {
  let s = mod(n);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) { out[i] = Number(s & 0xffn); s >>= 8n; }
  return bytesToHex(out);
}

export class EncodingError extends Error {}

export function scalarFromHex(text) {
  if (typeof text !== "string" || !HEX.test(text)) {
    throw new EncodingError("a scalar is 64 lowercase hexadecimal digits");
  }
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) { bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16); }
  const value = littleEndian(bytes);
  if (value >= ORDER) { throw new EncodingError("a scalar must be below the group order"); }
  return value;
}

// Public keys are used for many multiplications: decoded once, with a table of multiples.
const keys = new Map();

function publicKeyFromHex(text) {
  let key = keys.get(text);
  if (!key) {
    key = pointFromHex(text);
    key.precompute(6);
    if (keys.size > 16) { keys.clear(); }
    keys.set(text, key);
  }
  return key;
}

export function pointFromHex(text) {
  if (typeof text !== "string" || !HEX.test(text)) {
    throw new EncodingError("a group element is 64 lowercase hexadecimal digits");
  }
  try {
    return Point.fromHex(text);
  } catch (error) {
    throw new EncodingError("not a ristretto255 group element");
  }
}

export function pointHex(point) {
  return bytesToHex(point.toBytes());
}

// A uniformly random non-zero scalar (64 random bytes reduced: the bias is below 2^-250).
export function randomScalar() {
  return mod(littleEndian(randomBytes(64))) || 1n;
}

// SHA-512 over the length-prefixed items, reduced modulo the order (as group.challenge).
export function challenge(tag, items) {
  const parts = [];
  let size = 0;
  for (const item of [tag, ...items]) {
    let data;
    if (item instanceof Uint8Array) { data = item; }
    else if (item instanceof Point) { data = item.toBytes(); }
    else if (typeof item === "string") { data = utf8ToBytes(item); }
    else { data = utf8ToBytes(String(item)); }
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, data.length, false);
    parts.push(head, data);
    size += 4 + data.length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const part of parts) { all.set(part, at); at += part.length; }
  return mod(littleEndian(sha512(all)));
}

// --- ciphertexts and proofs ----------------------------------------------------------------

function ciphertextJson(ct) {
  return { alpha: pointHex(ct.alpha), beta: pointHex(ct.beta) };
}

export function ciphertextFromJson(data) {
  if (!isObject(data) || !sameKeys(data, ["alpha", "beta"])) {
    throw new EncodingError("a ciphertext is an object with exactly alpha and beta");
  }
  return { alpha: pointFromHex(data.alpha), beta: pointFromHex(data.beta) };
}

function addCiphertexts(cts) {
  return cts.reduce(
    (sum, ct) => ({ alpha: sum.alpha.add(ct.alpha), beta: sum.beta.add(ct.beta) }),
    { alpha: Point.ZERO, beta: Point.ZERO },
  );
}

function commitments(publicKey, ct, value, c, r) {
  return [
    base(r).add(mul(ct.alpha, c)),
    mul(publicKey, r).add(mul(ct.beta.subtract(base(value)), c)),
  ];
}

function intervalItems(context, publicKey, ct, low, high, points) {
  return [...context, publicKey, ct.alpha, ct.beta, low, high, ...points];
}

// ct (made with randomness r) encrypts mark ∈ [low, high]: the true branch answered, the
// others simulated; the challenges add up to the hash of all commitments.
function proveInterval(context, publicKey, ct, mark, r, low, high) {
  const pairs = new Map();
  const points = [];
  const w = randomScalar();
  for (let value = low; value <= high; value++) {
    if (value === mark) {
      points.push(base(w, true), mul(publicKey, w, true));
      continue;
    }
    const c = randomScalar();
    const s = randomScalar();
    pairs.set(value, [c, s]);
    points.push(...commitments(publicKey, ct, value, c, s));
  }
  const total = challenge(INTERVAL_TAG, intervalItems(context, publicKey, ct, low, high, points));
  let others = 0n;
  for (const [c] of pairs.values()) { others += c; }
  const cTrue = mod(total - others);
  pairs.set(mark, [cTrue, mod(w - r * cTrue)]);
  const proof = [];
  for (let value = low; value <= high; value++) {
    const [c, s] = pairs.get(value);
    proof.push({ challenge: scalarHex(c), response: scalarHex(s) });
  }
  return proof;
}

function verifyInterval(context, publicKey, ct, proof, low, high) {
  if (!Array.isArray(proof) || proof.length !== high - low + 1) {
    throw new EncodingError(`a proof here has exactly ${high - low + 1} parts`);
  }
  const points = [];
  let sum = 0n;
  proof.forEach((part, i) => {
    if (!isObject(part) || !sameKeys(part, ["challenge", "response"])) {
      throw new EncodingError("each part of a proof is a challenge and a response");
    }
    const c = scalarFromHex(part.challenge);
    const s = scalarFromHex(part.response);
    sum += c;
    points.push(...commitments(publicKey, ct, low + i, c, s));
  });
  const total = challenge(INTERVAL_TAG, intervalItems(context, publicKey, ct, low, high, points));
  return mod(sum) === total;
}

// --- ballots -------------------------------------------------------------------------------

export function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function sameKeys(object, keys) {
  const own = Object.keys(object).sort();
  return own.length === keys.length && [...keys].sort().every((k, i) => own[i] === k);
}

// The items every proof of the ballot hashes, encoded once (as ballot.ballot_context).
function ballotContext(poll, voter, publicKey, rows) {
  const items = [BALLOT_TAG, poll, voter, publicKey.toBytes(), rows.length];
  for (const row of rows) {
    items.push(row.length);
    for (const ct of row) { items.push(ct.alpha.toBytes(), ct.beta.toBytes()); }
  }
  return items;
}

// The one spelling of a value that the tracker hashes: keys sorted, no spaces, ASCII only.
export function canonicalJson(value) {
  if (Array.isArray(value)) { return "[" + value.map(canonicalJson).join(",") + "]"; }
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => asciiJson(k) + ":" + canonicalJson(value[k])).join(",") + "}";
  }
  if (typeof value === "string") { return asciiJson(value); }
  if (Number.isInteger(value)) { return String(value); }
  throw new EncodingError("only texts, whole numbers, lists and objects");
}

function asciiJson(text) {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

export function tracker(ballot) {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(ballot))));
}

function checkQuestion(q) {
  if (!(q.choices >= 1 && q.min >= 0 && q.min <= q.max && q.max <= q.choices)) {
    throw new Error("a question needs 0 ≤ min ≤ max ≤ choices and at least one choice");
  }
}

// Encrypt the marks (one list of 0/1 per question) and prove them. Returns the ballot to
// cast, its tracker, and the randomness: kept on the phone, revealed only to spoil a ballot.
export function encryptBallot({ publicKey, poll, voter, questions, marks }) {
  if (!LABEL.test(poll) || !LABEL.test(voter)) {
    throw new Error("poll and voter are 1 to 64 letters, digits or . _ : -");
  }
  if (marks.length !== questions.length) { throw new Error("one list of marks per question"); }
  const key = publicKeyFromHex(publicKey);
  const rows = [];
  const randomness = [];
  questions.forEach((question, q) => {
    checkQuestion(question);
    const row = marks[q];
    const sum = row.reduce((a, m) => a + m, 0);
    if (row.length !== question.choices || row.some((m) => m !== 0 && m !== 1)) {
      throw new Error("each choice is marked 0 or 1");
    }
    if (sum < question.min || sum > question.max) {
      throw new Error("too few or too many marks for this question");
    }
    const rs = row.map(() => randomScalar());
    rows.push(row.map((m, c) => ({
      alpha: base(rs[c], true),
      beta: mul(key, rs[c], true).add(base(BigInt(m))),
    })));
    randomness.push(rs);
  });
  const context = ballotContext(poll, voter, key, rows);
  const answers = questions.map((question, q) => {
    const row = marks[q];
    const rs = randomness[q];
    const individual = rows[q].map((ct, c) =>
      proveInterval([...context, "choice", q, c], key, ct, row[c], rs[c], 0, 1));
    const overall = proveInterval(
      [...context, "overall", q], key, addCiphertexts(rows[q]),
      row.reduce((a, m) => a + m, 0), rs.reduce((a, r) => a + r, 0n), question.min, question.max,
    );
    return {
      choices: rows[q].map(ciphertextJson),
      individual_proofs: individual,
      overall_proof: overall,
    };
  });
  const ballot = { poll, voter, answers };
  return {
    ballot,
    tracker: tracker(ballot),
    randomness: randomness.map((rs) => rs.map(scalarHex)),
  };
}

function readCiphertexts(ballot, questions) {
  if (!isObject(ballot) || !sameKeys(ballot, ["poll", "voter", "answers"])) {
    throw new EncodingError("a ballot has exactly poll, voter and answers");
  }
  const answers = ballot.answers;
  if (!Array.isArray(answers) || answers.length !== questions.length) {
    throw new EncodingError("a ballot answers every question once");
  }
  return answers.map((answer, q) => {
    if (!isObject(answer) ||
        !sameKeys(answer, ["choices", "individual_proofs", "overall_proof"])) {
      throw new EncodingError("an answer has exactly choices, individual_proofs, overall_proof");
    }
    const n = questions[q].choices;
    if (!Array.isArray(answer.choices) || answer.choices.length !== n) {
      throw new EncodingError("an answer has one ciphertext per choice");
    }
    if (!Array.isArray(answer.individual_proofs) || answer.individual_proofs.length !== n) {
      throw new EncodingError("an answer has one proof per choice");
    }
    return answer.choices.map(ciphertextFromJson);
  });
}

// Check a ballot as the server does (shape, encodings, poll, pseudonym, every proof).
export function verifyBallot(ballot, { publicKey, poll, questions, voter = null }) {
  try {
    const key = publicKeyFromHex(publicKey);
    const rows = readCiphertexts(ballot, questions);
    if (ballot.poll !== poll) { return { ok: false, reason: "the ballot was made for another poll" }; }
    if (typeof ballot.voter !== "string" || !LABEL.test(ballot.voter)) {
      return { ok: false, reason: "the ballot's pseudonym is malformed" };
    }
    if (voter !== null && ballot.voter !== voter) {
      return { ok: false, reason: "the ballot was made for another voter" };
    }
    const context = ballotContext(poll, ballot.voter, key, rows);
    for (let q = 0; q < rows.length; q++) {
      const answer = ballot.answers[q];
      for (let c = 0; c < rows[q].length; c++) {
        const proof = answer.individual_proofs[c];
        if (!verifyInterval([...context, "choice", q, c], key, rows[q][c], proof, 0, 1)) {
          return { ok: false, reason: `question ${q + 1}, choice ${c + 1}: the mark is not 0 or 1` };
        }
      }
      const { min, max } = questions[q];
      if (!verifyInterval([...context, "overall", q], key, addCiphertexts(rows[q]),
        answer.overall_proof, min, max)) {
        return { ok: false, reason: `question ${q + 1}: the number of marks is out of range` };
      }
    }
  } catch (error) {
    if (error instanceof EncodingError) { return { ok: false, reason: error.message }; }
    throw error;
  }
  return { ok: true, reason: "" };
}

// Benaloh's challenge: the voter spoils a ballot instead of casting it, and this opening
// (marks and randomness) lets a second device recompute every ciphertext.
export function revealSpoiled(ballot, marks, randomness) {
  return { ballot, marks, randomness };
}

export function checkSpoiled(reveal, { publicKey, questions }) {
  if (!isObject(reveal) || !sameKeys(reveal, ["ballot", "marks", "randomness"])) {
    return { ok: false, reason: "a revealed ballot has exactly ballot, marks and randomness" };
  }
  try {
    const key = publicKeyFromHex(publicKey);
    const rows = readCiphertexts(reveal.ballot, questions);
    const { marks, randomness } = reveal;
    if (!Array.isArray(marks) || !Array.isArray(randomness) ||
        marks.length !== rows.length || randomness.length !== rows.length) {
      throw new EncodingError("marks and randomness for every question");
    }
    for (let q = 0; q < rows.length; q++) {
      if (!Array.isArray(marks[q]) || !Array.isArray(randomness[q]) ||
          marks[q].length !== rows[q].length || randomness[q].length !== rows[q].length) {
        throw new EncodingError("a mark and a randomness for every choice");
      }
      for (let c = 0; c < rows[q].length; c++) {
        const m = marks[q][c];
        if (m !== 0 && m !== 1) { return { ok: false, reason: "a revealed mark is not 0 or 1" }; }
        const r = scalarFromHex(randomness[q][c]);
        const ct = rows[q][c];
        if (!ct.alpha.equals(base(r)) || !ct.beta.equals(mul(key, r).add(base(BigInt(m))))) {
          return { ok: false, reason: "the ballot does not encrypt the marks shown" };
        }
      }
    }
  } catch (error) {
    if (error instanceof EncodingError) { return { ok: false, reason: error.message }; }
    throw error;
  }
  return { ok: true, reason: "" };
}
