// Preloaded (node --require) into third-party MCP servers that call listen(port) with no host, which
// would bind every interface: the tests' servers listen on 127.0.0.1 only.
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    const port = Number(args[0]);
    const rest = typeof args[1] === 'string' ? args.slice(2) : args.slice(1);
    return listen.call(this, port, '127.0.0.1', ...rest);
  }
  if (typeof args[0] === 'object' && args[0] !== null && !('path' in args[0]) && args[0].host === undefined) {
    return listen.call(this, { ...args[0], host: '127.0.0.1' }, ...args.slice(1));
  }
  return listen.apply(this, args);
};
