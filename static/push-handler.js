/* Backpack's Web Push handler, imported by the generated service worker (vite.config.ts,
 * workbox importScripts). A push from the relay carries only a reminder's kind, a fixed generic
 * text and the path to open: never health data. The page stores this device's translations of
 * the texts in the Cache API (`backpack-reminders`), which are shown when present. */
'use strict';

const TEXTS_CACHE = 'backpack-reminders';
const TEXTS_URL = '/__backpack/reminder-texts.json';
const PATHS = { 'check-in': '/check-in', questionnaire: '/questionnaires', message: '/messages' };

async function localTexts() {
  try {
    const cache = await caches.open(TEXTS_CACHE);
    const res = await cache.match(TEXTS_URL);
    return res ? await res.json() : null;
  } catch {
    return null;
  }
}

self.addEventListener('push', (event) => {
  event.waitUntil(
    (async () => {
      let data;
      try {
        data = event.data ? event.data.json() : {};
      } catch {
        data = {};
      }
      const kind = Object.prototype.hasOwnProperty.call(PATHS, data.kind) ? data.kind : 'message';
      const texts = await localTexts();
      const own = texts && texts[kind];
      const title = (own && own.title) || 'Backpack';
      const body =
        (own && own.body) || (typeof data.body === 'string' ? data.body.slice(0, 120) : '');
      await self.registration.showNotification(title, {
        body,
        tag: `backpack-${kind}`,
        icon: '/icons/icon-192.png',
        badge: '/icons/icon-192.png',
        data: { path: PATHS[kind] },
      });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const path = (event.notification.data && event.notification.data.path) || '/';
  event.waitUntil(
    (async () => {
      const url = new URL(path, self.location.origin).href;
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const w of windows) {
        if (new URL(w.url).origin === self.location.origin) {
          await w.focus();
          if ('navigate' in w) await w.navigate(url).catch(() => undefined);
          return;
        }
      }
      await self.clients.openWindow(url);
    })(),
  );
});
