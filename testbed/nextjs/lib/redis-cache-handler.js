// A shared ISR cache handler on Redis, as self-hosted replicas configure
// one (`cacheHandler` in next.config.js): every instance reads and writes
// the same store, so a page rendered or revalidated through one instance is
// what every instance serves. Written for the testbed (the published
// handlers pull in a Redis client and a build-time seeding step); it does
// what they do where isrctl can see it:
//
// - get: the entry from Redis, or null (a miss: Next renders and calls set)
//   when it is absent, when a tag it carries was revalidated after it was
//   stored, or when the store cannot be reached within STORE_TIMEOUT_MS — so
//   with the store down every request renders anew, as in production.
// - set: the entry and its lifetime (`cacheControl`) to Redis; a failure
//   is logged and dropped.
// - revalidateTag: the time each tag was revalidated, in Redis, so every
//   instance sees it (revalidatePath reaches here as the path's implicit
//   `_N_T_/…` tag). An entry older than its tag's time is a miss, not a
//   stale hit: the next request renders (MISS), on whichever instance.
//
// Redis is spoken over RESP with one short connection per command (no npm
// client: the testbed's dependencies stay Next.js and React).
const net = require('node:net')

const STORE_TIMEOUT_MS = 500
const PREFIX = 'isr:'
const TAGS = 'isr-tags'

function storeAddress() {
  const url = new URL(process.env.TESTBED_SHARED_CACHE || 'redis://127.0.0.1:6379')
  return { host: url.hostname, port: Number(url.port || 6379) }
}

function encodeCommand(args) {
  const parts = [`*${args.length}\r\n`]
  for (const arg of args) {
    const bytes = Buffer.from(String(arg))
    parts.push(`$${bytes.length}\r\n`, bytes, '\r\n')
  }
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))))
}

// parseReply(buffer, offset) -> [value, nextOffset] or null when incomplete.
function parseReply(buf, at) {
  const end = buf.indexOf('\r\n', at)
  if (end < 0) return null
  const type = String.fromCharCode(buf[at])
  const line = buf.toString('utf8', at + 1, end)
  const next = end + 2
  if (type === '+') return [line, next]
  if (type === '-') return [new Error(line), next]
  if (type === ':') return [Number(line), next]
  if (type === '$') {
    const length = Number(line)
    if (length < 0) return [null, next]
    if (buf.length < next + length + 2) return null
    return [buf.toString('utf8', next, next + length), next + length + 2]
  }
  if (type === '*') {
    const count = Number(line)
    if (count < 0) return [null, next]
    const items = []
    let offset = next
    for (let i = 0; i < count; i++) {
      const item = parseReply(buf, offset)
      if (!item) return null
      items.push(item[0])
      offset = item[1]
    }
    return [items, offset]
  }
  return [new Error(`unexpected reply type ${type}`), next]
}

function command(...args) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(storeAddress())
    let received = Buffer.alloc(0)
    const fail = (err) => {
      socket.destroy()
      reject(err)
    }
    socket.setTimeout(STORE_TIMEOUT_MS, () => fail(new Error('store timed out')))
    socket.on('error', fail)
    socket.on('connect', () => socket.write(encodeCommand(args)))
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk])
      const reply = parseReply(received, 0)
      if (!reply) return
      socket.end()
      if (reply[0] instanceof Error) reject(reply[0])
      else resolve(reply[0])
    })
  })
}

// Entries hold Buffers (the RSC payload) and Maps (segment data): JSON
// keeps both recognisable and the reviver brings them back.
function serialize(entry) {
  return JSON.stringify(entry, (_key, value) =>
    value instanceof Map ? { $map: [...value.entries()] } : value,
  )
}

function deserialize(text) {
  return JSON.parse(text, (_key, value) => {
    if (value && value.type === 'Buffer' && Array.isArray(value.data)) return Buffer.from(value.data)
    if (value && Array.isArray(value.$map)) return new Map(value.$map)
    return value
  })
}

function tagsOf(entry) {
  const value = entry && entry.value
  const header = value && value.headers && value.headers['x-next-cache-tags']
  const own = header ? String(header).split(',') : []
  return own.concat((value && value.tags) || [])
}

module.exports = class RedisCacheHandler {
  constructor() {}

  async get(key, ctx) {
    try {
      const stored = await command('GET', PREFIX + key)
      if (stored === null) return null
      const entry = deserialize(stored)
      const tags = [...new Set(tagsOf(entry).concat((ctx && ctx.softTags) || []))]
      if (tags.length > 0) {
        const times = await command('HMGET', TAGS, ...tags)
        if (times.some((t) => t !== null && Number(t) > entry.lastModified)) return null
      }
      return entry
    } catch (err) {
      console.error(`shared cache: get ${key}: ${err.message}`)
      return null
    }
  }

  async set(key, data, ctx) {
    if (data === null) return
    // The entry's lifetime goes with it: an instance that did not render
    // the page has no other way to know it (without it Next serves the
    // entry STALE, with no Cache-Control, and renders again).
    const entry = { value: data, lastModified: Date.now(), cacheControl: ctx && ctx.cacheControl }
    try {
      await command('SET', PREFIX + key, serialize(entry))
    } catch (err) {
      console.error(`shared cache: set ${key}: ${err.message}`)
    }
  }

  async revalidateTag(tags) {
    const list = typeof tags === 'string' ? [tags] : tags
    if (list.length === 0) return
    const now = Date.now()
    try {
      await command('HSET', TAGS, ...list.flatMap((tag) => [tag, now]))
    } catch (err) {
      console.error(`shared cache: revalidateTag ${list}: ${err.message}`)
    }
  }

  resetRequestCache() {}
}
