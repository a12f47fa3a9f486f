// Parity's local IPFS node for tests: a Helia node over a filesystem blockstore, served on 127.0.0.1 only.
//   node server.mjs --port P --dir D
// GET/HEAD /ipfs/<cid>[/path]  trustless gateway (verified-fetch): ?format=raw|car or the Accept header.
// POST /api/v0/<command>      a Kubo-RPC-shaped subset: add, cat, block/get|put|stat, dag/export|import, pin/add, version.
// No libp2p, no routers: the node only ever knows what was added to it, so tests compare against real, local data.
import './polyfill.mjs' // first: later imports need Promise.withResolvers on Node 20
import { mkdir } from 'node:fs/promises'
import http from 'node:http'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { car } from '@helia/car'
import { unixfs } from '@helia/unixfs'
import { createVerifiedFetchWithHelia } from '@helia/verified-fetch'
import { CarBlockIterator } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { FsBlockstore } from 'blockstore-fs'
import busboy from 'busboy'
import { FsDatastore } from 'datastore-fs'
import { createHeliaLight } from 'helia'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha512 } from 'multiformats/hashes/sha2'

const { values: args } = parseArgs({ options: { port: { type: 'string' }, dir: { type: 'string' } } })
const port = Number(args.port)
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a TCP port (1-65535), got "${args.port}"`)
if (!args.dir) fail('--dir must name the directory that holds the blocks and pins')

// Kubo's limits, so a request this node accepts is one Kubo would accept too.
const MAX_CHUNK = 1024 * 1024 // go-ipfs-chunker refuses chunks above 1 MiB
const MAX_BLOCK = 2 * 1024 * 1024 // the bitswap block limit; Kubo's block put refuses bigger blocks
const CODECS = { raw: 0x55, 'dag-pb': 0x70, 'dag-cbor': 0x71, 'dag-json': 0x0129 }
const HASHES = { 'sha2-256': 0x12, 'sha2-512': 0x13 }
const VERSION = '0.1.0-parity-helia-7.1.15'

// Without any block broker Helia (and verified-fetch) refuse to start; a broker that always fails makes a CID this
// node lacks an immediate error instead of a wait on a network that is not there.
const offline = () => {
  const broker = {
    name: 'offline',
    async retrieve (cid) { throw Object.assign(new Error(`block ${cid} is not in this node (offline)`), { name: 'NotFoundError' }) },
    createSession: () => ({ ...broker, async addPeer () {} })
  }
  return broker
}

await mkdir(args.dir, { recursive: true })
const blockstore = new FsBlockstore(join(args.dir, 'blocks'))
const datastore = new FsDatastore(join(args.dir, 'datastore'))
await blockstore.open()
await datastore.open()
// createHeliaLight knows dag-pb, raw and sha2-256 only; block put and dag import accept the codecs Kubo has too.
const helia = createHeliaLight({ blockstore, datastore, blockBrokers: [offline], routers: [], codecs: [dagCbor, dagJson], hashers: [sha512] })
await helia.start()
const fs = unixfs(helia)
const cars = car(helia)
const gateway = await createVerifiedFetchWithHelia(helia)

// only-hash: run the same importer over a store that keeps nothing.
const hashOnly = unixfs({ blockstore: { put: async (cid) => cid, has: async () => false } })

class ClientError extends Error {} // Kubo answers bad arguments with 400 and Code 1, everything else with 500 and Code 0

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (res.headersSent) { res.destroy(err); return } // mid-stream: cutting the connection is the only honest signal
    const client = err instanceof ClientError
    sendJson(res, client ? 400 : 500, { Message: err.message ?? String(err), Code: client ? 1 : 0, Type: 'error' })
  })
})
server.listen(port, '127.0.0.1', () => console.log(`ipfs node: listening on 127.0.0.1:${port}, data in ${args.dir}`))
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => {
    server.close()
    await helia.stop().catch(() => {})
    process.exit(0)
  })
}

async function handle (req, res) {
  const url = new URL(req.url, 'http://127.0.0.1')
  if (url.pathname.startsWith('/ipfs/')) return serveGateway(req, res, url)
  if (!url.pathname.startsWith('/api/v0/')) return sendJson(res, 404, { Message: `no such path ${url.pathname}`, Code: 0, Type: 'error' })
  // Kubo's RPC answers POST only (a browser GET must not trigger it).
  if (req.method !== 'POST') return sendJson(res, 405, { Message: `${req.method} is not allowed on the RPC API: use POST`, Code: 0, Type: 'error' })
  const command = commands[url.pathname.slice('/api/v0/'.length)]
  if (!command) return sendJson(res, 404, { Message: `unknown command ${url.pathname}`, Code: 0, Type: 'error' })
  await command(req, res, url.searchParams)
}

async function serveGateway (req, res, url) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { Message: 'the gateway answers GET and HEAD', Code: 0, Type: 'error' })
  // The trustless-gateway spec lets ?format win over Accept; verified-fetch reads only Accept, so map one onto the other.
  const formats = { raw: 'application/vnd.ipld.raw', car: 'application/vnd.ipld.car' }
  const format = url.searchParams.get('format')
  if (format != null && !formats[format]) return sendJson(res, 400, { Message: `format must be raw or car, got "${format}"`, Code: 1, Type: 'error' })
  // verified-fetch answers HEAD and CAR requests with 200 before it reads a block, so a missing root would look
  // present (HEAD) or turn into a cut-off CAR; check the root here and say 502 at once.
  const rootText = url.pathname.slice('/ipfs/'.length).split('/')[0]
  let root
  try { root = CID.parse(rootText) } catch (err) { return sendJson(res, 400, { Message: `invalid CID "${rootText}": ${err.message}`, Code: 1, Type: 'error' }) }
  if (!(await helia.blockstore.has(root))) return sendJson(res, 502, { Message: `block ${root} is not in this node (offline)`, Code: 0, Type: 'error' })
  const headers = {}
  const accept = format ? formats[format] : req.headers.accept
  if (accept) headers.accept = accept
  if (req.headers.range) headers.range = req.headers.range
  const abort = new AbortController()
  res.on('close', () => abort.abort())
  const answer = await gateway(`ipfs://${url.pathname.slice('/ipfs/'.length)}`, { method: req.method, headers, signal: abort.signal })
  // verified-fetch says 504 (timeout) when the offline broker fails, but nothing timed out: the block is not here.
  res.writeHead(answer.status === 504 ? 502 : answer.status, Object.fromEntries(answer.headers))
  if (req.method === 'HEAD' || answer.body == null) return res.end()
  Readable.fromWeb(answer.body).on('error', (err) => res.destroy(err)).pipe(res)
}

