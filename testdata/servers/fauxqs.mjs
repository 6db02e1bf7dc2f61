// fauxqs.mjs runs the fauxqs SQS emulator on loopback only (its CLI listens
// on 0.0.0.0): --port N (0 picks a free one). It prints
// "fauxqs listening at: http://127.0.0.1:PORT" once ready and exits when its
// stdin closes, so that a test binary that dies leaves no server behind.
import { buildApp } from 'fauxqs'

const i = process.argv.indexOf('--port')
const port = i > 0 ? Number(process.argv[i + 1]) : 0
const app = buildApp({ logger: false })
const address = await app.listen({ host: '127.0.0.1', port })
console.log('fauxqs listening at: ' + address)
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
