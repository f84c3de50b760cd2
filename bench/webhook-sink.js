// The receiver of bench/webhooks.js, in a process of its own so the load generator does not slow
// it: answers 204 to every POST, counts them, and remembers when the first attempt of each
// webhook-id arrived and which user name the body carried. GET /stats answers what it saw;
// DELETE /stats forgets it.
const { createServer } = require('node:http');

let posts = 0;
let first = new Map(); // webhook-id -> {at, name}
let last = 0;
let firstAt = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ posts, firstAt, last, first: [...first.values()] }));
  }
  if (req.method === 'DELETE') {
    posts = 0;
    last = 0;
    firstAt = 0;
    first = new Map();
    return res.writeHead(204).end();
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    posts++;
    last = Date.now();
    firstAt ||= last;
    const id = req.headers['webhook-id'];
    if (id && !first.has(`${req.url} ${id}`)) {
      let name = null;
      try {
        name = JSON.parse(Buffer.concat(chunks).toString()).data?.user?.name ?? null;
      } catch {}
      first.set(`${req.url} ${id}`, { at: last, name });
    }
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  console.log(`sink listening on ${server.address().port}`),
);
