// Idempotent replica-set set-up, run by mongosh --nodb from the init Job.
// Safe to run any number of times: it initiates only a set that no member
// knows yet, adds only missing members, and creates or updates users so that
// passwords always match the Secret (no auth breakage after a rotation).
const members = process.env.MONGODB_MEMBERS.split(',');
const setName = process.env.MONGODB_REPLICA_SET;
const rootPassword = process.env.MONGODB_ROOT_PASSWORD;
const users = JSON.parse(process.env.MONGODB_USERS);
const deadline = Date.now() + Number(process.env.MONGODB_WAIT_SECONDS || '600') * 1000;

function log(message) { print(`[init-replica-set] ${message}`); }

function hello(host) {
  try {
    const conn = new Mongo(`mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=3000&connectTimeoutMS=3000`);
    return { conn, hello: conn.getDB('admin').runCommand({ hello: 1 }) };
  } catch (e) {
    return undefined;
  }
}

function adminOn(conn) {
  const admin = conn.getDB('admin');
  admin.auth('root', rootPassword);
  return admin;
}

function waitFor(what, check) {
  for (;;) {
    const result = check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    log(`waiting for ${what}`);
    sleep(3000);
  }
}

// 1. Every member must answer before anything is decided.
const answers = waitFor('all members to answer', () => {
  const all = members.map((h) => ({ host: h, ...hello(h) }));
  return all.every((a) => a.hello) ? all : undefined;
});

// 2. A member that already knows the set means it exists: never initiate a second one.
const known = answers.find((a) => a.hello.setName === setName);
if (!known) {
  log(`no member knows replica set ${setName}; initiating it on ${members[0]}`);
  const admin = adminOn(answers[0].conn);
  admin.runCommand({ replSetInitiate: { _id: setName, members: [{ _id: 0, host: members[0] }] } });
} else {
  log(`replica set ${setName} exists (seen by ${known.host})`);
}

// 3. Find the primary and add missing members one at a time.
const primaryHost = waitFor('a primary', () => {
  for (const h of members) {
    const a = hello(h);
    if (a && a.hello.isWritablePrimary) return h;
    if (a && a.hello.primary) return a.hello.primary;
  }
  return undefined;
});
log(`primary is ${primaryHost}`);
const admin = adminOn(new Mongo(`mongodb://${primaryHost}/?directConnection=true`));
const config = admin.runCommand({ replSetGetConfig: 1 }).config;
const present = new Set(config.members.map((m) => m.host));
let nextId = Math.max(...config.members.map((m) => m._id)) + 1;
for (const host of members) {
  if (present.has(host)) continue;
  log(`adding member ${host}`);
  const current = admin.runCommand({ replSetGetConfig: 1 }).config;
  current.members.push({ _id: nextId++, host });
  current.version += 1;
  const result = admin.runCommand({ replSetReconfig: current });
  if (!result.ok) throw new Error(`could not add ${host}: ${tojson(result)}`);
  waitFor(`${host} to join`, () => admin.runCommand({ replSetGetStatus: 1 }).members.some((m) => m.name === host && [1, 2].includes(m.state)));
}

// 4. Application users: created once, passwords kept equal to the Secret.
for (const u of users) {
  const db = admin.getSiblingDB(u.database);
  const pwd = process.env[u.passwordVariable];
  const roles = [{ role: 'readWrite', db: u.database }];
  if (db.getUser(u.username)) {
    db.updateUser(u.username, { pwd, roles });
    log(`updated user ${u.username} on ${u.database}`);
  } else {
    db.createUser({ user: u.username, pwd, roles });
    log(`created user ${u.username} on ${u.database}`);
  }
}
log('done');
