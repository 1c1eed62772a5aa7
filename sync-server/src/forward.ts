import { Document, OutgoingMessage, type Connection } from '@hocuspocus/server';

type HandleUpdate = (this: Document, update: Uint8Array, origin: unknown) => Document;

/** The connections an update from `origin` goes to: every connection of the document but it. */
export function recipientsOf(document: Document, origin: unknown): Connection[] {
  const to: Connection[] = [];
  for (const connection of document.getConnections())
    if (connection !== origin) to.push(connection);
  return to;
}

/**
 * Hocuspocus 3.4 (`Document.handleUpdate`) sends every applied update to each connection of the
 * document, the one it came from included. That device holds the update already (its provider
 * ignores it after decoding it), and the echo is written first (connections are kept in arrival
 * order), ahead of the forward to everyone else. This replaces the method so that an update goes
 * to every connection except its origin: a client's message is applied with its connection as
 * the origin, and updates from other instances (no origin) still go to all. The acknowledgement
 * (SyncStatus) is sent apart and is unchanged. `relay.test.ts` checks that a device gets its
 * acknowledgement and not its own envelope back, and that the others get it; it fails if a
 * Hocuspocus upgrade changes how updates are broadcast.
 *
 * Installed once per process, before any document is made (the constructor binds the method).
 */
export function forwardWithoutEcho(): void {
  const proto = Document.prototype as unknown as { handleUpdate: HandleUpdate; noEcho?: true };
  if (proto.noEcho) return;
  proto.noEcho = true;
  proto.handleUpdate = function (this: Document, update: Uint8Array, origin: unknown) {
    this.callbacks.onUpdate(this, origin as Connection, update);
    const message = new OutgoingMessage(this.name).createSyncMessage().writeUpdate(update);
    const bytes = message.toUint8Array();
    for (const connection of recipientsOf(this, origin)) connection.send(bytes);
    return this;
  };
}
