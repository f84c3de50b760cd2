# syntax=docker/dockerfile:1
# Node 26: the current LTS line. An exact version (and Debian release), so a rebuild gets the base
# that was tested; move both stages together.
FROM node:26.10.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# The client package is an npm workspace: npm ci needs its package.json.
COPY packages/client/package.json ./packages/client/
RUN npm ci --no-audit --no-fund
COPY packages/client ./packages/client
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

FROM node:26.10.0-bookworm-slim
ENV NODE_ENV=production DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# The compiled server and migrations, with the files nest build places beside the code that reads
# them (nest-cli.json assets: mail templates, the common-password list).
COPY --from=build /app/dist ./dist
# node_modules/nest-email-auth-client links here: the server re-exports the client package.
COPY --from=build /app/packages/client/package.json ./packages/client/
COPY --from=build /app/packages/client/dist ./packages/client/dist
# The admin console's and the account page's scripts and styles, and what they share (the page
# shell among them): read at start from admin/, account/ and web-common/ beside package.json.
COPY admin ./admin
COPY account ./account
COPY web-common ./web-common
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# Readiness, not liveness: "healthy" means serving (database up, migrations current, not draining),
# which is what `depends_on: condition: service_healthy` and a load balancer want to know.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
