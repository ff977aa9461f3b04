// A trustee's part of a secret poll, in the browser: deal a share of the poll's key, check what
// the other trustees deal and send, keep a key share, and decrypt the encrypted totals with a
// proof. Shares travel sealed for their receiver's transport key.
//
// The same protocol as the server's participation/ballots/trustees.py and transport.py:
// Pedersen key generation with Feldman commitments, Schnorr proofs of knowledge,
// Chaum–Pedersen decryption proofs, hashed ElGamal for the shares; the same tags, the same
// Fiat–Shamir hashing and the same JSON. Trustees are numbered 1…n; scalars (shares, secrets)
// travel as 64 hex digits, little-endian, like every scalar of ballot_crypto.js.
//
// An ES module beside ballot_crypto.js: import { deal, … } from "/static/js/trustee_crypto.js".
import {
  EncodingError,
  base,
  challenge,
  ciphertextFromJson,
  isObject,
  mod,
  mul,
  pointFromHex,
  pointHex,
  randomScalar,
  sameKeys,
  scalarFromHex,
  scalarHex,
} from "./ballot_crypto.js";

const KEY_TAG = "participation/ballot/key/v1";
const TALLY_TAG = "participation/ballot/tally/v1";
const KNOWLEDGE_TAG = "participation/ballot/knowledge/v1";
const DECRYPTION_TAG = "participation/ballot/decryption/v1";
const TRANSPORT_TAG = "participation/ballot/transport/v1";
const IDENTITY_HEX = "0".repeat(64);

function isTrusteeNumber(value) {
  return Number.isInteger(value) && value >= 1;
}

function trusteeNumber(value) {
  if (!isTrusteeNumber(value)) { throw new EncodingError("trustees are numbered 1…n"); }
  return value;
}

function refusing(check) {
  try {
    return check();
  } catch (error) {
    if (error instanceof EncodingError) { return false; }
    throw error;
  }
}

// --- proofs (as proofs.prove_knowledge and proofs.prove_decryption) ------------------------

function proofPart(c, s) {
  return { challenge: scalarHex(c), response: scalarHex(s) };
}

function readProof(proof) {
  if (!isObject(proof) || !sameKeys(proof, ["challenge", "response"])) {
    throw new EncodingError("each part of a proof is a challenge and a response");
  }
  return [scalarFromHex(proof.challenge), scalarFromHex(proof.response)];
}

// Schnorr: knowledge of the secret behind public = secret·G.
function proveKnowledge(context, secret, publicPoint) {
  const w = randomScalar();
  const c = challenge(KNOWLEDGE_TAG, [...context, publicPoint, base(w, true)]);
  return proofPart(c, mod(w + secret * c));
}

function verifyKnowledge(context, publicPoint, proof) {
  const [c, s] = readProof(proof);
  const commitment = base(s).subtract(mul(publicPoint, c));
  return challenge(KNOWLEDGE_TAG, [...context, publicPoint, commitment]) === c;
}

// Chaum–Pedersen: log_G(public) = log_alpha(factor), both the trustee's secret.
function proveDecryption(context, secret, publicPoint, alpha, factor) {
  const w = randomScalar();
  const c = challenge(DECRYPTION_TAG,
    [...context, publicPoint, alpha, factor, base(w, true), mul(alpha, w, true)]);
  return proofPart(c, mod(w + secret * c));
}

// --- the key ceremony (as trustees.py) -----------------------------------------------------

function keyContext(label, trustee, threshold, trustees) {
  return [KEY_TAG, label, trustee, threshold, trustees];
}

function readDealing(data) {
  if (!isObject(data) || !sameKeys(data, ["trustee", "commitments", "proof"])) {
    throw new EncodingError("a dealing has exactly trustee, commitments and proof");
  }
  if (!Array.isArray(data.commitments) || !Number.isInteger(data.trustee)) {
    throw new EncodingError("a dealing names its trustee and lists its commitments");
  }
  return { trustee: data.trustee, commitments: data.commitments.map(pointFromHex),
    proof: data.proof };
}

function readDealings(dealings) {
  if (!Array.isArray(dealings)) { throw new EncodingError("the dealings are a list"); }
  return dealings.map((data) => {
    const dealing = readDealing(data);
    if (dealing.commitments.length === 0) {
      throw new EncodingError("a dealing commits to at least one coefficient");
    }
    return dealing;
  });
}

// f(x) for the coefficients a_0…a_{t−1} (Horner's rule).
function evaluate(coefficients, x) {
  let value = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) {
    value = mod(value * BigInt(x) + coefficients[k]);
  }
  return value;
}

// f_i(j)·G from the commitments alone: Σ_k j^k·C_ik.
function committedValue(dealing, j) {
  let total = base(0n);
  let power = 1n;
  for (const commitment of dealing.commitments) {
    total = total.add(mul(commitment, power));
    power = mod(power * BigInt(j));
  }
  return total;
}

// Steps 1 and 2 for trustee `trustee`: the dealing it publishes, and the share f(j) for every
// trustee j (its own included), each to be sealed for j with sealShare.
export function deal(label, trustee, threshold, trustees) {
  if (!isTrusteeNumber(trustee) || !isTrusteeNumber(threshold) ||
      trustee > trustees || threshold > trustees) {
    throw new Error("trustees are numbered 1…n and 1 ≤ t ≤ n");
  }
  const coefficients = Array.from({ length: threshold }, () => randomScalar());
  const points = coefficients.map((a) => base(a, true));
  const proof = proveKnowledge(keyContext(label, trustee, threshold, trustees), coefficients[0],
    points[0]);
  const shares = {};
  for (let j = 1; j <= trustees; j++) { shares[j] = scalarHex(evaluate(coefficients, j)); }
  return { dealing: { trustee, commitments: points.map(pointHex), proof }, shares };
}

