# syntax=docker/dockerfile:1
# The fcv trainer: the bundled CLI `node trainer/dist/fcv.mjs <command>` on native TensorFlow
# (@tensorflow/tfjs-node built against the PyPI wheel's libtensorflow, as scripts/build-tfjs-node.sh
# does on a developer machine). Build from the repository root (npm workspaces):
#   docker build -f docker/trainer.Dockerfile -t fcv/trainer .
# The base is pinned by tag and by the multi-arch index digest: change both together.

# The bundle: every dependency (dev ones too: rolldown) to run `npm run build`.
FROM node:22.23.3-bookworm-slim@sha256:c3de60bf2f9dd0ac6370e6117950ff62d6e339527e7472301c9c78a017978392 AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY core/package.json core/
COPY trainer/package.json trainer/
COPY control-plane/package.json control-plane/
COPY edge-worker/package.json edge-worker/
COPY web-widget/package.json web-widget/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY rolldown.config.ts tsconfig.base.json ./
COPY scripts/with-node22 scripts/node-env.sh scripts/
COPY core/src core/src
COPY trainer/src trainer/src
RUN npm run build --silent

# The trainer's production dependencies (the bundle keeps only @tensorflow/* external) and the
# native addon, compiled here with the build tools the final image does not carry. The script
# downloads the tensorflow-cpu wheel from PyPI and checks its sha256.
FROM node:22.23.3-bookworm-slim@sha256:c3de60bf2f9dd0ac6370e6117950ff62d6e339527e7472301c9c78a017978392 AS tfjs-node
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    python3=3.11.2-1+b1 python3-pip=23.0.1+dfsg-1 g++=4:12.2.0-3 make=4.3-4.1 \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY core/package.json core/
COPY trainer/package.json trainer/
COPY control-plane/package.json control-plane/
COPY edge-worker/package.json edge-worker/
COPY web-widget/package.json web-widget/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace trainer \
  && npm cache clean --force
COPY scripts/build-tfjs-node.sh scripts/
# The workspace links (@fcv/*) would dangle: the bundle carries that code. The headers were only
# for the compiler; the libraries stay in deps/lib, next to the addon that loads them.
RUN FCV_CACHE=/tmp/fcv-cache bash scripts/build-tfjs-node.sh \
  && rm -rf /tmp/fcv-cache node_modules/@fcv node_modules/@tensorflow/tfjs-node/deps/include

# DVC with its S3 remote, in a venv of its own: the Jobs `dvc pull` the tracked log before running
# the pipeline (the version requirements.txt pins for the developers' machines and CI).
FROM node:22.23.3-bookworm-slim@sha256:c3de60bf2f9dd0ac6370e6117950ff62d6e339527e7472301c9c78a017978392 AS dvc
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3=3.11.2-1+b1 python3-venv=3.11.2-1+b1 \
  && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/dvc \
  && /opt/dvc/bin/pip install --no-cache-dir 'dvc[s3]==3.67.1'

FROM node:22.23.3-bookworm-slim@sha256:c3de60bf2f9dd0ac6370e6117950ff62d6e339527e7472301c9c78a017978392 AS runtime
# python3 runs the DVC venv; nothing else of Python is in the image.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3=3.11.2-1+b1 \
  && rm -rf /var/lib/apt/lists/*
# FCV_BACKEND=native: a missing or broken addon fails the command instead of training several
# times slower on pure-JS TensorFlow.js.
ENV NODE_ENV=production \
  FCV_BACKEND=native \
  PATH=/opt/dvc/bin:$PATH
WORKDIR /app
COPY --from=tfjs-node /app/node_modules ./node_modules
COPY --from=build /app/trainer/dist trainer/dist
COPY --from=dvc /opt/dvc /opt/dvc
# params.yaml: the defaults every command reads from the working directory (--params overrides);
# dvc.yaml, dvc.lock and .dvc/config: the pipeline and its remote, for `dvc pull` and `dvc repro`.
COPY package.json params.yaml dvc.yaml dvc.lock ./
COPY .dvc/config .dvc/
# The outputs params.yaml names (data/, models/, reports/, .mlflow/), writable by the app user;
# with a read-only root filesystem they are volumes.
RUN mkdir -p data models reports .mlflow && chown 10001:10001 data models reports .mlflow
# A numeric uid above 10000 (no passwd entry needed): Kubernetes' runAsNonRoot can verify it, and it
# matches no user on the node (checkov CKV_K8S_40); the manifests run it as 10001 too.
USER 10001:10001
# A batch CLI (ingest, features, train, evaluate, register, pipeline, score, release): no port and
# no HEALTHCHECK; the Job's exit code is its health.
# checkov:skip=CKV_DOCKER_2: a batch CLI run by Jobs serves nothing a HEALTHCHECK could probe; its exit code is its health
ENTRYPOINT ["node", "trainer/dist/fcv.mjs"]
CMD ["--help"]
