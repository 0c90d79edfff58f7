'use strict'
// The typings refuse a group call without groupId or without both userId and anonymousId.
// (tests/types, compiled by `make test`, holds the calls that must compile.)

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { runNode, PACKAGE } = require('./helpers.js')

const TSC = path.join(PACKAGE, 'node_modules', 'typescript', 'bin', 'tsc')
const DIR = path.join(__dirname, 'types-refused')

test('tsc refuses exactly the calls marked as refused', async () => {
  const source = fs.readFileSync(path.join(DIR, 'refused.ts'), 'utf8').split('\n')
  const marked = source.flatMap((line, i) => (line.endsWith('// refused') ? [i + 1] : []))
  assert.ok(marked.length >= 5)
  const { code, stdout } = await runNode([TSC, '-p', DIR, '--pretty', 'false'])
  assert.notEqual(code, 0)
  const reported = [...new Set([...stdout.matchAll(/refused\.ts\((\d+),\d+\): error TS\d+/g)].map((m) => Number(m[1])))]
  assert.deepStrictEqual(reported.sort((a, b) => a - b), marked, stdout)
})