const commands = {
  async add (req, res, q) {
    const cidVersion = intParam(q, 'cid-version', 0, 0, 1)
    const rawLeaves = boolParam(q, 'raw-leaves', cidVersion === 1) // as in Kubo: CIDv1 implies raw leaves unless told
    const chunkSize = chunkerParam(q)
    const maxLinks = intParam(q, 'max-file-links', 174, 2, 65536)
    const onlyHash = boolParam(q, 'only-hash', false)
    const pin = boolParam(q, 'pin', true)
    // Options that would change the CID and that this node does not implement are refused, never ignored.
    refuse(q, 'trickle', 'true', 'the trickle layout is not supported (balanced only)')
    refuse(q, 'wrap-with-directory', 'true', 'wrap-with-directory is not supported (one file per add)')
    refuse(q, 'inline', 'true', 'inline CIDs are not supported')
    if (q.has('hash') && q.get('hash') !== 'sha2-256') throw new ClientError(`hash must be sha2-256, got "${q.get('hash')}"`)
    const options = {
      cidVersion,
      rawLeaves,
      chunker: fixedSize({ chunkSize }),
      layout: balanced({ maxChildrenPerNode: maxLinks }),
      reduceSingleLeafToSelf: true
    }
    const result = await withUpload(req, async (stream, filename) => {
      let last
      for await (const entry of (onlyHash ? hashOnly : fs).addAll([{ content: stream }], options)) last = entry
      return { ...last, filename }
    })
    if (pin && !onlyHash) await pinRecursively(result.cid)
    const hash = result.cid.toString()
    sendJson(res, 200, { Name: result.filename || hash, Hash: hash, Size: String(result.size) })
  },

  async cat (req, res, q) {
    const cid = cidArg(q)
    const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
    const length = q.has('length') ? intParam(q, 'length', 0, 0, Number.MAX_SAFE_INTEGER) : undefined
    await streamOut(res, 'text/plain', fs.cat(cid, { offset, length }))
  },

  async 'block/get' (req, res, q) {
    const cid = cidArg(q)
    const bytes = await localBlock(cid)
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': bytes.length })
    res.end(bytes)
  },

  async 'block/stat' (req, res, q) {
    const cid = cidArg(q)
    const bytes = await localBlock(cid)
    sendJson(res, 200, { Key: cid.toString(), Size: bytes.length })
  },

  async 'block/put' (req, res, q) {
    const codecName = q.get('cid-codec') ?? 'raw'
    const hashName = q.get('mhtype') ?? 'sha2-256'
    const codec = CODECS[codecName]
    const hashCode = HASHES[hashName]
    if (codec == null) throw new ClientError(`cid-codec must be one of ${Object.keys(CODECS).join(', ')}, got "${codecName}"`)
    if (hashCode == null) throw new ClientError(`mhtype must be one of ${Object.keys(HASHES).join(', ')}, got "${hashName}"`)
    if (q.has('mhlen') && q.get('mhlen') !== '-1') throw new ClientError('mhlen cannot be set: digests are never truncated here')
    const pin = boolParam(q, 'pin', false)
    // format=v0 is Kubo's spelling for a CIDv0 (dag-pb, sha2-256) block.
    const v0 = q.get('format') === 'v0'
    if (v0 && (codec !== CODECS['dag-pb'] || hashCode !== HASHES['sha2-256'])) throw new ClientError('format=v0 needs cid-codec=dag-pb and mhtype=sha2-256')
    const bytes = await withUpload(req, async (stream) => readLimited(stream, MAX_BLOCK))
    // A block that claims a codec must decode as one: pins and exports walk its links later.
    try { (await helia.getCodec(codec)).decode(bytes) } catch (err) { throw new ClientError(`block is not valid ${codecName}: ${err.message}`) }
    const digest = await (await helia.getHasher(hashCode)).digest(bytes)
    const cid = v0 ? CID.createV0(digest) : CID.createV1(codec, digest)
    await helia.blockstore.put(cid, bytes)
    if (pin) await pinRecursively(cid)
    sendJson(res, 200, { Key: cid.toString(), Size: bytes.length })
  },

  async 'dag/export' (req, res, q) {
    const cid = cidArg(q)
    await localBlock(cid) // fail with a JSON error before the 200 and the CAR header go out
    await streamOut(res, 'application/vnd.ipld.car', cars.export(cid))
  },

  async 'dag/import' (req, res, q) {
    const pinRoots = boolParam(q, 'pin-roots', true)
    const stats = boolParam(q, 'stats', false)
    const { roots, count, bytes } = await withUpload(req, async (stream) => {
      const reader = await CarBlockIterator.fromIterable(stream)
      let count = 0
      let bytes = 0
      for await (const block of reader) {
        // A CAR is untrusted input: every block must hash to its CID before it is stored.
        if (block.bytes.length > MAX_BLOCK) throw new ClientError(`block ${block.cid} is ${block.bytes.length} bytes, over the ${MAX_BLOCK}-byte limit`)
        const hasher = await helia.getHasher(block.cid.multihash.code)
        const digest = await hasher.digest(block.bytes)
        if (!Digest.equals(digest, block.cid.multihash)) throw new ClientError(`block ${block.cid} does not hash to its CID`)
        await helia.blockstore.put(block.cid, block.bytes)
        count++
        bytes += block.bytes.length
      }
      return { roots: await reader.getRoots(), count, bytes }
    })
    const lines = []
    for (const root of roots) {
      let PinErrorMsg = ''
      if (pinRoots) { try { await pinRecursively(root) } catch (err) { PinErrorMsg = err.message } }
      lines.push({ Root: { Cid: { '/': root.toString() }, PinErrorMsg } })
    }
    if (stats) lines.push({ Stats: { BlockCount: count, BlockBytesCount: bytes } })
    res.writeHead(200, { 'content-type': 'application/json', 'x-chunked-output': '1' })
    res.end(lines.map((line) => JSON.stringify(line) + '\n').join(''))
  },

  async 'pin/add' (req, res, q) {
    const cid = cidArg(q)
    await pinRecursively(cid)
    sendJson(res, 200, { Pins: [cid.toString()] })
  },

  async version (req, res) {
    sendJson(res, 200, { Version: VERSION, Commit: '', Repo: '', System: `${process.arch}/${process.platform}`, Golang: '', Node: process.version })
  }
}

