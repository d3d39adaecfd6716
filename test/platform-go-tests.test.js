'use strict'

// The Go part of `npm run test:platforms` (scripts/targets/go-tests.js): which
// packages it tests for a target (computed by go list, cgo packages only with
// the target's C compiler), and how it counts a test binary's results. A small
// module written here is built and run the way a target's runner runs the
// engine's tests, with this machine as the target: passing, failing and
// skipped tests and subtests, a cgo package, and a binary that dies before
// its summary.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { runGoTests, runToFile, testPackages } = require('../scripts/targets/go-tests')
const { run } = require('../scripts/targets')

const ROOT = path.resolve(__dirname, '..')
const MODULE = 'github.com/go-net-request/go-net-request'
// Go builds for the machine it runs on (under qemu that is not this node's),
// and only where it runs (not under wine, where the suite is a Windows
// program without a Windows Go).
const goHost = spawnSync('go', ['env', 'GOHOSTOS', 'GOHOSTARCH'], { encoding: 'utf8' })
const noGo = goHost.status !== 0 ? 'go is not on PATH here' : false
const [GOOS, GOARCH] = noGo ? [] : goHost.stdout.trim().split('\n')
const noGcc = spawnSync('gcc', ['--version']).status !== 0
const TIMEOUT = { timeout: 120000, skip: noGo }

function quietContext (root, name) {
  const logs = []
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnr-go-tests-'))
  return { root, name, cacheDir, log: (msg) => logs.push(msg), logs, run }
}

const SAMPLE = {
  'go.mod': 'module example.com/sample\n\ngo 1.22\n',
  'counted/counted_test.go': `package counted

import (
	"os"
	"testing"
)

func TestPasses(t *testing.T) {}

func TestFailsInOneSubtest(t *testing.T) {
	t.Run("fine", func(t *testing.T) {})
	t.Run("broken", func(t *testing.T) { t.Error("broken") })
}

func TestSkips(t *testing.T) { t.Skip("not here") }

func TestReadsItsTestdata(t *testing.T) {
	if _, err := os.Stat("testdata/seed"); err != nil {
		t.Fatal(err)
	}
}
`,
  'counted/testdata/seed': 'x\n',
  'withcgo/withcgo.go': `package withcgo

// static int twice(int x) { return 2 * x; }
import "C"

func Twice(x int) int { return int(C.twice(C.int(x))) }
`,
  'withcgo/withcgo_test.go': `package withcgo

import "testing"

func TestTwice(t *testing.T) {
	if Twice(2) != 4 {
		t.Fatal("twice")
	}
}
`,
  'dies/dies_test.go': `package dies

import (
	"os"
	"testing"
)

func TestPasses(t *testing.T) {}

func TestExitsTheProcess(t *testing.T) { os.Exit(3) }
`,
  'notests/notests.go': 'package notests\n',
  // The same package name deeper down: its binary must not replace the other's.
  'deeper/counted/counted_test.go': 'package counted\n\nimport "testing"\n\nfunc TestPassesToo(t *testing.T) {}\n'
}

function writeSample () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnr-go-sample-'))
  for (const [file, text] of Object.entries(SAMPLE)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.writeFileSync(path.join(dir, file), text)
  }
  return dir
}

test('the packages tested for win32-x64 are go list\'s packages with tests; the cgo bridge only with a C compiler', TIMEOUT, () => {
  const ctx = quietContext(ROOT, 'win32-x64')
  const withCC = testPackages(ctx, { goos: 'windows', goarch: 'amd64', cc: 'x86_64-w64-mingw32-gcc-posix' })
  const chosen = Object.fromEntries(withCC.chosen.map((pkg) => [pkg.importPath, pkg]))
  assert.equal(chosen[`${MODULE}/gocore`].cgo, false)
  assert.equal(chosen[`${MODULE}/gocore`].dir, path.join(ROOT, 'gocore'))
  assert.equal(chosen[`${MODULE}/bridge`].cgo, true)
  assert.equal(chosen[`${MODULE}/internal/testcert`], undefined, 'a package without tests is not built')
  assert.deepEqual(withCC.skipped, [])

  const withoutCC = testPackages(ctx, { goos: 'windows', goarch: 'amd64' })
  assert.ok(withoutCC.chosen.some((pkg) => pkg.importPath === `${MODULE}/gocore`))
  assert.deepEqual(withoutCC.skipped, [{ importPath: `${MODULE}/bridge`, reason: 'needs cgo, and the target names no C compiler' }])
})

test('runGoTests counts tests and subtests per package, runs each binary in its package directory, and counts a binary that dies as a failure', TIMEOUT, (t) => {
  const sample = writeSample()
  const ctx = quietContext(sample, 'sample')
  t.after(() => {
    fs.rmSync(sample, { recursive: true, force: true })
    fs.rmSync(ctx.cacheDir, { recursive: true, force: true })
  })
  const runs = []
  const totals = runGoTests(ctx, { goos: GOOS, goarch: GOARCH, cc: noGcc ? undefined : 'gcc' }, {
    run: (exe, args, options) => {
      runs.push({ exe, args, cwd: options.cwd })
      return runToFile(exe, args, options)
    }
  })

  const counted = totals.packages['example.com/sample/counted']
  // TestPasses, TestReadsItsTestdata and the subtest "fine" pass; "broken" and its parent fail.
  assert.deepEqual([counted.passed, counted.failed, counted.skipped], [3, 2, 1])
  assert.deepEqual(counted.failures.sort(), ['TestFailsInOneSubtest', 'TestFailsInOneSubtest/broken'])
  assert.equal(runs.find((r) => r.exe.includes('counted')).cwd, path.join(sample, 'counted'))

  const dies = totals.packages['example.com/sample/dies']
  assert.equal(dies.passed, 1)
  assert.ok(dies.failures.some((name) => /before its summary/.test(name)), dies.failures.join(', '))

  if (noGcc) {
    assert.equal(totals.packages['example.com/sample/withcgo'], undefined)
  } else {
    assert.deepEqual([totals.packages['example.com/sample/withcgo'].passed, totals.packages['example.com/sample/withcgo'].failed], [1, 0])
  }
  assert.equal(totals.packages['example.com/sample/notests'], undefined)
  assert.deepEqual([totals.packages['example.com/sample/deeper/counted'].passed, totals.packages['example.com/sample/deeper/counted'].failed], [1, 0])
  assert.equal(totals.failed, Object.values(totals.packages).reduce((sum, pkg) => sum + pkg.failed, 0))
  for (const binary of ['counted.test', 'deeper_counted.test']) {
    assert.ok(fs.existsSync(path.join(ctx.cacheDir, 'go-tests', 'sample', `${binary}.json`)), binary)
  }
})
