// CPU seconds that processes have used, read from /proc/<pid>/stat (utime +
// stime, in clock ticks). A benchmark takes a reading before and after a phase
// to say where each machine's CPU went: the server under test, MariaDB, the
// load generator. Processes are picked by pid or by the program they run
// (every apache2 child, every mariadbd). A process that ends between two
// readings takes its CPU with it (Apache may retire an idle child), so a
// figure for a group of processes is a floor, never more than was used.

import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ is 100 on every Linux architecture Debian builds (sysconf(_SC_CLK_TCK)).
const TICKS_PER_SECOND = 100;

function statOf(pid: string): { seconds: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // After the name: state is field 3; utime and stime are fields 14 and 15.
  return { seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
}

/** The program a process runs: its argv[0]'s base name (comm is cut to 15 characters: Apache started as /usr/sbin/apache2 shows "/usr/sbin/apach"). */
function programOf(pid: string): string | undefined {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return argv0.slice(argv0.lastIndexOf('/') + 1);
  } catch {
    return undefined;
  }
}

/** CPU seconds of every process running one of the programs `names` (apache2, mariadbd). */
export function cpuOfPrograms(...names: string[]): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const program = programOf(pid);
    if (program !== undefined && names.includes(program)) total += statOf(pid)?.seconds ?? 0;
  }
  return total;
}

/** CPU seconds of one process (0 once it has gone). */
export function cpuOfPid(pid: number): number {
  return statOf(String(pid))?.seconds ?? 0;
}

/** CPU seconds of one process and its direct children (nginx's master and workers), not of any other nginx on the machine. */
export function cpuOfPidAndChildren(pid: number): number {
  let total = cpuOfPid(pid);
  for (const child of readdirSync('/proc')) {
    if (!/^\d+$/.test(child)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${child}/stat`, 'utf8');
    } catch {
      continue; // ended while listed
    }
    // After the name: state, then the parent's pid (field 4).
    if (Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]) === pid) total += cpuOfPid(Number(child));
  }
  return total;
}

/** This process's own CPU seconds (the load generator). */
export function ownCpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
