# syntax=docker/dockerfile:1
# maiimg: the gallery site, the bots and the `maiimg` CLI in one image.
# The build stage runs exactly the steps of scripts/smoke-production.sh (npm ci, npm run build,
# npm prune --omit=dev, then scripts/remove-dev-tools.mjs), which CI runs on the host, since
# no image can be built on the project's own machines.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund \
 && node scripts/remove-dev-tools.mjs

FROM node:24-bookworm-slim AS runtime
# MALLOC_ARENA_MAX: two glibc malloc arenas, as bin/maiimg.js sets for `serve` (see there why).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/package-lock.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/bin ./bin
COPY --from=build --chown=root:root /app/LICENSE ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1's direct child under `docker run --init` (compose sets init: true), so
# SIGTERM reaches it and the graceful stop writes every buffered open.
ENTRYPOINT ["node", "bin/maiimg.js"]
CMD ["serve"]
