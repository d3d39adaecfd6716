'use strict'

// A fresh app installing the package as a user would: no Go on PATH, no npm
// settings inherited from an outer `npm test`, offline with an npm cache of
// its own.

const fs = require('node:fs')
const path = require('node:path')

/** PATH without the directories that hold a `go` executable. */
function pathWithoutGo () {
  return (process.env.PATH || '').split(path.delimiter).filter((dir) => {
    return dir !== '' && !fs.existsSync(path.join(dir, 'go')) && !fs.existsSync(path.join(dir, 'go.exe'))
  }).join(path.delimiter)
}

/** The environment of the fresh app, with `cache` as its npm cache. */
function appEnv (cache) {
  const env = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name) && name !== 'GO_NET_REQUEST_BUILD_FROM_SOURCE' && name !== 'INIT_CWD') env[name] = value
  }
  return {
    ...env,
    PATH: pathWithoutGo(),
    npm_config_offline: 'true',
    npm_config_cache: cache,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false'
  }
}

/** Creates an empty app (package.json only) in dir. */
function makeApp (dir) {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
}

/**
 * A script for `node -e SCRIPT URL`: one GET through the package `pkg`
 * (a name or a path), printed as JSON {resolved, addon, statusCode, body}
 * (addon: the .node file that was loaded); a failure exits 1 with the
 * message on stderr.
 */
function getScript (pkg) {
  return `
const net = require(${JSON.stringify(pkg)})
const req = net.request(process.argv[1])
req.on('response', (res) => {
  const chunks = []
  res.on('data', (chunk) => chunks.push(chunk))
  res.on('end', () => console.log(JSON.stringify({
    resolved: require.resolve(${JSON.stringify(pkg)}),
    addon: Object.keys(require.cache).find((file) => file.endsWith('.node')),
    statusCode: res.statusCode,
    body: Buffer.concat(chunks).toString()
  })))
})
req.on('error', (err) => { console.error(err.message); process.exitCode = 1 })
req.end()
`
}

module.exports = { appEnv, getScript, makeApp, pathWithoutGo }
