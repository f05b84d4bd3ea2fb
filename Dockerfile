# The image helm/workflow-executor runs: `wfx` as the entrypoint, as uid 1000 (the chart's runAsUser), writing
# nothing outside the volumes the chart mounts (/var/lib/wfx, /tmp). Dependencies come from package-lock.json.
#   docker build -t <registry>/workflow-executor:0.1.0 .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src src
# Only src/ is copied, so tsc builds dist/src alone (tsconfig also lists test/ and bench/).
RUN npx tsc -p .
# The dashboard every node serves at /ui, built into dist/ui.
COPY ui ui
RUN npm run build:ui

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist/src dist/src
COPY --from=build /src/dist/ui dist/ui
COPY proto proto
COPY nodes nodes
COPY examples examples
USER 1000:1000
EXPOSE 4020 50051
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["node", "--help"]
