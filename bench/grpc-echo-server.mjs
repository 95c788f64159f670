// A bare grpc-js server on a Unix socket that answers every unary call with its request's bytes:
// what a gRPC round trip costs with nothing behind it (bench/commit.ts compares ipamd's ADD+DEL
// to it). Usage: node bench/grpc-echo-server.mjs <socket path>; prints "ready" once bound.
import * as grpc from '@grpc/grpc-js';

const socket = process.argv[2];
if (!socket) {
  process.stderr.write('usage: grpc-echo-server.mjs <socket path>\n');
  process.exit(2);
}
const identity = (bytes) => bytes;
const server = new grpc.Server();
server.register(
  '/echo.Echo/Call',
  (call, callback) => callback(null, call.request),
  identity,
  identity,
  'unary',
);
server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write('ready\n');
});
process.on('SIGINT', () => server.tryShutdown(() => process.exit(0)));
