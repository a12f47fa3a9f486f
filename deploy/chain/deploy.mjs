// Compiles deploy/contracts with solc-js (standard JSON, offline) and deploys ParityToken and StakeWallet to a dev
// chain through its unlocked accounts (Anvil's eth_sendTransaction), then gives the dev account tokens.
// Usage: node deploy.mjs RPC_URL CONTRACTS_DIR OUT_DIR DEPLOYER DEV_ACCOUNT NAME SYMBOL DECIMALS SUPPLY DEV_AMOUNT
// SUPPLY and DEV_AMOUNT are whole tokens (scaled by 10^DECIMALS here, in BigInt).
// Prints one JSON object: { token, stakeWallet } (addresses). Writes OUT_DIR/<Contract>.abi.json.
import fs from 'node:fs';
import path from 'node:path';
import solc from 'solc';

const [rpc, contractsDir, outDir, deployer, devAccount, name, symbol, decimals, supply, devAmount] = process.argv.slice(2);
const units = tokens => BigInt(tokens) * 10n ** BigInt(decimals);
if (!devAmount) { console.error('usage: deploy.mjs RPC CONTRACTS OUT DEPLOYER DEV NAME SYMBOL DECIMALS SUPPLY DEV_AMOUNT'); process.exit(2); }

const sources = {};
for (const file of ['ParityToken.sol', 'StakeWallet.sol'])
  sources[file] = { content: fs.readFileSync(path.join(contractsDir, file), 'utf8') };
const output = JSON.parse(solc.compile(JSON.stringify({
  language: 'Solidity',
  sources,
  settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
})));
const errors = (output.errors ?? []).filter(e => e.severity === 'error');
if (errors.length) { for (const e of errors) console.error(e.formattedMessage); process.exit(1); }

let id = 0;
async function call(method, params) {
  const response = await fetch(rpc, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

// ABI encoding of the few argument kinds the constructors and transfer take (static words, then strings' tails).
const word = v => BigInt(v).toString(16).padStart(64, '0');
const address = a => a.toLowerCase().replace(/^0x/, '').padStart(64, '0');
function encode(args) {
  const head = [], tail = [];
  let offset = args.length * 32;
  for (const [kind, value] of args) {
    if (kind !== 'string') { head.push(kind === 'address' ? address(value) : word(value)); continue; }
    const bytes = Buffer.from(value, 'utf8');
    const padded = bytes.toString('hex').padEnd(Math.ceil(bytes.length / 32) * 64, '0');
    head.push(word(offset));
    tail.push(word(bytes.length) + padded);
    offset += 32 + padded.length / 2;
  }
  return head.join('') + tail.join('');
}

async function send(data, to) {
  const hash = await call('eth_sendTransaction', [{ from: deployer, to, data }]);
  // Anvil mines each transaction as it arrives (automine), but the block can land just after the hash is returned
  // on a busy machine: ask for the receipt until it is there (30 s at most).
  for (let attempt = 0; attempt < 300; attempt++) {
    const receipt = await call('eth_getTransactionReceipt', [hash]);
    if (receipt) {
      if (receipt.status !== '0x1') throw new Error(`transaction ${hash} reverted (status ${receipt.status})`);
      return receipt;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`transaction ${hash} was not mined within 30 s`);
}

fs.mkdirSync(outDir, { recursive: true });
const built = name => {
  const contract = output.contracts[`${name}.sol`][name];
  fs.writeFileSync(path.join(outDir, `${name}.abi.json`), JSON.stringify(contract.abi));
  return '0x' + contract.evm.bytecode.object;
};
const token = (await send(built('ParityToken') + encode([['string', name], ['string', symbol], ['uint', decimals], ['uint', units(supply)]]))).contractAddress;
const stakeWallet = (await send(built('StakeWallet') + encode([['address', token]]))).contractAddress;
// transfer(address,uint256)
await send('0xa9059cbb' + encode([['address', devAccount], ['uint', units(devAmount)]]), token);
console.log(JSON.stringify({ token, stakeWallet }));
