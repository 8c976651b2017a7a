/**
 * Runs the real memcached binary with the flags a MemcachedCluster synthesises, fills it with the smallest items
 * until it evicts, holds many connections mid-request, and reports the peak resident memory (VmHWM). Used by
 * test/workloads/memcached-memory.test.ts (the SMALL preset) and `npm run bench -- memcached` (the larger ones).
 * Loopback only, a free port, bounded in item count; the caller stops the process.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';

/** The memcached binary on PATH, or undefined (then the callers skip and say why). */
export function memcachedBinary(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v memcached'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function memcachedVersion(binary: string): string {
  return spawnSync(binary, ['-V'], { encoding: 'utf8' }).stdout.trim();
}

export interface Running {
  readonly proc: ChildProcess;
  readonly port: number;
  stop(): void;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts memcached with the synthesised args, but on 127.0.0.1 and a free port (and as nobody when root). */
export async function startMemcached(binary: string, synthesisedArgs: string[]): Promise<Running> {
  const port = await freePort();
  const args = [...synthesisedArgs];
  const p = args.indexOf('-p');
  if (p < 0) throw new Error(`no -p in ${args.join(' ')}`);
  args[p + 1] = String(port);
  args.push('-l', '127.0.0.1');
  // memcached refuses to run as root without -u.
  if (process.getuid?.() === 0) args.push('-u', 'nobody');
  const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += String(d)));
  const stop = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`memcached ${args.join(' ')} exited ${proc.exitCode}: ${stderr}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return { proc, port, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  stop();
  throw new Error(`memcached ${args.join(' ')} did not listen on 127.0.0.1:${port}: ${stderr}`);
}

/** A line-reading client over one socket. */
class Client {
  private buffer = '';
  private waiting: Array<{ until: (buf: string) => number; resolve: (s: string) => void }> = [];
  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.drain();
    });
  }

  public static async connect(port: number): Promise<Client> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Client(socket);
  }

  private drain(): void {
    while (this.waiting.length > 0) {
      const end = this.waiting[0].until(this.buffer);
      if (end < 0) return;
      const w = this.waiting.shift()!;
      w.resolve(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end);
    }
  }

  /** Writes `data` and waits for the reply that ends with `terminator`. */
  public request(data: string, terminator: string): Promise<string> {
    const p = new Promise<string>((resolve) => {
      this.waiting.push({ until: (buf) => (buf.indexOf(terminator) < 0 ? -1 : buf.indexOf(terminator) + terminator.length), resolve });
    });
    this.socket.write(data, 'latin1');
    this.drain();
    return p;
  }

  public async stats(): Promise<Record<string, string>> {
    const text = await this.request('stats\r\n', 'END\r\n');
    return Object.fromEntries(text.split('\r\n').filter((l) => l.startsWith('STAT ')).map((l) => l.split(' ').slice(1, 3) as [string, string]));
  }

  public close(): void {
    this.socket.destroy();
  }
}

/** `stats settings` of a running memcached. */
export async function statsSettings(running: Running): Promise<Record<string, string>> {
  const client = await Client.connect(running.port);
  try {
    const text = await client.request('stats settings\r\n', 'END\r\n');
    return Object.fromEntries(text.split('\r\n').filter((l) => l.startsWith('STAT ')).map((l) => l.split(' ').slice(1, 3) as [string, string]));
  } finally {
    client.close();
  }
}

/** An item's size in memcached 1.6: sizeof(item) 48 + key + 1 + value + 2 (\r\n) + 8 (CAS); no client flags. */
const itemBytes = (key: string, valueBytes: number) => 48 + key.length + 1 + valueBytes + 2 + 8;

export interface FillReport {
  readonly args: string[];
  readonly sets: number;
  /** Sets memcached refused with SERVER_ERROR out of memory (it may, briefly, when its LRU tail is busy). */
  readonly refused: number;
  readonly items: number;
  readonly evictions: number;
  readonly limitMaxBytes: number;
  readonly hashPowerLevel: number;
  readonly hashBytes: number;
  readonly hashExpanding: boolean;
  /** Slab classes holding at least one page at the end (`stats slabs` active_slabs). */
  readonly activeSlabClasses: number;
  /** memcached's own count of bytes it took for slab pages (`stats slabs` total_malloced). */
  readonly totalMallocedBytes: number;
  readonly heldConnections: number;
  readonly afterFillKiB: number;
  /** VmHWM: the peak resident set over the whole run. */
  readonly peakKiB: number;
}

function status(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(line!.split(/\s+/)[1]);
}

/**
 * Fills with 1-byte values under 8-character keys (each item takes one 96-byte chunk, the most items -m can hold,
 * so the most hash-table entries) until memcached evicts and has taken 1.25 x the items the cache can hold; then
 * stores one item sized for each slab class in `classSizes` (a class's first page is granted past -m); then opens
 * `holdConnections` connections that each stop in the middle of a command line (each holds a read buffer).
 */
export async function fillAndMeasure(running: Running, args: string[], classSizes: number[], holdConnections: number): Promise<FillReport> {
  const pid = running.proc.pid!;
  const client = await Client.connect(running.port);
  const limitMaxBytes = Number((await client.stats()).limit_maxbytes);
  const target = Math.ceil((limitMaxBytes / classSizes[0]) * 1.25);
  const batch = 20000;
  let sets = 0;
  let refused = 0;
  // Meta set with q (no reply unless an error), then a meta no-op: one round trip per batch keeps the pipe bounded.
  while (sets < target) {
    let chunk = '';
    for (let i = 0; i < batch; i++, sets++) chunk += `ms ${sets.toString(36).padStart(8, '0')} 1 q\r\nx\r\n`;
    const reply = await client.request(chunk + 'mn\r\n', 'MN\r\n');
    // A full memcached may refuse a set while the tail of its LRU is busy ("out of memory storing object").
    for (const line of reply.split('\r\n').slice(0, -2)) {
      if (line !== 'SERVER_ERROR out of memory storing object') throw new Error(`memcached answered a set with: ${line}`);
      refused++;
    }
  }
  const afterFillKiB = status(pid, 'VmRSS');
  for (const [i, size] of classSizes.entries()) {
    const key = `c${String(i).padStart(7, '0')}`;
    const value = 'v'.repeat(size - itemBytes(key, 0));
    const reply = await client.request(`ms ${key} ${value.length} T0\r\n${value}\r\n`, '\r\n');
    if (reply !== 'HD\r\n') throw new Error(`memcached refused a ${size}-byte item: ${reply}`);
  }
  const held: Client[] = [];
  try {
    for (let i = 0; i < holdConnections; i++) {
      const c = await Client.connect(running.port);
      // A multi-get line cut short: memcached keeps it in the connection's 16 KiB read buffer until the newline.
      c.request(`get ${Array.from({ length: 150 }, (_, k) => `key-${i}-${k}`).join(' ')}`, '\n').catch(() => undefined);
      held.push(c);
    }
    // Wait until memcached has accepted them all (the worker threads take them from the listener's queue).
    let s = await client.stats();
    for (let i = 0; i < 200 && Number(s.curr_connections) < holdConnections + 1; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await client.stats();
    }
    const slabs = await client.request('stats slabs\r\n', 'END\r\n');
    const slabStat = (name: string) => Number(/STAT (\S+) (\d+)/.exec(slabs.split('\r\n').find((l) => l.startsWith(`STAT ${name} `)) ?? '')?.[2]);
    const report: FillReport = {
      args,
      sets,
      refused,
      items: Number(s.curr_items),
      evictions: Number(s.evictions),
      limitMaxBytes,
      hashPowerLevel: Number(s.hash_power_level),
      hashBytes: Number(s.hash_bytes),
      hashExpanding: s.hash_is_expanding === '1',
      activeSlabClasses: slabStat('active_slabs'),
      totalMallocedBytes: slabStat('total_malloced'),
      heldConnections: Number(s.curr_connections) - 1,
      afterFillKiB,
      peakKiB: status(pid, 'VmHWM'),
    };
    return report;
  } finally {
    for (const c of held) c.close();
    client.close();
  }
}