async function pinRecursively (cid) {
  if (await helia.pins.isPinned(cid)) return // Kubo treats pinning a pinned CID as success
  for await (const _ of helia.pins.add(cid)) { /* walks and checks every block of the DAG */ }
}

// Local blocks only: the offline broker would fail anyway, but "not found locally" is Kubo's wording for it.
async function localBlock (cid) {
  if (!(await helia.blockstore.has(cid))) throw new Error(`block was not found locally (offline): ${cid}`)
  // interface-blockstore 7 may hand a block back as an async iterable of chunks
  const block = await helia.blockstore.get(cid)
  if (block instanceof Uint8Array) return block
  const parts = []
  for await (const part of block) parts.push(part)
  return Buffer.concat(parts)
}

// The first chunk is awaited before the 200 goes out, so a missing root is a JSON error, not an empty body.
async function streamOut (res, contentType, source) {
  const it = source[Symbol.asyncIterator]()
  const first = await it.next()
  res.writeHead(200, { 'content-type': contentType })
  async function * rest () { if (!first.done) { yield first.value; for (let n = await it.next(); !n.done; n = await it.next()) yield n.value } }
  Readable.from(rest()).on('error', (err) => res.destroy(err)).pipe(res)
}

// Exactly one file part; every part counts as a file so clients need not send a filename. The part is handed over
// as a stream (busboy applies backpressure), so an add of a large file never sits in memory whole.
function withUpload (req, onFile) {
  return new Promise((resolve, reject) => {
    let bb
    try {
      bb = busboy({ headers: req.headers, isPartAFile: () => true, limits: { files: 1, fields: 0 } })
    } catch {
      reject(new ClientError('the body must be multipart/form-data with one file part'))
      return
    }
    let seen = false
    bb.on('file', (name, stream, info) => {
      seen = true
      onFile(stream, info.filename).then(resolve, (err) => { stream.resume(); reject(err) })
    })
    bb.on('filesLimit', () => reject(new ClientError('only one file part is accepted per request')))
    bb.on('error', (err) => reject(new ClientError(`bad multipart body: ${err.message}`)))
    bb.on('close', () => { if (!seen) reject(new ClientError('the multipart body has no file part')) })
    req.pipe(bb)
  })
}

