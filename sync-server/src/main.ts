import { ConfigError, USAGE, parseConfig, wantsHelp, type RelayConfig } from './config';
import { captureConsole, createLogger } from './log';
import { startServer } from './server';

/**
 * `npm start` (through scripts/start.mjs), or directly:
 * `node --import tsx sync-server/src/main.ts [--port 8787] [--host 127.0.0.1] [--data ./data]
 * [--static build]`. Logs are JSON lines on stdout; the banner and fatal errors go to stderr.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  let config: RelayConfig;
  try {
    config = parseConfig(argv, process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`backpack relay: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger((line) => process.stdout.write(line + '\n'), config.quiet);
  captureConsole(log);

  const server = await startServer(config, log);
  process.stderr.write(
    `\nBackpack is running at ${server.url}${config.staticDir ? '' : ' (relay only, no app)'}\n` +
      `Data: ${config.dataDir}\nStop with Ctrl+C.\n\n`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { event: 'stopping', signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(exitCode),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('uncaughtException', (e) => {
    // A bug must not leave the relay half-alive: log without the payload, then stop cleanly.
    log.error('uncaught exception; stopping', {
      event: 'crash',
      code: e instanceof Error ? e.name : 'unknown',
    });
    stop('SIGTERM', 1);
  });
}

main().catch((e: unknown) => {
  // StoreError and ConfigError messages say what to fix; nothing else is expected here.
  const message = e instanceof Error ? e.message : 'unknown error';
  process.stderr.write(`backpack relay: could not start: ${message}\n`);
  process.exit(1);
});
