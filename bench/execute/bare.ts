// The ceiling for comparison: a bare fastify POST route that parses JSON and answers, nothing else.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.post("/execute", (request) => ({
  status: "completed",
  echo: (request.body as { executionId?: string }).executionId,
}));
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ url: address })}\n`);
