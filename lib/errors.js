'use strict'
// Errors as Electron reports them: the message is Chromium's name
// ("net::ERR_..."); `code` (the name without "net::") is this library's
// addition, and so is `header` on a refused restricted header.

/**
 * Makes the Error for an engine failure.
 * @param {string} name Chromium's error name, e.g. 'ERR_CONNECTION_REFUSED'
 * @param {string} [detail] a message that replaces "net::NAME" (redirect policy errors)
 * @param {string} [header] the restricted header that was refused
 */
function netError (name, detail, header) {
  if (detail) return new Error(detail)
  const err = new Error(`net::${name}`)
  err.code = name
  if (header) err.header = header
  return err
}

/** Parses the FAIL payload "NAME\0detail\0header". */
function fromFailure (payload) {
  const [name, detail, header] = payload.split('\0')
  return netError(name, detail, header)
}

module.exports = { netError, fromFailure }
