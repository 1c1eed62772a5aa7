import { afterEach, describe, expect, it } from 'vitest';
import {
  LOG_ENVELOPE_KEYS,
  LOG_FIELDS,
  REDACTED,
  captureConsole,
  createLogger,
  sanitize,
} from './log';

let restore: (() => void) | null = null;
afterEach(() => {
  restore?.();
  restore = null;
});

describe('logs', () => {
  it('keep only allow-listed fields with safe values', () => {
    expect(
      sanitize({
        event: 'auth',
        doc: 'abc:clinical',
        bytes: 12,
        token: 'AAAA',
        update: 'x',
        reason: 'line\nbreak {"json": 1}',
        ms: Infinity,
      }),
    ).toEqual({ event: 'auth', doc: 'abc:clinical', bytes: 12, reason: REDACTED, ms: null });
  });

  it('write one JSON object a line, and drop info when quiet', () => {
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l));
    log.info('hello', { event: 'x', secret: 'no' });
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', msg: 'hello', event: 'x' });
    for (const k of Object.keys(line))
      expect(LOG_FIELDS.has(k) || LOG_ENVELOPE_KEYS.has(k)).toBe(true);
    const quiet: string[] = [];
    const q = createLogger((l) => quiet.push(l), true);
    q.info('dropped');
    q.warn('kept');
    expect(quiet).toHaveLength(1);
  });

  it('route library console output through the logger, without error objects', () => {
    const lines: string[] = [];
    restore = captureConsole(createLogger((l) => lines.push(l)));
    console.error('closing connection (while handling a:b) because of exception', {
      reason: 'only-owners-delete',
      payload: 'CANARY',
    });
    console.error(new Error('CANARY inside an error'));
    restore();
    restore = null;
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('CANARY');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', reason: 'only-owners-delete' });
  });
});
