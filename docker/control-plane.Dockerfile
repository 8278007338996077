# syntax=docker/dockerfile:1
# The fcv control plane: `node control-plane/src/main.ts` (Node 22 strips the TypeScript types, so
# nothing is compiled) on port 8080. Build from the repository root (npm workspaces):
#   docker build -f docker/control-plane.Dockerfile -t fcv/control-plane .
# The base is pinned by tag and by the multi-arch index digest: change both together.

# Production dependencies of the control plane and @fcv/core only (no drizzle-kit, no vitest...).
# Every workspace's package.json is copied because npm ci checks the lockfile against all of them.
FROM node:22.23.3-bookworm-slim@sha256:c3de60bf2f9dd0ac6370e6117950ff62d6e339527e7472301c9c78a017978392 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY core/package.json core/
COPY trainer/package.json trainer/
COPY control-plane/package.json control-plane/
COPY edge-worker/package.json edge-worker/
COPY web-widget/package.json web-widget/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace control-plane \
  && npm cache clean --force

FROM node:22.23.3-bookworm-slim@sha256:c3de60bf2f9dd0ac6370e6117950ff62d6e339527e7472301c9c78a017978392 AS runtime
# HOST: listen on every interface of the container. FCV_DATA_DIR: PGlite's folder when no
# DATABASE_URL is given (a volume in practice); production sets DATABASE_URL (PostgreSQL).
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=8080 \
  FCV_DATA_DIR=/var/lib/fcv/pglite
WORKDIR /app
# node_modules/@fcv/core is a symlink to ../../core: Node follows it to core/src, outside
# node_modules, where type stripping is allowed. The code stays owned by root (read-only to the app).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY core/package.json core/
COPY core/src core/src
COPY control-plane/package.json control-plane/
COPY control-plane/drizzle control-plane/drizzle
COPY control-plane/src control-plane/src
RUN mkdir -p /var/lib/fcv && chown 10001:10001 /var/lib/fcv
# A numeric uid above 10000 (no passwd entry needed): Kubernetes' runAsNonRoot can verify it, and it
# matches no user on the node (checkov CKV_K8S_40); the manifests run it as 10001 too.
USER 10001:10001
EXPOSE 8080
# No curl in slim images: Node's fetch. /healthz is liveness only (the process serves); /readyz
# (database reachable) is for the orchestrator's readiness probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The control plane migrates the database on start and drains in-flight requests on SIGTERM.
ENTRYPOINT ["node", "control-plane/src/main.ts"]
