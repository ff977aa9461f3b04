// CPU seconds a process has used so far (user + system), read from /proc; shared by the
// benchmark clients (hall.mjs, fanout.mjs).
import { readFileSync } from "node:fs";

export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(")").pop().trim().split(/\s+/);
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (100 Hz on Linux)
}
