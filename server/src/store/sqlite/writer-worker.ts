/**
 * Entry of the SQLite writer thread (see `writer-thread.ts`): one connection, one `SqliteWriter`, requests
 * answered in order. Errors cross back as plain data (name, message, code, SQL), since the thread boundary
 * keeps no class or extra property of an Error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openConnection } from './db.js';
import { SqliteWriter } from './writer.js';
import type { WireError, WriterReply, WriterRequest, WriterThreadData } from './writer-thread.js';

const data = workerData as WriterThreadData;
const port = parentPort!;
const db = openConnection(data.path, data.synchronous);
db.handle.pragma(`wal_autocheckpoint = ${data.autocheckpointPages}`);
const writer = new SqliteWriter(db);

function wire(err: unknown): WireError {
  const e = err as { name?: string; message?: string; code?: unknown; sql?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    code: typeof e?.code === 'string' ? e.code : undefined,
    sql: typeof e?.sql === 'string' ? e.sql : undefined,
  };
}

port.on('message', (request: WriterRequest) => {
  if (request.kind === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    switch (request.kind) {
      case 'write':
        reply = {
          id: request.id,
          outcomes: writer
            .writeGroup(request.batches)
            .map((o) => (o.ok ? o : { ok: false, error: wire(o.error) })),
        };
        break;
      case 'purge':
        reply = { id: request.id, value: writer.purgeIdempotencyKeys(request.olderThan) };
        break;
      case 'autocheckpoint':
        db.handle.pragma(`wal_autocheckpoint = ${request.pages}`);
        reply = { id: request.id, value: request.pages };
        break;
      case 'salt':
        reply = { id: request.id, data: writer.visitorSalt(request.day, request.candidate) };
        break;
      case 'purgeSalts':
        reply = { id: request.id, data: writer.purgeVisitorSalts(request.day) };
        break;
      case 'backfill':
        reply = { id: request.id, data: writer.backfillChunk(request.limit) };
        break;
    }
  } catch (err) {
    reply = { id: request.id, error: wire(err) };
  }
  port.postMessage(reply);
});
