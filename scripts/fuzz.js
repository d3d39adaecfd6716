'use strict'
// Runs every Go fuzz target for a while, one after the other:
//
//   npm run fuzz                      # 30 s per target
//   npm run fuzz -- --time 5s         # any Go duration (or Nx iterations)
//   npm run fuzz -- --only FuzzSetCookie,FuzzParseSpec --parallel 1
//   npm run fuzz -- --minimize 30s    # time to minimize each new input (default 5s)
//
// Each target runs as `go test -run=^$ -fuzz=^Name$ -fuzztime=T ./pkg`.
// Go spends up to -fuzzminimizetime (60 s by default) minimizing every new
// interesting input, during which nothing else is explored; with slow inputs
// (a decompression bomb) that can eat a whole short run, hence 5 s here. A
// crasher the fuzzer finds is written by Go to <pkg>/testdata/fuzz/<Name>/,
// where `go test ./...` replays it from then on; commit it with the fix.
// Exits non-zero when any target failed.
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.resolve(__dirname, '..')

/** The fuzz targets, by package. */
const TARGETS = [
  ['./gocore/httpwire', 'FuzzReadResponseHead'],
  ['./gocore/httpwire', 'FuzzChunkedReader'],
  ['./gocore/auth', 'FuzzParseChallenge'],
  ['./gocore', 'FuzzValidateRequest'],
  ['./gocore/cookies', 'FuzzSetCookie'],
  ['./bridge', 'FuzzParseSpec']
]

const USAGE = 'usage: node scripts/fuzz.js [--time 30s] [--only Name[,Name...]] [--parallel N] [--minimize 5s]'

function parseArgs (argv) {
  const options = { time: '30s', only: null, parallel: null, minimize: '5s' }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s)
    const value = () => {
      const v = inline !== undefined ? inline : argv[++i]
      if (v === undefined || v === '') fail(`${flag} needs a value\n${USAGE}`)
      return v
    }
    switch (flag) {
      case '--time': options.time = value(); break
      case '--only': options.only = value().split(',').map((s) => s.trim()).filter(Boolean); break
      case '--parallel': options.parallel = value(); break
      case '--minimize': options.minimize = value(); break
      case '-h': case '--help': console.log(USAGE); process.exit(0); break
      default: fail(`unknown argument ${argv[i]}\n${USAGE}`)
    }
  }
  for (const flag of ['time', 'minimize']) {
    if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^\d+x$/.test(options[flag])) {
      fail(`--${flag} ${options[flag]}: want a Go duration such as 5s or 2m, or a count such as 1000x`)
    }
  }
  if (options.parallel !== null && !/^[1-9]\d*$/.test(options.parallel)) fail('--parallel wants a positive integer')
  return options
}

function fail (message) {
  console.error(`fuzz: ${message}`)
  process.exit(2)
}

function main () {
  const options = parseArgs(process.argv.slice(2))
  let targets = TARGETS
  if (options.only) {
    const unknown = options.only.filter((name) => !TARGETS.some(([, n]) => n === name))
    if (unknown.length > 0) fail(`unknown target(s) ${unknown.join(', ')}; known: ${TARGETS.map(([, n]) => n).join(', ')}`)
    targets = TARGETS.filter(([, name]) => options.only.includes(name))
  }
  const failed = []
  for (const [pkg, name] of targets) {
    const args = ['test', '-run=^$', `-fuzz=^${name}$`, `-fuzztime=${options.time}`,
      `-fuzzminimizetime=${options.minimize}`]
    if (options.parallel) args.push(`-parallel=${options.parallel}`)
    args.push(pkg)
    console.log(`\n== ${name} (${pkg}, ${options.time}): go ${args.join(' ')}`)
    const result = spawnSync('go', args, { cwd: root, stdio: 'inherit' })
    if (result.error) fail(`go failed to start: ${result.error.message}`)
    if (result.status !== 0) failed.push(name)
  }
  if (failed.length > 0) {
    console.error(`\nfuzz: ${failed.length} target(s) failed: ${failed.join(', ')}; ` +
      'their crashers are under <package>/testdata/fuzz/<Name>/')
    process.exit(1)
  }
  console.log(`\nfuzz: ${targets.length} target(s) ran without a failure`)
}

main()