async function readLimited (stream, limit) {
  const parts = []
  let size = 0
  for await (const part of stream) {
    size += part.length
    if (size > limit) throw new ClientError(`block is over the ${limit}-byte limit`)
    parts.push(part)
  }
  return Buffer.concat(parts)
}

function cidArg (q) {
  const arg = q.get('arg')
  if (!arg) throw new ClientError('argument "arg" (a CID) is required')
  const text = arg.replace(/^\/ipfs\//, '')
  if (text.includes('/')) throw new ClientError(`paths are not supported, give a bare CID: "${arg}"`)
  try { return CID.parse(text) } catch (err) { throw new Error(`invalid CID "${arg}": ${err.message}`) }
}

function boolParam (q, name, fallback) {
  if (!q.has(name)) return fallback
  const v = q.get(name)
  if (v === '' || v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw new ClientError(`option "${name}" must be true or false, got "${v}"`)
}

function intParam (q, name, fallback, min, max) {
  if (!q.has(name)) return fallback
  const v = q.get(name)
  const n = /^\d+$/.test(v) ? Number(v) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ClientError(`option "${name}" must be an integer from ${min} to ${max}, got "${v}"`)
  return n
}

function chunkerParam (q) {
  const v = q.get('chunker') ?? 'size-262144'
  const m = /^size-(\d+)$/.exec(v)
  const n = m ? Number(m[1]) : NaN
  if (!(n >= 1 && n <= MAX_CHUNK)) throw new ClientError(`chunker must be size-N with 1 <= N <= ${MAX_CHUNK}, got "${v}"`)
  return n
}

function refuse (q, name, value, why) {
  if (q.has(name) && (q.get(name) === value || (value === 'true' && q.get(name) === ''))) throw new ClientError(`option "${name}": ${why}`)
}

function sendJson (res, status, body) {
  const text = JSON.stringify(body) + '\n'
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function fail (message) {
  console.error(`server.mjs: ${message}`)
  process.exit(2)
}
