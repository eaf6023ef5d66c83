# syntax=docker/dockerfile:1.7
# The analytics API (Fastify). Built from the repository root:
#
#   docker build -f infra/docker/api.Dockerfile -t analytics-api .
#   docker run --rm -p 8787:8787 -e ANALYTICS_JWT_SECRET=... -e DATABASE_URL=postgres://... analytics-api
#
# Stages: base → toolchain (compilers for better-sqlite3) → manifests (package files only, so the
# dependency layers stay cached until a manifest changes) → build (bundle) and prod-deps (production
# node_modules) → runtime, which gets the bundle and the production dependencies and nothing else: no
# compiler, no TypeScript, no dev dependencies, no npm cache.
ARG NODE_VERSION=20.19

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

FROM base AS toolchain
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

FROM toolchain AS manifests
COPY package.json package-lock.json ./
COPY sdk-core/package.json sdk-core/
COPY widgets/package.json widgets/
COPY sdk-react/package.json sdk-react/
COPY server/package.json server/
COPY demo-next/package.json demo-next/

FROM manifests AS build
RUN --mount=type=cache,target=/root/.npm npm ci --include=dev
COPY tsconfig.base.json ./
COPY sdk-core/ sdk-core/
COPY widgets/ widgets/
COPY server/ server/
COPY infra/docker/build-api.mjs infra/docker/
RUN node infra/docker/build-api.mjs server/dist/server.mjs
# The script-tag bundle the API serves at /sdk/analytics.js (ANALYTICS_SDK_DIR, set in the runtime stage).
RUN npm run build -w widgets

FROM manifests AS prod-deps
# Only the server's production dependencies (no root dev tools, no other workspace's packages).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --workspace server --include-workspace-root=false \
 && npm cache clean --force

FROM base AS runtime
# ANALYTICS_SDK_DIR has no default in the server: without it /sdk/analytics.js answers 404.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    DATABASE_URL=sqlite:/data/analytics.db \
    ANALYTICS_SEED=none \
    ANALYTICS_SDK_DIR=/app/widgets/dist
# node_modules at the root (hoisted by npm workspaces), the bundle under server/dist so that paths the
# server resolves relative to itself (../../sample_data) land where they do in the repository.
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=prod-deps --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/server/package.json ./server/package.json
COPY --from=build --chown=node:node /app/server/dist ./server/dist
COPY --from=build --chown=node:node /app/widgets/dist ./widgets/dist
# Small (a few hundred KB) and only read when ANALYTICS_SEED=sample, for demos.
COPY --chown=node:node sample_data/ ./sample_data/
# SQLite's file lives on a volume owned by the unprivileged user; PostgreSQL deployments ignore it.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 8787
# No curl in the slim image: Node's own fetch is the probe. /health only: readiness (database reachable)
# is the orchestrator's business, and a restart would not fix a database outage.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form makes node itself PID 1, so SIGTERM reaches the server, which drains in-flight requests and
# closes the database. (PID 1 gets no default signal handlers; the server installs its own.)
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "server/dist/server.mjs"]
