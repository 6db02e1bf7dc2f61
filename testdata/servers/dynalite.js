// dynalite.js runs dynalite's CLI (same arguments) and exits when its stdin
// closes, so that a test binary that dies (timeout, SIGKILL) leaves no server
// behind: the Go test helper holds the other end of the pipe.
'use strict'
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
// dynalite throws from a request's 'error' handler (index.js:
// `req.on('error', function (err) { throw err })`), so a client that drops a
// connection mid-request (ECONNRESET "aborted": a store outage in the chaos
// test, a killed process) would kill the whole server. Real DynamoDB just
// loses that request: keep serving the others.
process.on('uncaughtException', (err) => {
  if (err && (err.code === 'ECONNRESET' || err.message === 'aborted')) {
    return
  }
  console.error(err)
  process.exit(1)
})
require('./node_modules/dynalite/cli.js')
