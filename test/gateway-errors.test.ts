import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { GATEWAY_ERROR_CODES } from "../src/gateway/index.js";
import { errorStatus } from "../src/gateway/operations/index.js";
import { BusyError, GatewayError, UnauthenticatedError } from "../src/gateway/index.js";

const ERRORS_DOC = readFileSync(fileURLToPath(new URL("../../docs/errors.md", import.meta.url)), "utf8");

test("gateway errors - every code of the catalogue is documented in docs/errors.md", () => {
  for (const code of Object.keys(GATEWAY_ERROR_CODES)) assert.ok(ERRORS_DOC.includes(`\`${code}\``), `${code} is in docs/errors.md`);
});

test("gateway errors - codes map to HTTP statuses and gRPC codes", () => {
  assert.equal(errorStatus(new UnauthenticatedError()), { http: 401, grpc: "UNAUTHENTICATED" });
  assert.equal(errorStatus(new BusyError(4, 4)), { http: 429, grpc: "RESOURCE_EXHAUSTED" });
  assert.equal(errorStatus(new GatewayError("WFX_PERMISSION_DENIED", "no")), { http: 403, grpc: "PERMISSION_DENIED" });
  assert.equal(errorStatus(new Error("surprise")), { http: 500, grpc: "INTERNAL" });
});

test.run();
