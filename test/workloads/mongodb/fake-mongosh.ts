/**
 * A stub of the mongosh API that init-replica-set.js uses (Mongo, getDB, runCommand, auth, users, print, sleep,
 * quit), over a simulated replica set: members up or down, one shared configuration, a primary where a majority of
 * the configured members is up, root's password and the users. The script runs unchanged in a vm context, as the
 * Kafka tests run their start script with stub binaries.
 */
import * as vm from 'vm';

export interface Member {
  up: boolean;
  /** Set by the script's stepDown: this member is not elected until another is. */
  steppedDown?: boolean;
}

export interface ReplicaSetConfig {
  _id: string;
  version: number;
  members: { _id: number; host: string }[];
}

export class FakeReplicaSet {
  public readonly members = new Map<string, Member>();
  public config?: ReplicaSetConfig;
  public rootPassword: string;
  public readonly users = new Map<string, { pwd: string; roles: unknown }>();
  /** Every state-changing command, in order. */
  public readonly commands: string[] = [];
  /** Called on every sleep, with the seconds slept so far: lets members come up late. */
  public onSleep?: (elapsedSeconds: number) => void;

  public constructor(hosts: readonly string[], rootPassword: string) {
    for (const h of hosts) this.members.set(h, { up: true });
    this.rootPassword = rootPassword;
  }

  public get primary(): string | undefined {
    if (!this.config) return undefined;
    const configured = this.config.members.map((m) => m.host);
    const up = configured.filter((h) => this.members.get(h)?.up);
    if (up.length < Math.floor(configured.length / 2) + 1) return undefined;
    return up.find((h) => !this.members.get(h)!.steppedDown) ?? up[0];
  }

  public hello(host: string): Record<string, unknown> {
    const inSet = this.config?.members.some((m) => m.host === host);
    if (!this.config || !inSet) return { ok: 1, isWritablePrimary: false, secondary: false };
    const primary = this.primary;
    return { ok: 1, setName: this.config._id, hosts: this.config.members.map((m) => m.host), isWritablePrimary: primary === host, secondary: primary !== host, primary };
  }
}

class Quit extends Error {
  public constructor(public readonly code: number) {
    super(`quit(${code})`);
  }
}

export interface RunResult {
  readonly code: number;
  readonly output: string[];
  readonly error?: string;
}

/** Runs the script against the fake set with the given environment; time only passes in sleep. */
export function runInitScript(script: string, set: FakeReplicaSet, env: Record<string, string>): RunResult {
  const output: string[] = [];
  let now = 1_000_000;
  const started = now;
  const hostOf = (uri: string) => /^mongodb:\/\/([^/]+)\//.exec(uri)![1];

  class FakeDb {
    public constructor(private readonly conn: FakeMongo, private readonly name: string) {}
    public runCommand(cmd: Record<string, any>): any {
      const host = this.conn.host;
      if (!set.members.get(host)?.up) throw new Error(`connection to ${host} lost`);
      const name = Object.keys(cmd)[0];
      if (name === 'hello') return set.hello(host);
      if (!this.conn.authenticated) throw new Error(`command ${name} requires authentication`);
      if (name === 'replSetInitiate') {
        if (set.config) throw new Error('already initialized');
        set.config = { ...cmd.replSetInitiate, version: 1 };
        set.commands.push(`initiate ${host}`);
        return { ok: 1 };
      }
      if (name === 'replSetGetConfig') return { ok: 1, config: JSON.parse(JSON.stringify(set.config)) };
      if (name === 'replSetGetStatus') return { ok: 1, members: set.config!.members.map((m) => ({ name: m.host, state: set.primary === m.host ? 1 : set.members.get(m.host)?.up ? 2 : 8 })) };
      if (name === 'replSetReconfig') {
        if (set.primary !== host) throw new Error(`replSetReconfig on ${host}, which is not primary`);
        if (cmd.replSetReconfig.version !== set.config!.version + 1) throw new Error('version must grow by one');
        const before = set.config!.members.map((m) => m.host);
        const after = cmd.replSetReconfig.members.map((m: any) => m.host);
        const changed = [...before.filter((h) => !after.includes(h)), ...after.filter((h: string) => !before.includes(h))];
        if (changed.length !== 1) throw new Error('one member at a time');
        if (!after.includes(host)) throw new Error('InvalidReplicaSetConfig: the new configuration does not include this node');
        set.config = JSON.parse(JSON.stringify(cmd.replSetReconfig));
        set.commands.push(`${after.includes(changed[0]) ? 'add' : 'remove'} ${changed[0]}`);
        return { ok: 1 };
      }
      if (name === 'replSetStepDown') {
        set.members.get(host)!.steppedDown = true;
        set.commands.push(`stepDown ${host}`);
        throw new Error('connection closed by step-down');
      }
      throw new Error(`unexpected command ${name}`);
    }
    public auth(user: string, pwd: string): void {
      if (user !== 'root' || pwd !== set.rootPassword) throw new Error('Authentication failed.');
      this.conn.authenticated = true;
    }
    public changeUserPassword(user: string, pwd: string): void {
      if (!this.conn.authenticated || user !== 'root') throw new Error('not authorized');
      set.rootPassword = pwd;
      set.commands.push('rotate root');
    }
    public getSiblingDB(name: string): FakeDb {
      return new FakeDb(this.conn, name);
    }
    public getUser(user: string): unknown {
      return set.users.get(`${this.name}.${user}`) ?? null;
    }
    public createUser(u: { user: string; pwd: string; roles: unknown }): void {
      set.users.set(`${this.name}.${u.user}`, { pwd: u.pwd, roles: u.roles });
      set.commands.push(`createUser ${this.name}.${u.user}`);
    }
    public updateUser(user: string, u: { pwd: string; roles: unknown }): void {
      set.users.set(`${this.name}.${user}`, { pwd: u.pwd, roles: u.roles });
      set.commands.push(`updateUser ${this.name}.${user}`);
    }
  }

  class FakeMongo {
    public readonly host: string;
    public authenticated = false;
    public closed = false;
    public constructor(uri: string) {
      this.host = hostOf(uri);
      if (!set.members.get(this.host)?.up) throw new Error(`MongoServerSelectionError: ${this.host} unreachable`);
    }
    public getDB(name: string): FakeDb {
      return new FakeDb(this, name);
    }
    public close(): void {
      this.closed = true;
    }
  }

  const FakeDate = class extends Date {
    public static now(): number {
      return now;
    }
  };
  const context = vm.createContext({
    process: { env },
    Mongo: FakeMongo,
    Date: FakeDate,
    JSON,
    Math,
    Set,
    Map,
    Number,
    print: (s: string) => output.push(s),
    tojson: (o: unknown) => JSON.stringify(o),
    sleep: (ms: number) => {
      now += ms;
      set.onSleep?.((now - started) / 1000);
    },
    quit: (code: number) => {
      throw new Quit(code ?? 0);
    },
  });
  try {
    vm.runInContext(script, context);
    return { code: 0, output };
  } catch (err) {
    if (err instanceof Quit) return { code: err.code, output };
    return { code: 1, output, error: String((err as Error).message) };
  }
}
