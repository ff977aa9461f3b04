// The phone's cost: static/js/ballot_crypto.js encrypting and proving ballots, in Node.
//
//     node bench/ballot_crypto.mjs --ballots 50
//
// For each kind of secret vote (as bench/ballot_crypto.py) prints the mean milliseconds per
// encryptBallot (ciphertexts, proofs and tracker) and per verifyBallot. A phone's browser
// is slower than this machine's Node; nothing is asserted.
import { encryptBallot, verifyBallot } from "../static/js/ballot_crypto.js";
import { ristretto255 } from "../static/vendor/noble.js";

const at = process.argv.indexOf("--ballots");
const ballots = at > 0 ? Number(process.argv[at + 1]) : 50;
const key = ristretto255.Point.BASE.multiply(123456789n).toHex();
const one = (n) => ({ choices: n, min: 1, max: 1 });
const kinds = {
  "yes/no/abstain": [[one(3)], [[0, 1, 0]]],
  "approval 2 of 5": [[{ choices: 5, min: 0, max: 2 }], [[1, 0, 0, 1, 0]]],
  "yes/no/abstain x4 candidates": [
    [one(3), one(3), one(3), one(3)],
    [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]],
  ],
};

const report = { ballots };
for (const [kind, [questions, marks]] of Object.entries(kinds)) {
  let start = performance.now();
  const made = [];
  for (let n = 0; n < ballots; n++) {
    made.push(encryptBallot({ publicKey: key, poll: "bench", voter: `v${n}`, questions, marks }));
  }
  const encrypt = (performance.now() - start) / ballots;
  start = performance.now();
  for (const { ballot } of made) {
    verifyBallot(ballot, { publicKey: key, poll: "bench", questions });
  }
  const verify = (performance.now() - start) / ballots;
  report[kind] = {
    encrypt_ms_per_ballot: Math.round(encrypt * 100) / 100,
    verify_ms_per_ballot: Math.round(verify * 100) / 100,
  };
}
console.log(JSON.stringify(report, null, 2));
