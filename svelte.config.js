import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // An offline single-page app: every route renders in the browser, the fallback
    // page is precached by the service worker so deep links work offline.
    adapter: adapter({ fallback: '200.html', strict: true }),
    paths: { relative: false },
    serviceWorker: { register: false },
    alias: {},
  },
};

export default config;
