// A tiny HTTP API with a health endpoint.
const http = require('http');
const port = Number(process.env.PORT || 3101);
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.end(JSON.stringify({hello: 'world'}));
}).listen(port, '127.0.0.1');
