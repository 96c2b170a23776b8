import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core } from '../../core/core-app.js';
import { createWebApp } from '../../gallery-web/web-app.js';

/** The whole web app (so its security headers apply to the dashboard too) on a real HTTP server on 127.0.0.1. */
export async function startDashboardServer(
  core: Core,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const web = createWebApp({ core, config: core.config });
  const server = createServer(web.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
