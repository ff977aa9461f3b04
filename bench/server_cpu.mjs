// CPU seconds a process has used so far (user + system) and its peak resident memory, read
// from /proc; shared by the benchmark clients (hall.mjs, fanout.mjs).
import { readFileSync } from "node:fs";

export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(")").pop().trim().split(/\s+/);
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (100 Hz on Linux)
}

// The process's resident memory (field "VmRSS") or its peak so far ("VmHWM"), in MiB.
export function memoryMib(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : null;
}
