#!/usr/bin/env bash
# npm run e2e [-- --context <kubectl-context>]: applies the local environment to a real cluster and checks each
# workload for real. Without --context it needs Docker and kind, creates a cluster and deletes it afterwards.
# Where neither is available it says so and exits 2: a skip, never a success.
set -euo pipefail
context="" cluster="shipshape-e2e" created=""
while [ $# -gt 0 ]; do
  case "$1" in
    --context) context="$2"; shift 2 ;;
    *) echo "e2e: unknown option $1; use --context <kubectl-context>" >&2; exit 64 ;;
  esac
done

if [ -n "$context" ]; then
  kubectl --context "$context" cluster-info >/dev/null 2>&1 || { echo "e2e SKIPPED: context '$context' does not answer (kubectl cluster-info failed)"; exit 2; }
elif command -v kind >/dev/null && docker info >/dev/null 2>&1; then
  kind create cluster --name "$cluster" --wait 120s
  context="kind-$cluster" created=1
else
  echo "e2e SKIPPED: no cluster. Install Docker (a running engine) and kind (https://kind.sigs.k8s.io), or pass --context <name> of a reachable cluster."
  echo "Nothing was tested; this is not a success."
  exit 2
fi
cleanup() { if [ -n "$created" ]; then kind delete cluster --name "$cluster"; fi; }
trap cleanup EXIT
k() { kubectl --context "$context" "$@"; }

out=$(mktemp -d)
node --require tsx/cjs main.ts --env local --outdir "$out" --quiet
# The documented way: namespaces first, then each app as its own ApplySet, pruning what left it.
export KUBECTL_APPLYSET=true
k apply -f "$out" -l pod-security.kubernetes.io/enforce
parents() { node -e '
  const { parseAllDocuments } = require("yaml"); const fs = require("fs");
  for (const f of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".yaml")))
    for (const d of parseAllDocuments(fs.readFileSync(process.argv[1] + "/" + f, "utf8")).map((d) => d.toJS()))
      if (d?.metadata?.labels?.["applyset.kubernetes.io/id"]) console.log(d.metadata.namespace, d.metadata.name, f);' "$1"; }
apply_all() { parents "$1" | while read -r ns parent file; do k apply -n "$ns" --prune --applyset="configmaps/$parent" -f "$1/$file"; done; }
apply_all "$out"

echo "--- waiting for rollouts"
k -n rocketchat rollout status statefulset/rocketchat-mongodb --timeout=10m
# The init Job's first run may end early while members come up; the reconcile CronJob continues. Wait for the result.
for i in $(seq 1 60); do
  if k -n rocketchat exec rocketchat-mongodb-0 -c mongod -- mongosh --quiet --norc --eval 'quit(db.hello().isWritablePrimary || db.hello().primary ? 0 : 1)' >/dev/null 2>&1; then break; fi
  [ "$i" = 60 ] && { echo "e2e FAILED: the replica set has no primary after 10 minutes"; exit 1; }
  sleep 10
done
k -n rocketchat rollout status deployment/rocketchat --timeout=15m
k -n memcached rollout status statefulset/memcached --timeout=5m
k -n kafka rollout status statefulset/kafka --timeout=10m
k -n kafka wait --for=condition=complete job -l app.kubernetes.io/component=topic --timeout=10m
k -n kafka wait --for=condition=complete job -l app.kubernetes.io/component=user --timeout=10m
k -n orders rollout status deployment/orders-api --timeout=10m
k -n orders rollout status deployment/orders-audit --timeout=10m
k -n logging rollout status daemonset/fluent-bit --timeout=5m

