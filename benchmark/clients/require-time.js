'use strict'
// Wall time of require() of one module in a fresh process: argv[2] is the
// specifier ('go-net-request' resolves to this package through its own
// "exports", as an app's require would). Prints {ms, rss}.
const { performance } = require('node:perf_hooks')
const t = performance.now()
require(process.argv[2])
const ms = performance.now() - t
process.stdout.write(JSON.stringify({ ms, rss: process.memoryUsage.rss() }) + '\n')
process.exit(0)
