// A tiny stand-in upstream for the README's first-call check: any local HTTP server will do for the
// façade; this one answers CancelUpload with the real API's recorded response and everything else with
// the real API's 404 shape. Usage: node static-upstream.mjs PORT
import http from "node:http";
import { readFileSync } from "node:fs";

const port = Number(process.argv[2] ?? 8089);
const recorded = JSON.parse(readFileSync(new URL("../../third_party/openai-dotnet/recorded-responses.json", import.meta.url)));
const cancelled = recorded.recordings["UploadsTests_CancelUploadWorks"][1].response_body;

http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const match = /^\/v1\/uploads\/([^/]+)\/cancel$/.exec(req.url);
    res.setHeader("x-request-id", "req_smoke_" + Date.now());
    res.setHeader("content-type", "application/json");
    if (req.method === "POST" && match && decodeURIComponent(match[1]).startsWith("upload_abc")) {
      res.end(JSON.stringify({ ...cancelled, id: decodeURIComponent(match[1]) }));
    } else {
      const id = match ? decodeURIComponent(match[1]) : req.url;
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: `No such Upload: ${id}`, type: "invalid_request_error", param: "upload_id", code: null } }));
    }
  });
}).listen(port, "127.0.0.1");
