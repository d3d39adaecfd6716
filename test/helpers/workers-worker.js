'use strict'
// One worker of a workers run (see workers-child.js). workerData:
// { lib, origin, name, end, hangMs, drain }.
//
// It GETs /ok/<name> and posts { type: 'response', status, body }. Then,
// by its end mode: 'natural' lets the thread exit by itself; the others
// start GET /hold/<name> (never answered) and GET /stream/<name> (a body
// that never ends) and post { type: 'sent' } so that the main thread ends
// the worker mid-request: 'terminate' and
// 'abrupt' by worker.terminate(), 'exit' by asking it to process.exit(7).
// With no response within hangMs it posts { type: 'hang', stats } and
// exits with code 3, so a lost answer shows with the engine's counters.
// With drain, it waits (up to 3 s) for the engine to hold no request of
// any environment and posts { type: 'drained', stats }.
const { parentPort, workerData } = require('node:worker_threads')
const { lib, origin, name, end, hangMs, drain } = workerData
const net = require(lib)

function get (path) {
  return new Promise((resolve, reject) => {
    const req = net.request(origin + path)
    req.on('response', (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

async function drained () {
  const deadline = Date.now() + 3000
  while (net.__engineStats().liveRequests !== 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  parentPort.postMessage({ type: 'drained', stats: net.__engineStats() })
}

const hang = setTimeout(() => {
  parentPort.postMessage({ type: 'hang', stats: net.__engineStats() })
  process.exit(3)
}, hangMs)

get('/ok/' + name).then(async ({ status, body }) => {
  clearTimeout(hang)
  parentPort.postMessage({ type: 'response', status, body })
  if (drain) await drained()
  if (end === 'natural') return
  if (end === 'exit') parentPort.once('message', () => process.exit(7))
  for (const route of ['/hold/', '/stream/']) {
    const req = net.request(origin + route + name)
    req.on('response', (res) => res.on('data', () => {}))
    req.on('error', (err) => parentPort.postMessage({ type: 'error', message: err.message }))
    req.end()
  }
  parentPort.postMessage({ type: 'sent' })
}, (err) => {
  clearTimeout(hang)
  parentPort.postMessage({ type: 'error', message: err.message })
})
