/**
 * The notice the relay sends a record's open connections when its manifest changed.
 */

/**
 * What the relay tells a record's open connections when its manifest changed (a Hocuspocus
 * stateless message): only the new version, which the relay knows anyway. Devices then fetch and
 * verify the manifest themselves; the notice is a hint, never trusted for anything else.
 */
export function manifestNotice(version: number): string {
  return `manifest:${version}`;
}

/** The version in a {@link manifestNotice}, or `null` for anything else. */
export function parseManifestNotice(payload: unknown): number | null {
  if (typeof payload !== 'string' || payload.length > 32) return null;
  const m = /^manifest:([1-9][0-9]{0,14})$/.exec(payload);
  return m ? Number(m[1]) : null;
}
