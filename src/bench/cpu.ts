/**
 * CPU time spent by this process and by the local PostgreSQL server's processes, so a figure that
 * stops scaling can be read against what the machine has: on two cores, a command that costs C
 * microseconds of CPU in all cannot run faster than 2,000,000 / C per second.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface CpuSpent {
  /** Microseconds of CPU this process used. */
  readonly nodeUs: number;
  /** Microseconds used by every process named postgres on this machine; undefined where /proc cannot tell. */
  readonly postgresUs: number | undefined;
}

/** Runs `work` and reports the CPU it cost on both sides. */
export async function cpuOf<T>(work: () => Promise<T>): Promise<{ result: T; cpu: CpuSpent }> {
  const pgBefore = postgresCpuUs();
  const before = process.cpuUsage();
  const result = await work();
  const spent = process.cpuUsage(before);
  const pgAfter = postgresCpuUs();
  return {
    result,
    cpu: { nodeUs: spent.user + spent.system, postgresUs: pgBefore === undefined || pgAfter === undefined ? undefined : pgAfter - pgBefore },
  };
}

/** Clock ticks of user and system time, from /proc/<pid>/stat, of processes named postgres. */
function postgresCpuUs(): number | undefined {
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // the process ended meanwhile
    }
    const close = stat.lastIndexOf(')');
    if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
    const fields = stat.slice(close + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  // Linux reports these in USER_HZ, 100 per second on every architecture Node runs on.
  return ticks === 0 ? undefined : ticks * 10_000;
}

/** The machine's CPU time counters (all cores), from /proc/stat; undefined where there is none. */
export function machineCpu(): { readonly busy: number; readonly total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle, iowait
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** The share of all cores that was busy between two readings of machineCpu(). */
export function busyShare(
  before: { readonly busy: number; readonly total: number } | undefined,
  after: { readonly busy: number; readonly total: number } | undefined,
): number | undefined {
  if (before === undefined || after === undefined || after.total === before.total) return undefined;
  return (after.busy - before.busy) / (after.total - before.total);
}
