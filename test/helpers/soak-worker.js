'use strict'

// A soak worker thread: loads the library (its own instance of the addon's
// per-environment state), runs the same load as the main thread and posts
// its counters every `reportMs`. The main thread terminates it mid-load, or
// sends 'drain': then it starts nothing new, lets its requests finish, posts
// {final: stats} and must exit by itself (nothing of the library may keep
// its event loop alive once its requests are done).
//
// workerData: {lib, origins, seed, concurrency, until, maxRequests, reportMs, label}

const { parentPort, workerData } = require('node:worker_threads')
const { Load, prng } = require('./soak-load')

const net = require(workerData.lib)
const sessions = [
  net.session.defaultSession,
  net.session.fromPartition('soak-memory'),
  net.session.fromPartition('persist:soak')
]
const load = new Load({
  net,
  origins: workerData.origins,
  sessions,
  random: prng(workerData.seed),
  label: workerData.label
})

load.catchUncaught()

const report = setInterval(() => parentPort.postMessage({ stats: load.stats }), workerData.reportMs)

parentPort.on('message', (message) => {
  if (message !== 'drain') return
  load.stop()
  parentPort.unref() // from now on only the requests in flight may keep this thread alive
})

load.run({ concurrency: workerData.concurrency, until: workerData.until, maxRequests: workerData.maxRequests })
  .then(() => {
    clearInterval(report)
    parentPort.postMessage({ final: load.stats, inflight: load.inflight.size })
  })
