'use strict'
// The shim's C sources for a cross build, relative to the package root: the
// common ones and the platform's forms of the doorbell, the pinning and the
// N-API lookup (bridge/shim/shim.h). binding.gyp lists the POSIX set for
// from-source builds.
const path = require('node:path')

const COMMON = ['addon.c', 'commands.c', 'request.c']
const PLATFORM = { win32: ['platform_win.c', 'napi_win.c'], linux: ['platform_posix.c'], darwin: ['platform_posix.c'] }

/** The shim sources to compile for platform, as paths relative to the package root. */
function shimSources (platform) {
  return [...COMMON, ...PLATFORM[platform]].map((file) => path.join('bridge', 'shim', file))
}

module.exports = { shimSources }
