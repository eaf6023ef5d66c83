import fp from 'fastify-plugin';

/**
 * Graceful close. `app.close()` stops accepting connections and waits for open ones to end, but a keep-alive
 * connection whose request finishes after closing began would stay open until its idle timeout. So while
 * closing, every response says `Connection: close`, and idle connections are reaped as requests finish.
 */
export default fp(
  async (app) => {
    let closing = false;
    let reaper: NodeJS.Timeout | undefined;

    app.addHook('preClose', async () => {
      closing = true;
      reaper = setInterval(() => app.server.closeIdleConnections?.(), 50);
      reaper.unref();
    });

    app.addHook('onSend', async (_request, reply, payload) => {
      if (closing) reply.header('Connection', 'close');
      return payload;
    });

    app.addHook('onClose', async () => {
      clearInterval(reaper);
    });
  },
  { name: 'shutdown' },
);
