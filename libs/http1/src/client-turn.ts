/**
 * Event-loop turns, for the client's connection hygiene (client.ts): a counter that advances once
 * in each check phase that has work for it, and the work queued for the next one.
 *
 * Node's loop reads sockets in its poll phase and runs `setImmediate` callbacks in the check
 * phase right after it. So by the time a callback queued here runs, every byte that was ready on
 * a socket when that poll began has been delivered to the socket's reader; and a connection
 * released at turn T has been through a whole poll (one that began after its release) once the
 * counter reads T + 2.
 */

let turn = 0;
let scheduled = false;
const queued = new Set<() => void>();

function run(): void {
  scheduled = false;
  turn++;
  const work = [...queued];
  queued.clear();
  for (const fn of work) fn();
}

/** The current turn. */
export function currentTurn(): number {
  return turn;
}

/** Runs `fn` once in the next check phase (queuing the same function twice runs it once). */
export function atNextCheck(fn: () => void): void {
  queued.add(fn);
  if (scheduled) return;
  scheduled = true;
  setImmediate(run);
}
