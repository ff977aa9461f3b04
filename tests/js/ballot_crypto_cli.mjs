// Runs static/js/ballot_crypto.js for the Python tests: reads a JSON list of requests on
// standard input, writes the JSON list of answers. Each request is {"do": name, ...arguments}.
import { readFileSync } from "node:fs";
import {
  checkSpoiled,
  encryptBallot,
  revealSpoiled,
  tracker,
  verifyBallot,
} from "../../static/js/ballot_crypto.js";

const actions = {
  encrypt: (r) => {
    const made = encryptBallot(r);
    return { ...made, reveal: revealSpoiled(made.ballot, r.marks, made.randomness) };
  },
  verify: (r) => verifyBallot(r.ballot, r),
  check_spoiled: (r) => checkSpoiled(r.reveal, r),
  tracker: (r) => tracker(r.ballot),
  refuse: (r) => {
    try {
      encryptBallot(r);
      return "accepted";
    } catch (error) {
      return error.message;
    }
  },
};

const requests = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(requests.map((r) => actions[r.do](r))));
