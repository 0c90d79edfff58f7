'use strict'
// rudder-group/compat's options as numbers: what the Client is given for the peer's.

const test = require('node:test')
const assert = require('node:assert/strict')
const { retrySettings, clientOptions } = require('../lib/compat-options.js')
const { settingDefault } = require('../index.js')
const Analytics = require('rudder-group/compat')

const REQUEST_TIMEOUT = settingDefault('requestTimeout')
const noWarning = () => assert.fail('no option here is warned about')

test('retryCount: the peer\'s longest retry window as the budget, its waits, 2n + 8 requests', () => {
  assert.equal(REQUEST_TIMEOUT, 30000)
  // The peer's waits at their longest: 240 ms, then doubling (axios-retry's exponentialDelay,
  // 200 ms doubling, plus up to 20%).
  assert.deepStrictEqual(retrySettings(0, REQUEST_TIMEOUT), { maxAttempts: 1, maxElapsed: 0 })
  assert.deepStrictEqual(retrySettings(1, REQUEST_TIMEOUT),
    { maxAttempts: 10, maxElapsed: 240 + 30000, initialBackoff: 240, maxBackoff: 240 })
  assert.deepStrictEqual(retrySettings(3, REQUEST_TIMEOUT),
    { maxAttempts: 14, maxElapsed: 240 + 480 + 960 + 3 * 30000, initialBackoff: 240, maxBackoff: 960 })
  assert.deepStrictEqual(retrySettings(10, REQUEST_TIMEOUT),
    { maxAttempts: 28, maxElapsed: 240 * 1023 + 10 * 30000, initialBackoff: 240, maxBackoff: 240 * 512 })
  // Durations past a day are a day, the longest a setting takes.
  assert.deepStrictEqual(retrySettings(40, REQUEST_TIMEOUT),
    { maxAttempts: 88, maxElapsed: 86_400_000, initialBackoff: 240, maxBackoff: 86_400_000 })
})

test('retryCount: the request timeout is the peer\'s timeout when given, else the Client\'s', () => {
  const url = 'http://127.0.0.1:9'
  assert.equal(clientOptions('k', { dataPlaneUrl: url, retryCount: 3 }, noWarning).retry.maxElapsed, 1680 + 3 * 30000)
  const given = clientOptions('k', { dataPlaneUrl: url, retryCount: 3, timeout: '10s' }, noWarning)
  assert.equal(given.requestTimeout, 10000)
  assert.equal(given.retry.maxElapsed, 1680 + 3 * 10000)
  // Unset, the Client's own budget (retry.maxElapsed, 120 s) ends retries.
  assert.equal(clientOptions('k', { dataPlaneUrl: url }, noWarning).retry, undefined)
  assert.equal(settingDefault('retry.maxElapsed'), 120000)
  assert.equal(settingDefault('retry.maxAttempts'), null)
})

test('retryCount: every mapping is a Client the settings table accepts; a bad count is refused by its name', () => {
  for (const retryCount of [0, 1, 3, 10, 40, 1e9]) {
    assert.ok(new Analytics('k', { dataPlaneUrl: 'http://127.0.0.1:9', retryCount, logLevel: 'none' }))
  }
  for (const retryCount of [-1, 2.5, '3', NaN, Infinity, true]) {
    assert.throws(() => new Analytics('k', { dataPlaneUrl: 'http://127.0.0.1:9', retryCount }),
      (err) => err.code === 'INVALID_CONFIG' && err.setting === 'retryCount', String(retryCount))
  }
})
