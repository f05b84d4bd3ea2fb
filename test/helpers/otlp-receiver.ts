import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One span as an OTLP/HTTP JSON export carries it, with the resource that sent it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** The W3C tracestate the span carries ("" for none). */
  traceState: string;
  name: string;
  attributes: Record<string, string | number | boolean>;
  /** The sending node's resource attributes (service.name, service.instance.id). */
  resource: Record<string, string | number | boolean>;
  /** OTLP status code: 2 is ERROR. */
  status: number;
}

export interface OtlpReceiver {
  /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to (the exporter appends /v1/traces). */
  endpoint: string;
  spans: ReceivedSpan[];
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };

function attributesOf(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) out[key] = value.stringValue ?? value.boolValue ?? (value.intValue === undefined ? value.doubleValue : Number(value.intValue)) ?? "";
  return out;
}

/** A loopback OTLP/HTTP collector: accepts `POST /v1/traces` in the JSON encoding the OTLP/HTTP exporter sends. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces" || !String(req.headers["content-type"]).includes("json")) {
        res.writeHead(415).end();
        return;
      }
      const payload = JSON.parse(body) as { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] };
      for (const resourceSpan of payload.resourceSpans ?? []) {
        const resource = attributesOf(resourceSpan.resource?.attributes);
        for (const scope of resourceSpan.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            const parent = span["parentSpanId"] as string | undefined;
            spans.push({
              traceId: String(span["traceId"]),
              spanId: String(span["spanId"]),
              parentSpanId: parent === undefined || parent === "" ? undefined : parent,
              traceState: String(span["traceState"] ?? ""),
              name: String(span["name"]),
              attributes: attributesOf(span["attributes"] as KeyValue[] | undefined),
              resource,
              status: Number((span["status"] as { code?: number } | undefined)?.code ?? 0),
            });
          }
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
