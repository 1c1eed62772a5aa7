import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    sveltekit(),
    SvelteKitPWA({
      registerType: 'prompt',
      injectRegister: false,
      strategies: 'generateSW',
      manifest: {
        name: 'Backpack: your back and neck pain record',
        short_name: 'Backpack',
        description:
          'Your own encrypted record of back and neck pain. Share it with the professionals and relatives you choose.',
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f7f5f0',
        theme_color: '#2f5d50',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          {
            src: '/icons/icon-maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
        ],
      },
      kit: { adapterFallback: '200.html', spa: true },
      workbox: {
        // The first install takes control at once, so the app works offline after one visit.
        clientsClaim: true,
        globPatterns: ['client/**/*.{js,css,ico,png,svg,webp,woff,woff2,wasm,json}', '**/*.html'],
        navigateFallback: '/200.html',
        // The relay's endpoints are never cached: they are live, and carry only ciphertext.
        navigateFallbackDenylist: [/^\/api\//, /^\/healthz/, /^\/metrics/, /^\/sync/],
        // Reminders (issue 14 item 5): shows a Web Push from the relay, opens its page on click.
        importScripts: ['/push-handler.js'],
      },
    }),
  ],
  // `npm run dev`: the relay runs on 8787 (scripts/dev.mjs); the app talks to its own origin.
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8787',
      '/healthz': 'http://127.0.0.1:8787',
      '/sync': { target: 'ws://127.0.0.1:8787', ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'sync-server/src/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
