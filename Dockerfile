# ztna-telemetry service image: `run` by default; `simulate`, `normalize`, `migrate` also work.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY sql ./sql
COPY schemas ./schemas
# npm install builds dist/ (the prepare script), then the build tools are dropped.
RUN npm install --no-audit --no-fund && npm prune --omit=dev && npm cache clean --force
ENV NODE_ENV=production ZTNA_DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
USER node
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run"]
