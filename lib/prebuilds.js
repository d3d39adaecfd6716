'use strict'
// Where the prebuilt binaries live and what they are called: prebuildify's
// layout, which @electron/rebuild (run by electron-forge and
// electron-builder) takes as a prebuilt Node-API addon that needs no
// compiling, and which node-gyp-build finds too:
//
//   prebuilds/<platform>-<arch>/node.napi.node         x64
//   prebuilds/<platform>-<arch>/node.napi.armv8.node   arm64 (prebuildify's armv tag)
//
// with the Go library beside the addon under its own name: the addon loads it
// from its own directory. @electron/rebuild also wants "prebuildify" among
// the package's devDependencies before it looks there.
const path = require('node:path')

/** The Go library's file name on each platform (what the addon links to). */
const GO_LIBRARY = Object.freeze({
  linux: 'libgonetrequest.so',
  darwin: 'libgonetrequest.dylib',
  win32: 'gonetrequest.dll'
})

/** A directory holding the prebuild to load instead (tests of a prebuild under emulation). */
const PREBUILD_DIR_ENV = 'GO_NET_REQUEST_PREBUILD_DIR'

/** The prebuilt addon's file name for an architecture (prebuildify's tags). */
function addonFileName (arch) {
  return arch === 'arm64' ? 'node.napi.armv8.node' : 'node.napi.node'
}

/** prebuilds/<platform>-<arch>/ under the package root. */
function prebuildDir (root, platform = process.platform, arch = process.arch) {
  return path.join(root, 'prebuilds', `${platform}-${arch}`)
}

/** The prebuilt addon for a platform, or for this process by default. */
function prebuiltAddon (root, platform = process.platform, arch = process.arch) {
  return path.join(prebuildDir(root, platform, arch), addonFileName(arch))
}

module.exports = { GO_LIBRARY, PREBUILD_DIR_ENV, addonFileName, prebuildDir, prebuiltAddon }