// A dealing has t commitments and a valid proof of knowledge of its constant term.
export function dealingIsValid(label, dealing, threshold, trustees) {
  return refusing(() => {
    const { trustee, commitments, proof } = readDealing(dealing);
    if (commitments.length !== threshold || trustee < 1 || trustee > trustees) { return false; }
    return verifyKnowledge(keyContext(label, trustee, threshold, trustees), commitments[0], proof);
  });
}

// Step 3: the share that `dealing`'s trustee sent to trustee `receiver` matches its commitments.
export function shareIsValid(dealing, receiver, shareHex) {
  return refusing(() => Number.isInteger(receiver) &&
    base(scalarFromHex(shareHex), true).equals(committedValue(readDealing(dealing), receiver)));
}

// Step 4: trustee `receiver`'s key share x_j, the sum of the shares every dealer sent it.
export function combineShares(receiver, sharesHexList) {
  trusteeNumber(receiver);
  if (!Array.isArray(sharesHexList)) { throw new EncodingError("the shares are a list"); }
  return scalarHex(sharesHexList.reduce((sum, share) => sum + scalarFromHex(share), 0n));
}

// The poll's public key Y = Σ_i C_i0.
export function publicKeyOf(dealings) {
  return pointHex(readDealings(dealings).reduce((sum, d) => sum.add(d.commitments[0]),
    base(0n)));
}

// Y_j = x_j·G from the published dealings alone: what trustee j's proofs are checked with.
export function verificationKey(dealings, trustee) {
  trusteeNumber(trustee);
  return pointHex(readDealings(dealings).reduce((sum, d) => sum.add(committedValue(d, trustee)),
    base(0n)));
}

// --- decryption of the totals (as trustees.partial_decrypt) --------------------------------

// Trustee `trustee`'s decryption factors x_j·alpha for every total ([[{alpha, beta}]]), each
// with its proof: {trustee, factors: [[hex]], proofs: [[proof]]}.
export function partialDecrypt(label, trustee, shareHex, totals) {
  trusteeNumber(trustee);
  const secret = scalarFromHex(shareHex);
  if (!Array.isArray(totals) || !totals.every(Array.isArray)) {
    throw new EncodingError("the totals are a list of lists of ciphertexts");
  }
  const publicPoint = base(secret, true);
  const context = [TALLY_TAG, label, trustee];
  const factors = [];
  const proofs = [];
  for (const row of totals) {
    const alphas = row.map((ct) => ciphertextFromJson(ct).alpha);
    const rowFactors = alphas.map((alpha) => mul(alpha, secret, true));
    factors.push(rowFactors.map(pointHex));
    proofs.push(alphas.map((alpha, c) =>
      proveDecryption(context, secret, publicPoint, alpha, rowFactors[c])));
  }
  return { trustee, factors, proofs };
}

// --- sealed shares (as transport.py) -------------------------------------------------------

// A trustee's transport key: a fresh secret z (kept) and Z = z·G (published before dealing).
export function transportKeyPair() {
  const secret = randomScalar();
  return { secret: scalarHex(secret), public: pointHex(base(secret, true)) };
}

function pad(label, sender, receiver, ephemeral, shared) {
  return challenge(TRANSPORT_TAG, [label, sender, receiver, ephemeral, shared]);
}

// Hashed ElGamal: R = r·G and the share plus SHA-512(tag, label, i, j, R, r·Z) mod the order.
export function sealShare(label, sender, receiver, recipientKeyHex, shareHex) {
  trusteeNumber(sender);
  trusteeNumber(receiver);
  const key = pointFromHex(recipientKeyHex);
  if (recipientKeyHex === IDENTITY_HEX) { throw new Error("the identity is no transport key"); }
  const share = scalarFromHex(shareHex);
  const r = randomScalar();
  const ephemeral = base(r, true);
  const sealed = share + pad(label, sender, receiver, ephemeral, mul(key, r, true));
  return { sender, receiver, ephemeral: pointHex(ephemeral), sealed: scalarHex(sealed) };
}

// The share inside `sealed` for the holder of the transport secret. Sealing does not
// authenticate: check the result with shareIsValid against the sender's dealing.
export function openShare(label, sealed, secretHex) {
  if (!isObject(sealed) || !sameKeys(sealed, ["sender", "receiver", "ephemeral", "sealed"])) {
    throw new EncodingError("a sealed share has exactly sender, receiver, ephemeral and sealed");
  }
  const sender = trusteeNumber(sealed.sender);
  const receiver = trusteeNumber(sealed.receiver);
  const ephemeral = pointFromHex(sealed.ephemeral);
  if (sealed.ephemeral === IDENTITY_HEX) {
    throw new EncodingError("the ephemeral key of a sealed share is never the identity");
  }
  const value = scalarFromHex(sealed.sealed);
  const secret = scalarFromHex(secretHex);
  return scalarHex(value - pad(label, sender, receiver, ephemeral, mul(ephemeral, secret, true)));
}
