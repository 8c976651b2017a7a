// Replica-set reconciliation, run by `mongosh --nodb` from the init Job (on every change) and the reconcile
// CronJob (every few minutes, so members that come up late, or a Job that gave up, converge without anyone).
// Safe to run any number of times. It:
//  - initiates the set only when every member answers and none knows it (never a second set);
//  - removes members that left the desired list (scale-down, retiringMembers) one at a time through the primary,
//    stepping the primary down first when it is the one leaving; it never forces a reconfig: without a primary it
//    prints the recovery steps and exits 1;
//  - adds desired members that answer, one at a time; late ones are added by a later run;
//  - keeps root's password equal to the Secret (authenticating with the previous one during a rotation) and
//    creates or updates the users with their roles.
// Exit 0 only when the set matches the desired list; 1 means "not yet", and the next run continues.
const members = process.env.MONGODB_MEMBERS.split(',');
const retiring = new Set((process.env.MONGODB_RETIRING || '').split(',').filter(Boolean));
const wanted = members.filter((h) => !retiring.has(h));
const setName = process.env.MONGODB_REPLICA_SET;
const rootPassword = process.env.MONGODB_ROOT_PASSWORD;
const previousRootPassword = process.env.MONGODB_ROOT_PASSWORD_PREVIOUS || '';
const users = JSON.parse(process.env.MONGODB_USERS);
const waitSeconds = Number(process.env.MONGODB_WAIT_SECONDS || '300');

function log(message) { print(`[init-replica-set] ${message}`); }

// One client per host for the whole run, closed at the end.
const clients = new Map();
function client(host) {
  if (!clients.has(host)) {
    try {
      clients.set(host, new Mongo(`mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=3000&connectTimeoutMS=3000`));
    } catch (e) {
      return undefined;
    }
  }
  return clients.get(host);
}
function forget(host) {
  const c = clients.get(host);
  clients.delete(host);
  try { if (c) c.close(); } catch (e) { /* already gone */ }
}
function hello(host) {
  const c = client(host);
  if (!c) return undefined;
  try {
    return c.getDB('admin').runCommand({ hello: 1 });
  } catch (e) {
    forget(host);
    return undefined;
  }
}

function waitFor(what, check) {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const result = check();
    if (result) return result;
    if (Date.now() > deadline) return undefined;
    log(`waiting for ${what}`);
    sleep(3000);
  }
}

function notYet(message) {
  log(`${message}; a later run continues`);
  for (const h of [...clients.keys()]) forget(h);
  quit(1);
}

/** Authenticates as root; during a rotation with the previous password, then sets the current one. */
function adminOn(host) {
  const admin = client(host).getDB('admin');
  try {
    admin.auth('root', rootPassword);
    return admin;
  } catch (e) {
    if (!previousRootPassword) throw e;
  }
  admin.auth('root', previousRootPassword);
  admin.changeUserPassword('root', rootPassword);
  log('root password rotated to the current one in the Secret');
  return admin;
}

function findPrimary() {
  for (const h of members) {
    const a = hello(h);
    if (a && a.isWritablePrimary) return h;
  }
  for (const h of members) {
    const a = hello(h);
    if (a && a.primary) return a.primary;
  }
  return undefined;
}

// 1. A member that knows the set means it exists; initiate only when every wanted member answers and none does.
const answers = waitFor('a member that knows the set, or all members', () => {
  const all = members.map((h) => ({ host: h, hello: hello(h) }));
  if (all.some((a) => a.hello && a.hello.setName === setName)) return all;
  return wanted.every((h) => all.find((a) => a.host === h).hello) ? all : undefined;
});
if (!answers) notYet('not every member answers and none knows the set');
const known = answers.find((a) => a.hello && a.hello.setName === setName);
if (!known) {
  log(`no member knows replica set ${setName}; initiating it on ${wanted[0]}`);
  adminOn(wanted[0]).runCommand({ replSetInitiate: { _id: setName, members: [{ _id: 0, host: wanted[0] }] } });
} else {
  log(`replica set ${setName} exists (seen by ${known.host})`);
}

// 2. The primary. Without one, say why and how to recover; never force a configuration.
let primaryHost = waitFor('a primary', findPrimary);
if (!primaryHost) {
  const seen = answers.filter((a) => a.hello && a.hello.setName === setName).flatMap((a) => a.hello.hosts || []);
  const gone = [...new Set(seen)].filter((h) => !wanted.includes(h));
  if (gone.length > 0) {
    log(`no primary: the configuration still lists ${gone.join(', ')}, which left the desired members, so the rest are no majority.`);
    log('Recover without losing writes: set members back to its previous value and apply (the pods return with their volumes and the set elects a primary);');
    log('then shrink in two steps: retiringMembers first (the members leave the configuration while their pods run), then members.');
  }
  notYet('no primary');
}
log(`primary is ${primaryHost}`);
let admin = adminOn(primaryHost);

// 3. Remove members that are not wanted, one at a time, while a primary exists.
for (;;) {
  const config = admin.runCommand({ replSetGetConfig: 1 }).config;
  const leaving = config.members.find((m) => !wanted.includes(m.host));
  if (!leaving) break;
  if (leaving.host === primaryHost) {
    log(`primary ${primaryHost} is leaving; stepping it down first`);
    try { admin.runCommand({ replSetStepDown: 60, secondaryCatchUpPeriodSecs: 30 }); } catch (e) { /* the connection drops on step-down */ }
    forget(primaryHost);
    primaryHost = waitFor('a new primary', () => { const p = findPrimary(); return p && p !== leaving.host ? p : undefined; });
    if (!primaryHost) notYet('no new primary after the step-down');
    admin = adminOn(primaryHost);
    continue;
  }
  log(`removing member ${leaving.host}`);
  config.members = config.members.filter((m) => m.host !== leaving.host);
  config.version += 1;
  admin.runCommand({ replSetReconfig: config });
}

// 4. Add wanted members that answer, one at a time; each joins by initial sync before the next.
let missing = [];
for (const host of wanted) {
  const config = admin.runCommand({ replSetGetConfig: 1 }).config;
  if (config.members.some((m) => m.host === host)) continue;
  if (!hello(host)) {
    missing.push(host);
    continue;
  }
  log(`adding member ${host}`);
  config.members.push({ _id: Math.max(...config.members.map((m) => m._id)) + 1, host });
  config.version += 1;
  admin.runCommand({ replSetReconfig: config });
  const joined = waitFor(`${host} to join`, () => admin.runCommand({ replSetGetStatus: 1 }).members.some((m) => m.name === host && [1, 2].includes(m.state)));
  if (!joined) missing.push(host);
}

// 5. Users: created once, passwords and roles kept equal to the Secret and the code.
for (const u of users) {
  const db = admin.getSiblingDB(u.database);
  const pwd = process.env[u.passwordVariable];
  if (db.getUser(u.username)) {
    db.updateUser(u.username, { pwd, roles: u.roles });
    log(`updated user ${u.username} on ${u.database}`);
  } else {
    db.createUser({ user: u.username, pwd, roles: u.roles });
    log(`created user ${u.username} on ${u.database}`);
  }
}
if (missing.length > 0) notYet(`members ${missing.join(', ')} do not answer or have not joined yet`);
for (const h of [...clients.keys()]) forget(h);
log('done');
