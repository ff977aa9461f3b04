// Runs static/js/ballot_crypto.js and static/js/trustee_crypto.js for the Python tests: reads
// a JSON list of requests on standard input, writes the JSON list of answers. Each request is
// {"do": name, ...arguments}; {"do": "attempt", "request": {...}} answers {"value": answer} or
// {"error": message} when the request is refused.
import { readFileSync } from "node:fs";
import {
  checkSpoiled,
  encryptBallot,
  revealSpoiled,
  tracker,
  verifyBallot,
} from "../../static/js/ballot_crypto.js";
import {
  combineShares,
  deal,
  dealingIsValid,
  openShare,
  partialDecrypt,
  publicKeyOf,
  sealShare,
  shareIsValid,
  transportKeyPair,
  verificationKey,
} from "../../static/js/trustee_crypto.js";

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
  deal: (r) => deal(r.label, r.trustee, r.threshold, r.trustees),
  dealing_is_valid: (r) => dealingIsValid(r.label, r.dealing, r.threshold, r.trustees),
  share_is_valid: (r) => shareIsValid(r.dealing, r.receiver, r.share),
  combine_shares: (r) => combineShares(r.receiver, r.shares),
  public_key: (r) => publicKeyOf(r.dealings),
  verification_key: (r) => verificationKey(r.dealings, r.trustee),
  partial_decrypt: (r) => partialDecrypt(r.label, r.trustee, r.share, r.totals),
  transport_keypair: () => transportKeyPair(),
  seal_share: (r) => sealShare(r.label, r.sender, r.receiver, r.recipientKey, r.share),
  open_share: (r) => openShare(r.label, r.sealed, r.secret),
  attempt: (r) => {
    try {
      return { value: actions[r.request.do](r.request) };
    } catch (error) {
      return { error: error.message };
    }
  },
};

const requests = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(requests.map((r) => actions[r.do](r))));
