// Browser tests run in Debian's Chromium (/usr/bin/chromium); no tool downloads a browser.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.error('Chromium is missing: installing Debian’s chromium package…');
    const ok =
      spawnSync('apt-get', ['update'], { stdio: 'inherit' }).status === 0 &&
      spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit' }).status === 0;
    if (!ok || !existsSync(CHROMIUM)) {
      console.error('Installing chromium failed. Install it with: apt-get install -y chromium');
      process.exit(1);
    }
  } else {
    console.error(
      `The browser tests need Chromium at ${CHROMIUM}. Install it (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
    process.exit(1);
  }
}
