import { ConfigError, parseConfig } from './config';
import { startServer } from './server';

/** `npm start` / `tsx sync-server/src/main.ts [--port 8787] [--host …] [--data ./data] [--static build]` */
async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`backpack relay: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const server = await startServer(config);
  process.stderr.write(
    `\nBackpack is running at ${server.url}${config.staticDir ? '' : ' (relay only)'}\nData: ${config.dataDir}\nStop with Ctrl+C.\n\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`Stopping (${signal})…\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(
    `backpack relay: could not start: ${e instanceof Error ? e.message : 'unknown error'}\n`,
  );
  process.exit(1);
});
