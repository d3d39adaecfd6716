'use strict'

// Waiting for and recording events, without sleeping.

/**
 * Reads a readable stream (or any emitter of 'data' and 'end') to its end.
 * Rejects on 'error', on 'aborted', or on 'close' before 'end'.
 * Attaching a 'data' listener starts the flow, as reading does.
 * @param {import('node:events').EventEmitter} readable
 * @returns {Promise<Buffer>} everything read, concatenated
 */
function collectBody (readable) {
  return new Promise((resolve, reject) => {
    const chunks = []
    const cleanup = () => {
      readable.off('data', onData)
      readable.off('end', onEnd)
      readable.off('error', onError)
      readable.off('aborted', onAborted)
      readable.off('close', onClose)
    }
    const onData = (chunk) => chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
    const onEnd = () => { cleanup(); resolve(Buffer.concat(chunks)) }
    const onError = (err) => { cleanup(); reject(err) }
    const onAborted = () => { cleanup(); reject(new Error('collectBody: aborted before end')) }
    const onClose = () => { cleanup(); reject(new Error('collectBody: closed before end')) }
    readable.on('data', onData)
    readable.once('end', onEnd)
    readable.once('error', onError)
    readable.once('aborted', onAborted)
    readable.once('close', onClose)
  })
}

/**
 * Resolves with the arguments of the next `event`, like node:events once():
 * `const [response] = await once(request, 'response')`. Rejects if 'error'
 * comes first (unless `event` is 'error' itself).
 * @param {import('node:events').EventEmitter} emitter
 * @param {string} event
 * @returns {Promise<any[]>}
 */
function once (emitter, event) {
  return new Promise((resolve, reject) => {
    const onEvent = (...args) => {
      if (event !== 'error') emitter.off('error', onError)
      resolve(args)
    }
    const onError = (err) => {
      emitter.off(event, onEvent)
      reject(err)
    }
    emitter.once(event, onEvent)
    if (event !== 'error') emitter.once('error', onError)
  })
}

/**
 * Records the named events of `emitter` in emission order, for asserting
 * orders: `assert.deepStrictEqual(events, ['response', 'end', 'close'])`.
 * The array holds the names; `events.args[i]` holds the arguments of
 * `events[i]` (non-enumerable, so deepStrictEqual on names ignores it).
 *
 * Listening changes behaviour for some names: recording 'error' keeps an
 * error from being thrown, and recording 'data' on a stream starts its flow.
 * @param {import('node:events').EventEmitter} emitter
 * @param {string[]} names
 * @returns {string[] & { args: any[][] }}
 */
function recordEvents (emitter, names) {
  const events = []
  Object.defineProperty(events, 'args', { value: [], enumerable: false })
  for (const name of names) {
    emitter.on(name, (...args) => {
      events.push(name)
      events.args.push(args)
    })
  }
  return events
}

module.exports = { collectBody, once, recordEvents }
