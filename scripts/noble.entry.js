// What static/js/ballot_crypto.js needs of the noble libraries, bundled by `make setup` into
// static/vendor/noble.js (one ES module, loaded from our own origin).
export { ristretto255 } from "@noble/curves/ed25519.js";
export { sha256, sha512 } from "@noble/hashes/sha2.js";
export { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";
