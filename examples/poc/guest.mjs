// The "guest" of a PoC VM (a process inside the VM's network namespace).
//   node guest.mjs serve <name> <port>         answers every TCP connection with <name>
//   node guest.mjs probe <address> <port> <ms> prints the name that answered, or nothing
import { connect, createServer } from 'node:net';

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'serve') {
  createServer((socket) => socket.end(String(a))).listen(Number(b), '0.0.0.0');
} else if (mode === 'probe') {
  let answer = '';
  const socket = connect({ host: String(a), port: Number(b) });
  const done = () => {
    process.stdout.write(answer);
    process.exit(0);
  };
  socket.setTimeout(Number(c), () => socket.destroy());
  socket.on('data', (chunk) => { answer += chunk.toString('utf8'); });
  socket.on('close', done);
  socket.on('error', () => undefined);
} else {
  process.stderr.write('usage: guest.mjs serve <name> <port> | probe <address> <port> <timeout-ms>\n');
  process.exit(2);
}
