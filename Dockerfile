# syntax=docker/dockerfile:1
# The member area as a container image (issue 18): built in one stage, run in a second one that holds only the
# built tree and its production dependencies, as the unprivileged `node` user. `compose.yaml` runs two of them on
# PostgreSQL behind nginx, like `npm run cluster`. Configuration comes from the environment (see .env.example).

FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is compiled from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist/src ./dist/src
COPY --chown=root:root bin ./bin
COPY --chown=root:root public ./public
COPY --chown=root:root package.json package-lock.json ./
# The only writable place, for a SQLite database (DATABASE_URL=sqlite:/data/member-area.db) when used.
RUN mkdir /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# Readiness, not liveness: it answers 503 while the node drains on SIGTERM or cannot reach its database.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "bin/member-area.js", "serve"]