echo "--- Rocket.Chat: the admin logs in through the REST API, sends a message, and every pod reads it back"
# The password goes through stdin, never argv. A workspace under the air-gapped restriction fails here
# (chat.postMessage answers 'restricted-workspace'), which /health alone would never show.
admin_pass=$(k -n rocketchat get secret rocketchat-admin -o jsonpath='{.data.admin-password}' | base64 -d)
rc_node() { local pod="$1"; shift; printf '%s' "$admin_pass" | k -n rocketchat exec -i "$pod" -c rocketchat -- node -e "
  let pw = ''; process.stdin.on('data', (d) => (pw += d)).on('end', async () => {
    const base = 'http://localhost:3000/api/v1';
    const json = (r) => r.json();
    const login = await fetch(base + '/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: pw }) }).then(json);
    if (login.status !== 'success') { console.error('login failed: ' + login.error); process.exit(1); }
    const auth = { 'X-Auth-Token': login.data.authToken, 'X-User-Id': login.data.userId, 'content-type': 'application/json' };
    const fail = (what, r) => { console.error(what + ' failed: ' + JSON.stringify(r)); process.exit(1); };
    $*
  });"; }
pods=$(k -n rocketchat get pods -l app.kubernetes.io/instance=rocketchat -o jsonpath='{.items[*].metadata.name}')
first=${pods%% *}
text="e2e $(date +%s)"
msg_id=$(rc_node "$first" "const sent = await fetch(base + '/chat.postMessage', { method: 'POST', headers: auth, body: JSON.stringify({ channel: '#general', text: '$text' }) }).then(json);
    if (!sent.success) fail('chat.postMessage', sent);
    console.log(sent.message._id);")
for pod in $pods; do
  rc_node "$pod" "const got = await fetch(base + '/chat.getMessage?msgId=$msg_id', { headers: auth }).then(json);
    if (!got.success || got.message.msg !== '$text') fail('chat.getMessage on $pod', got);"
  echo "read '$text' through $pod"
done

echo "--- the MongoDB replica set has a primary"
k -n rocketchat exec rocketchat-mongodb-0 -- bash -c 'mongosh --quiet --norc -u root -p "$MONGO_INITDB_ROOT_PASSWORD" --authenticationDatabase admin --eval "quit(db.hello().isWritablePrimary || db.hello().primary ? 0 : 1)"'

echo "--- memcached stores and returns a key"
k -n memcached exec memcached-0 -c memcached -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/11211; printf "set e2e 0 60 2\r\nok\r\nget e2e\r\nquit\r\n" >&3; grep -q "^ok" <&3'

echo "--- Kafka: an authenticated client produces and consumes; no credentials, no access"
# The client settings are the orders-api user's, from its Secret in the orders namespace (what connectTo gives the pods);
# the topic 'orders' and the user's ACLs (Write on orders) were set by the kafka app's Jobs.
pw=$(k -n orders get secret kafka-user-orders-api -o jsonpath='{.data.password}' | base64 -d)
audit_pw=$(k -n orders get secret kafka-user-orders-audit -o jsonpath='{.data.password}' | base64 -d)
k -n kafka exec kafka-0 -- env PW="$pw" AUDIT_PW="$audit_pw" bash -c 'set -euo pipefail; export KAFKA_HEAP_OPTS=-Xmx128m; b=localhost:9092
  client() { printf "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"%s\" password=\"%s\";\n" "$1" "$2"; }
  client orders-api "$PW" > /tmp/e2e-producer.properties
  client orders-audit "$AUDIT_PW" > /tmp/e2e-consumer.properties
  echo hello-e2e | /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server $b --producer.config /tmp/e2e-producer.properties --topic orders
  # The ACLs name the group orders-audit only: another group is refused.
  if /opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server $b --consumer.config /tmp/e2e-consumer.properties --group e2e-check --topic orders --from-beginning --max-messages 1 --timeout-ms 30000 2>/dev/null | grep -q hello-e2e; then
    echo "e2e FAILED: orders-audit read with a group its ACLs do not name"; exit 1
  fi
  if echo anonymous | timeout 60 /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server $b --topic orders --request-required-acks all 2>/dev/null; then echo "e2e FAILED: an unauthenticated producer was accepted"; exit 1; fi
  rm -f /tmp/e2e-*.properties'
echo "--- the orders consumer (orders-audit) stays Ready and is not restarted by its liveness check"
sleep 120
k -n orders rollout status deployment/orders-audit --timeout=1m
restarts=$(k -n orders get pods -l app.kubernetes.io/instance=orders-audit -o jsonpath='{range .items[*]}{.status.containerStatuses[0].restartCount}{"\n"}{end}' | sort -n | tail -n 1)
if [ "${restarts:-0}" -gt 0 ]; then echo "e2e FAILED: orders-audit restarted $restarts time(s)"; k -n orders describe pods -l app.kubernetes.io/instance=orders-audit | tail -n 20; exit 1; fi
k -n orders logs deploy/orders-audit --tail=50 | grep -q hello-e2e || { echo "e2e FAILED: orders-audit did not consume the message"; exit 1; }

echo "--- the backup CronJob runs once"
k -n rocketchat create job e2e-backup --from=cronjob/rocketchat-mongodb-backup
k -n rocketchat wait --for=condition=complete job/e2e-backup --timeout=10m


echo "--- pruning removes exactly what left the code"
pruned=$(mktemp -d)
cp "$out"/*.yaml "$pruned"/
node -e '
  const { parseAllDocuments, stringify } = require("yaml"); const fs = require("fs"); const f = process.argv[1];
  const docs = parseAllDocuments(fs.readFileSync(f, "utf8")).map((d) => d.toJS());
  fs.writeFileSync(f, docs.filter((d) => !(d.kind === "NetworkPolicy" && d.metadata.name === "allow-dns")).map((d) => stringify(d)).join("---\n"));' "$pruned/memcached.yaml"
k -n memcached get networkpolicy allow-dns >/dev/null
apply_all "$pruned"
if k -n memcached get networkpolicy allow-dns >/dev/null 2>&1; then echo "e2e FAILED: the removed NetworkPolicy was not pruned"; exit 1; fi
k -n memcached rollout status statefulset/memcached --timeout=2m
k -n rocketchat get configmap rocketchat-applyset >/dev/null
apply_all "$out"

echo "e2e PASSED on context $context"
