// dynalite.js runs dynalite's CLI (same arguments) and exits when its stdin
// closes, so that a test binary that dies (timeout, SIGKILL) leaves no server
// behind: the Go test helper holds the other end of the pipe.
'use strict'
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
require('./node_modules/dynalite/cli.js')
