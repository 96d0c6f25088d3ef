# otp-gate container image: build with the dev dependencies, run with production ones only, as
# the unprivileged "node" user. Mount your config at /etc/otp-gate/config.yaml (with the users
# and policy files it names, relative to it) and pass secrets as environment variables:
#   docker build -t otp-gate .
#   docker run -p 8080:8080 -v "$PWD/gate:/etc/otp-gate:ro" -e SESSION_SECRET=... otp-gate
# test/ops/dist-start.test.ts starts the built dist/ with this file's ENTRYPOINT + CMD.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; we build below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production \
    OTP_GATE_HEALTH_URL=http://127.0.0.1:8080/_gate/healthz
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json config.example.yaml users.example.yaml ./
COPY bin ./bin
COPY templates ./templates
COPY schema ./schema
COPY policies ./policies
COPY demo ./demo
USER node
# 8080: the gate (server.listen). 9464: metrics, when metrics.listen is "0.0.0.0:9464" (the
# default, 127.0.0.1:9464, is reachable only from inside the container).
EXPOSE 8080 9464
# Set OTP_GATE_HEALTH_URL when server.listen uses another port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.OTP_GATE_HEALTH_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains in-flight requests for up to server.shutdown_timeout (10s by
# default): keep docker's own stop timeout longer than that (docker stop -t 15).
# --min-semi-space-size=16 keeps V8's young generation at full size: after an idle spell V8
# shrinks it, and under load again a small one promotes in-flight requests to the old generation,
# a state the gate did not leave (about 25 µs more CPU per proxied request; docs/benchmarks.md).
ENTRYPOINT ["node", "--min-semi-space-size=16", "dist/cli.js"]
CMD ["serve", "--config", "/etc/otp-gate/config.yaml"]
