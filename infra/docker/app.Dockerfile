# syntax=docker/dockerfile:1.7
# The dashboard (Next.js), served by Next's own standalone Node server. Built from the repository root:
#
#   docker build -f infra/docker/app.Dockerfile -t analytics-dashboard .
#   docker run --rm -p 3000:3000 -e ANALYTICS_API_URL=https://api.example.com analytics-dashboard
#
# Standalone output (`output: 'standalone'`, switched on by NEXT_OUTPUT=standalone in next.config.ts)
# traces exactly the files the server needs into .next/standalone, so the runtime stage carries no
# node_modules of its own beyond that trace, no compiler and no sources.
ARG NODE_VERSION=20.19

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    NEXT_TELEMETRY_DISABLED=1

FROM base AS toolchain
# The workspace install compiles better-sqlite3 (a dependency of the server package the demo imports).
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
# The dashboard bundles the workspace packages from their TypeScript sources.
COPY tsconfig.base.json ./
COPY sdk-core/ sdk-core/
COPY widgets/ widgets/
COPY sdk-react/ sdk-react/
COPY server/ server/
COPY demo-next/ demo-next/
ENV NEXT_OUTPUT=standalone
RUN npm run build -w demo-next

FROM base AS runtime
# Runtime configuration only: the API's address is read per request by the server components, so one
# image serves every environment (nothing environment-specific is baked in at build time).
ENV NODE_ENV=production \
    HOSTNAME=0.0.0.0 \
    PORT=3000 \
    ANALYTICS_API_URL=http://localhost:8787
COPY --from=build --chown=node:node /app/demo-next/.next/standalone ./
# Static assets are not part of the trace; Next serves them from beside server.js.
COPY --from=build --chown=node:node /app/demo-next/.next/static ./demo-next/.next/static

USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "demo-next/server.js"]
