// Backpack is an offline single-page app: nothing renders on a server, and every
// page works from the service worker's cache once the app has loaded once.
export const ssr = false;
export const prerender = false;
