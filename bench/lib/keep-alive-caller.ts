import http from "node:http";

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * POSTs over one kept-alive connection with node:http and reads the whole reply: the thinnest client there is, so a
 * round trip through it is the gateway's cost and not a client library's.
 */
export function keepAliveCaller(url: string, headers: Record<string, string>): (body: string) => Promise<RawReply> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return (body) =>
    new Promise((resolve, reject) => {
      const request = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
}
