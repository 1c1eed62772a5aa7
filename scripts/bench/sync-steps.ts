// Where an edit's time goes, step by step, from the step times of its two devices
// (`sync-device.ts`): the medians of each step, for plain Hocuspocus and for Backpack. Steps that
// span the two devices (the relay leg) include their clock offset, which the benches print.
import { stats } from './stats';
import type { StepTimes } from './sync-device';

type Step = keyof StepTimes;
type Side = 'sender' | 'receiver';
/** A step: from what one device saw to what it (or the other device) saw next. */
type Stage = readonly [name: string, from: readonly [Side, Step], to: readonly [Side, Step]];

const PLAIN: readonly Stage[] = [
  // The edit's transaction, its update encoded and handed to the socket.
  ['send', ['sender', 'edit'], ['sender', 'sent']],
  // Loopback, the server, loopback.
  ['relay', ['sender', 'sent'], ['receiver', 'received']],
  // The update decoded and applied; the entry seen.
  ['apply', ['receiver', 'received'], ['receiver', 'seen']],
];

const BACKPACK: readonly Stage[] = [
  // The entry checked against its type and the device's write rule, written to the record.
  ['write', ['sender', 'edit'], ['sender', 'inner']],
  // Encrypted, signed, and the envelope appended to the document the relay syncs.
  ['seal', ['sender', 'inner'], ['sender', 'outer']],
  ['send', ['sender', 'outer'], ['sender', 'sent']],
  // Loopback, the relay (its checks of the envelope, the forward), loopback.
  ['relay', ['sender', 'sent'], ['receiver', 'received']],
  // The envelope applied to the receiver's copy of that document; its signature check started.
  ['receive', ['receiver', 'received'], ['receiver', 'outer']],
  // Signature, author and seq checked, decrypted, applied to the record.
  ['open', ['receiver', 'outer'], ['receiver', 'inner']],
  // The record's entries read again, the new one among them.
  ['read', ['receiver', 'inner'], ['receiver', 'seen']],
];

/**
 * Collects the step times of each measured edit; {@link medians} reports them per step, and
 * {@link slowestTenth} shows which steps the slow edits (those that make the p95) spent longer in.
 */
export class StepLog {
  private readonly samples = new Map<string, number[]>();
  private readonly edits: { total: number; steps: Map<string, number> }[] = [];

  constructor(private readonly stages: readonly Stage[]) {}

  static plain(): StepLog {
    return new StepLog(PLAIN);
  }

  static backpack(): StepLog {
    return new StepLog(BACKPACK);
  }

  /** One edit: what each device saw, and the edit's whole time (ms) as the bench measured it. */
  add(sender: StepTimes, receiver: StepTimes, total: number): void {
    const at = { sender, receiver };
    const steps = new Map<string, number>();
    for (const [name, [fromSide, from], [toSide, to]] of this.stages) {
      const a = at[fromSide][from];
      const b = at[toSide][to];
      if (a === undefined || b === undefined) continue;
      const list = this.samples.get(name) ?? [];
      list.push(b - a);
      this.samples.set(name, list);
      steps.set(name, b - a);
    }
    this.edits.push({ total, steps });
  }

  /** Median ms per step, in order; a step no edit showed is left out. */
  medians(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name] of this.stages) {
      const xs = this.samples.get(name);
      if (xs) out[name] = stats(xs).p50;
    }
    return out;
  }

  /** The mean ms per step over the slowest tenth of the edits (by their whole time). */
  slowestTenth(): Record<string, number> {
    const slow = [...this.edits]
      .sort((x, y) => y.total - x.total)
      .slice(0, Math.ceil(this.edits.length / 10));
    const out: Record<string, number> = {};
    for (const [name] of this.stages) {
      const xs = slow.flatMap((e) => e.steps.get(name) ?? []);
      if (xs.length > 0) out[name] = +(xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(2);
    }
    return out;
  }
}
