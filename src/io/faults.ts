/**
 * Fault injection for the fault suite (test/faults.test.ts), at the points where clip-topo changes the
 * disk: each write of a file, each rename that commits one, each removal. With CLIP_TOPO_FAULT unset
 * (always, outside that suite) a point costs one comparison.
 *
 *   CLIP_TOPO_FAULT=log:FILE       append "op path" of every point to FILE (how a test finds the points)
 *   CLIP_TOPO_FAULT=OP:N:kill      SIGKILL this process at the N-th point of kind OP (1-based), as a crash would
 *   CLIP_TOPO_FAULT=OP:N:enospc    fail the N-th point of kind OP as a full disk does (writes land half, then ENOSPC)
 *
 * OP is write, rename or remove, or step: the moment just after a unit of work was committed (an analysis
 * step's cached result, an embedding set's manifest, the synthetic set), where a crash between two steps
 * lands. `step:1:kill` run again and again therefore kills a resumed analysis once at every step boundary.
 * Counts are per process; worker threads never write.
 */
import { appendFileSync } from 'node:fs';

export type FaultOp = 'write' | 'rename' | 'remove' | 'step';

interface Plan {
  log?: string;
  op?: FaultOp;
  at?: number;
  action?: 'kill' | 'enospc';
}

function parse(spec: string | undefined): Plan | undefined {
  if (!spec) return undefined;
  if (spec.startsWith('log:')) return { log: spec.slice(4) };
  const m = /^(write|rename|remove|step):(\d+):(kill|enospc)$/.exec(spec);
  // A misspelt plan must not pass for a run without faults: the suite would test nothing.
  if (!m) throw new Error(`CLIP_TOPO_FAULT=${spec}: expected log:FILE or write|rename|remove|step:N:kill|enospc`);
  return { op: m[1] as FaultOp, at: Number(m[2]), action: m[3] as 'kill' | 'enospc' };
}

const plan = parse(process.env.CLIP_TOPO_FAULT);
const seen: Record<FaultOp, number> = { write: 0, rename: 0, remove: 0, step: 0 };

/**
 * Marks a point where the disk changes. Kills the process when the plan says so; returns true when this
 * operation must fail as on a full disk (the caller then fails it with `diskFull`).
 */
export function faultPoint(op: FaultOp, path: string): boolean {
  if (!plan) return false;
  seen[op]++;
  if (plan.log) {
    appendFileSync(plan.log, `${op} ${path}\n`);
    return false;
  }
  if (op !== plan.op || seen[op] !== plan.at) return false;
  if (plan.action === 'kill') process.kill(process.pid, 'SIGKILL');
  return true;
}

/** The error a full disk gives (what fs calls reject with). */
export function diskFull(syscall: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOSPC: no space left on device, ${syscall} '${path}'`);
  err.code = 'ENOSPC';
  err.errno = -28;
  err.syscall = syscall;
  err.path = path;
  return err;
}
