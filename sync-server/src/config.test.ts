import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, USAGE, parseConfig, wantsHelp } from './config';
import { defaultOrigins } from './server';

const tmp = () => mkdtempSync(join(tmpdir(), 'backpack-config-'));

describe('parseConfig', () => {
  it('has safe defaults: loopback, 8787, ./data, no app', () => {
    const c = parseConfig([], {});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      dataDir: resolve('./data'),
      staticDir: null,
      quiet: false,
    });
    expect(c.maxMessageBytes).toBeGreaterThan(1024 * 1024);
    expect(c.maxBodyBytes).toBeGreaterThan(0);
  });

  it('reads the environment, and flags win over it', () => {
    const data = tmp();
    const env = { HOST: '0.0.0.0', PORT: '9000', DATA_DIR: data, RELAY_QUIET: '1' };
    expect(parseConfig([], env)).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      dataDir: data,
      quiet: true,
    });
    expect(parseConfig(['--port', '9100', '--host=::1'], env)).toMatchObject({
      host: '::1',
      port: 9100,
    });
    expect(parseConfig(['--max-connections-per-ip', '5'], {}).maxConnectionsPerIp).toBe(5);
    expect(parseConfig([], { MAX_MESSAGES_PER_SECOND: '50' }).maxMessagesPerSecond).toBe(50);
  });

  it('accepts a build directory that holds 200.html', () => {
    const dir = tmp();
    writeFileSync(join(dir, '200.html'), '<!doctype html>');
    expect(parseConfig(['--static', dir], {}).staticDir).toBe(dir);
    expect(parseConfig([], { STATIC_DIR: dir }).staticDir).toBe(dir);
  });

  it.each([
    [['--port', '70000'], {}, /--port must be a whole number from 0 to 65535/],
    [['--port', '80.5'], {}, /whole number/],
    [[], { PORT: 'eighty' }, /PORT must be a whole number/],
    [['--prot', '1'], {}, /Unknown option "--prot"/],
    [['--port'], {}, /--port needs a value/],
    [['--port', '--host'], {}, /--port needs a value/],
    [['--host', 'bad host!'], {}, /not a host name/],
    [['--static', '/nonexistent/backpack'], {}, /is not a directory/],
    [['--max-message-bytes', '10'], {}, /from 4096/],
    [['--origin', 'relay.example'], {}, /not an origin like https:\/\/relay.example/],
    [['--origin', 'https://relay.example/base'], {}, /no path/],
    [[], { PUBLIC_ORIGIN: 'ftp://relay.example' }, /PUBLIC_ORIGIN: "ftp/],
    [['--max-mailboxes', '100', '--max-mailboxes-per-address', '11'], {}, /ten times/],
  ] as const)('refuses %j %j with a clear message', (argv, env, message) => {
    expect(() => parseConfig(argv, env)).toThrow(ConfigError);
    expect(() => parseConfig(argv, env)).toThrow(message);
  });

  it('refuses a static directory without 200.html, and a data path that is a file', () => {
    expect(() => parseConfig(['--static', tmp()], {})).toThrow(/has no 200.html/);
    const file = join(tmp(), 'f');
    writeFileSync(file, '');
    expect(() => parseConfig(['--data', file], {})).toThrow(/is not a directory/);
  });

  it('reads the public origins (repeated or comma-separated) and the proxy setting', () => {
    expect(parseConfig([], {})).toMatchObject({ origins: null, trustProxy: false });
    expect(
      parseConfig(['--origin', 'https://Relay.Example/', '--origin=http://127.0.0.1:8787'], {
        PUBLIC_ORIGIN: 'https://ignored.example',
      }).origins,
    ).toEqual(['https://relay.example', 'http://127.0.0.1:8787']);
    expect(
      parseConfig([], { PUBLIC_ORIGIN: 'https://a.example, https://b.example:8443' }).origins,
    ).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(parseConfig(['--trust-proxy'], {}).trustProxy).toBe(true);
    expect(parseConfig([], { TRUST_PROXY: '1' }).trustProxy).toBe(true);
    expect(parseConfig([], {})).toMatchObject({ maxMailboxes: 10_000, maxMailboxesPerAddress: 50 });
  });

  it('derives the origins from host and port when none is set, never from a Host header', () => {
    expect(defaultOrigins('127.0.0.1', 8787)).toEqual([
      'http://127.0.0.1:8787',
      'http://[::1]:8787',
      'http://localhost:8787',
    ]);
    expect(defaultOrigins('relay.example', 80)).toEqual(['http://relay.example']);
    const wildcard = defaultOrigins('0.0.0.0', 9000);
    expect(wildcard).toContain('http://127.0.0.1:9000');
    expect(wildcard.every((o) => o.endsWith(':9000'))).toBe(true);
  });

  it('documents every option', () => {
    expect(wantsHelp(['--help'])).toBe(true);
    expect(wantsHelp(['--port', '1'])).toBe(false);
    for (const s of [
      '--host',
      '--port',
      '--data',
      '--static',
      'DATA_DIR',
      'STATIC_DIR',
      '--quiet',
      '--origin',
      'PUBLIC_ORIGIN',
      '--trust-proxy',
      '--max-mailboxes-per-address',
      '--push-subject',
      '--push-allow-loopback',
    ]) {
      expect(USAGE).toContain(s);
    }
  });

  it('reads the Web Push settings, refusing a subject that is not a contact', () => {
    expect(parseConfig([], {})).toMatchObject({ pushSubject: null, pushAllowLoopback: false });
    expect(
      parseConfig(['--push-subject', 'mailto:ops@example.org', '--push-allow-loopback'], {}),
    ).toMatchObject({ pushSubject: 'mailto:ops@example.org', pushAllowLoopback: true });
    expect(
      parseConfig([], { PUSH_SUBJECT: 'https://relay.example', PUSH_ALLOW_LOOPBACK: '1' }),
    ).toMatchObject({ pushSubject: 'https://relay.example', pushAllowLoopback: true });
    for (const bad of ['http://relay.example', 'mailto:nobody', 'ops@example.org']) {
      expect(() => parseConfig(['--push-subject', bad], {}), bad).toThrow(/not a contact/);
    }
  });
});
