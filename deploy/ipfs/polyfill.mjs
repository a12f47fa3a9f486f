// Node 20 lacks Promise.withResolvers (Node 22 has it) and Helia's dependencies call it at run time.
// server.mjs imports this module first so the method exists before any of them is evaluated.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
