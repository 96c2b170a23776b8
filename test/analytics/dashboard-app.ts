import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Core } from '../../core/core-app.js';
import { createDashboardRouter } from '../../gallery-web/dashboard/dashboard-router.js';

/** The dashboard router mounted the way the web app mounts it, on a real HTTP server on 127.0.0.1. */
export async function startDashboardServer(core: Core): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const app = express();
  app.use('/dashboard', createDashboardRouter({ core, publicBaseUrl: core.config.publicBaseUrl }));
  const server = createServer(app);
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
