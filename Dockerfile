# wsload image: the CLI and nothing else (production dependencies only).
#   docker build -t wsload:0.1.0 .
#   docker run --rm -v "$PWD/reports:/work/reports" wsload:0.1.0 run /app/scenarios/fanout.json
# The Kubernetes manifests in deploy/kubernetes/ run this image (docs/kubernetes.md).

# Build stage: dev dependencies (TypeScript) compile src/ into dist/.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before src/ is here; the build runs below.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Final stage: production dependencies and the built CLI only.
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY schema ./schema
COPY scenarios ./scenarios
# What the README links to, as the npm package carries it.
COPY docs ./docs
COPY deploy ./deploy
COPY bench/README.md ./bench/README.md
# `wsload` on the PATH, so ENTRYPOINT and `kubectl exec … wsload` read as on a workstation.
RUN chmod 755 /app/bin/wsload.js && ln -s /app/bin/wsload.js /usr/local/bin/wsload \
  && mkdir -p /work/reports && chown -R 1000:1000 /work
# Reports land in /work/reports (the default reports/<name>-<time>.json relative to /work):
# mount a volume there. The scenarios shipped in the image are under /app/scenarios.
WORKDIR /work
# Numeric user (the image's `node` user): Kubernetes' runAsNonRoot can only verify a numeric one.
USER 1000:1000
ENTRYPOINT ["wsload"]
CMD ["--help"]
