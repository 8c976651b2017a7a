/**
 * The shell scripts and files a Kafka node runs with, as plain functions so
 * that tests run them with stub Kafka binaries. Sources (apache/kafka, 4.x):
 * bin/kafka-run-class.sh (`-loggc` enables file GC logs unless KAFKA_GC_LOG_OPTS
 * is set; exec "$JAVA" ... -cp "$CLASSPATH" $KAFKA_OPTS "$@"), bin/kafka-server-start.sh
 * (KAFKA_LOG4J_OPTS defaults to config/log4j2.yaml, whose file appenders never
 * delete), core/.../tools/StorageTool.scala (`--add-scram`), docs/ops.html
 * ("Replace KRaft Controller Disk").
 */

/** Where a node's own admin client settings are written at start (an emptyDir, never the image). */
export const ADMIN_PROPERTIES = '/tmp/admin.properties';
/** `kubectl exec <pod> -- touch` this to let a controller with an empty volume format it (see README). */
export const FORMAT_APPROVAL = 'format-approved';
export const SCRAM_MECHANISM = 'SCRAM-SHA-512';
export const SCRAM_LOGIN = 'org.apache.kafka.common.security.scram.ScramLoginModule required';
/** The principal brokers replicate as, and the operator's. Both are super users. */
export const BROKER_USER = 'kafka-broker';
export const ADMIN_USER = 'admin';

/** Tools run next to the server get a small heap, no agents and their own quiet logging. */
export const TOOL_ENV = 'KAFKA_OPTS= KAFKA_JMX_OPTS= JMX_PORT= KAFKA_LOG4J_OPTS= KAFKA_HEAP_OPTS="-Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"';

/** What a node's start script needs to know about its pool. */
export interface StartScriptOptions {
  /** Added to the pod ordinal to make node.id (brokers start at 100). */
  readonly nodeIdOffset: number;
  /** `<headless>.<namespace>.svc.<domain>`. */
  readonly domain: string;
  /** The roles of the node. */
  readonly serves: { readonly broker: boolean; readonly controller: boolean };
  /** `log.dirs`, where meta.properties tells a formatted volume. */
  readonly dataDir: string;
  /** The volume's mount path, where the format approval file goes. */
  readonly volumePath: string;
  /** Every voter's `host:9093`; a controller asks the others before it formats an empty volume. */
  readonly voters: readonly string[];
  /** Refuse to start a broker whose node has no zone label. */
  readonly requireRack: boolean;
  /** Seconds a controller with an empty volume looks for a running quorum before it formats (first install). */
  readonly quorumProbeSeconds: number;
}

/** The node's start script: identity, credentials, rack, logging, the guarded format, then exec the server. */
export function startScript(o: StartScriptOptions): string {
  const advertise = o.serves.broker ? 'CLIENT://${host}:9092,INTERNAL://${host}:9094' : '';
  const controllerAdvertise = o.serves.controller ? 'CONTROLLER://${host}:9093' : '';
  const advertised = [advertise, controllerAdvertise].filter(Boolean).join(',');
  const approval = `${o.volumePath}/${FORMAT_APPROVAL}`;
  const lines = [
    'set -eu',
    '# node.id and the advertised address follow from the pod name, so they survive restarts and rescheduling.',
    `node_id=$(( \${HOSTNAME##*-} + ${o.nodeIdOffset} ))`,
    `host="\${HOSTNAME}.${o.domain}"`,
    'umask 077',
    'cp /etc/kafka/server.properties /tmp/server.properties',
    `printf 'node.id=%s\\nadvertised.listeners=%s\\n' "$node_id" "${advertised}" >> /tmp/server.properties`,
  ];
  if (o.serves.broker) {
    lines.push(
      '# The broker authenticates to the other brokers (INTERNAL) with its own SCRAM user; the password stays out of the ConfigMap.',
      `printf 'listener.name.internal.scram-sha-512.sasl.jaas.config=${SCRAM_LOGIN} username="${BROKER_USER}" password="%s";\\n' "$KAFKA_BROKER_PASSWORD" >> /tmp/server.properties`,
      '# broker.rack is the node\'s zone (downward API, PodTopologyLabelsAdmission, Kubernetes 1.35+), for rack-aware replica placement and follower fetching.',
      'if [ -n "${KAFKA_RACK:-}" ]; then printf \'broker.rack=%s\\n\' "$KAFKA_RACK" >> /tmp/server.properties',
      o.requireRack
        ? 'else echo "kafka: the pod has no topology.kubernetes.io/zone label, so broker.rack cannot be set and replicas could share a zone; the cluster must copy node zone labels to pods (Kubernetes 1.35+, PodTopologyLabelsAdmission) and label its nodes" >&2; exit 1; fi'
        : 'fi',
    );
  }
  lines.push(
    '# The admin client settings for the probes and for kubectl exec.',
    `printf 'security.protocol=SASL_PLAINTEXT\\nsasl.mechanism=${SCRAM_MECHANISM}\\nsasl.jaas.config=${SCRAM_LOGIN} username="${ADMIN_USER}" password="%s";\\n' "$KAFKA_ADMIN_PASSWORD" > ${ADMIN_PROPERTIES}`,
    '# Logs go to stdout only (log4j2.yaml from the ConfigMap); no GC log files (a non-empty value stops -loggc).',
    'export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=/etc/kafka/log4j2.yaml"',
    'export KAFKA_GC_LOG_OPTS=" "',
    `if [ ! -f ${o.dataDir}/meta.properties ]; then`,
  );
  if (o.serves.controller && o.voters.length > 1) {
    // A static quorum cannot tell a voter with a lost disk from a new one: an empty voter would vote for any candidate,
    // including one missing committed metadata (docs/ops.html). So an empty volume is formatted only when no quorum
    // answers (first install), or when an operator approved it after checking the others are caught up.
    lines.push(
      `  peers=""; for v in ${o.voters.join(' ')}; do [ "$v" = "$host:9093" ] || peers="\${peers:+$peers,}$v"; done`,
      `  if [ ! -f ${approval} ]; then`,
      `    for (( try = 0; try < ${Math.ceil(o.quorumProbeSeconds / 5)}; try++ )); do`,
      `      if status=$(env ${TOOL_ENV} timeout 20 /opt/kafka/bin/kafka-metadata-quorum.sh --bootstrap-controller "$peers" describe --status 2>&1); then`,
      `        while [ ! -f ${approval} ]; do`,
      '          echo "kafka: REFUSING TO FORMAT: node $node_id has an empty metadata volume, but the controller quorum is running:" >&2',
      '          echo "$status" >&2',
      '          echo "kafka: a controller that lost its volume must not rejoin a static quorum with an empty log (it could elect a leader that lacks committed metadata)." >&2',
      `          echo "kafka: if this is a replaced disk: check that the other controllers are caught up (kafka-metadata-quorum.sh --bootstrap-controller $peers describe --replication), then run: kubectl exec $HOSTNAME -- touch ${approval}" >&2`,
      '          sleep 30',
      '        done',
      '        break',
      '      fi',
      '      echo "kafka: empty metadata volume; no quorum answers yet (first install?), asking again" >&2',
      '      printf \'%s\\n\' "$status" | tail -n 1 >&2',
      '      sleep 5',
      '    done',
      '  fi',
    );
  }
  const scram = o.serves.controller
    ? ` --add-scram "${SCRAM_MECHANISM}=[name=${BROKER_USER},password=$KAFKA_BROKER_PASSWORD]" --add-scram "${SCRAM_MECHANISM}=[name=${ADMIN_USER},password=$KAFKA_ADMIN_PASSWORD]"`
    : '';
  lines.push(
    '  echo "kafka: formatting the empty volume of node $node_id" >&2',
    // --add-scram seeds the first users; the controllers apply it only to an empty metadata log (StorageTool, Formatter).
    `  /opt/kafka/bin/kafka-storage.sh format --config /tmp/server.properties --cluster-id "$KAFKA_CLUSTER_ID"${scram}`,
    `  rm -f ${approval}`,
    'fi',
    'exec /opt/kafka/bin/kafka-server-start.sh /tmp/server.properties',
  );
  return lines.join('\n');
}

/**
 * Broker readiness: Ready only when this broker is in the ISR of every partition it replicates, so that a rolling
 * restart or a drain (PDB maxUnavailable 1) never stops a second replica of a partition that is still catching up:
 * Strimzi's KafkaAvailability check, per pod. TopicCommand prints `Replicas: a,b,c	Isr: a,b` per partition.
 */
export function brokerReadyScript(nodeIdOffset: number): string {
  return [
    'set -u -o pipefail',
    `node_id=$(( \${HOSTNAME##*-} + ${nodeIdOffset} ))`,
    `out=$(env ${TOOL_ENV} timeout 25 /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 --command-config ${ADMIN_PROPERTIES} --describe --under-replicated-partitions 2>&1) || { echo "not ready: kafka-topics failed: $out"; exit 1; }`,
    'behind=$(printf \'%s\\n\' "$out" | awk -v id="$node_id" \'{ r = ""; i = ""; for (f = 1; f < NF; f++) { if ($f == "Replicas:") r = $(f + 1); if ($f == "Isr:") i = $(f + 1) } } r != "" && index("," r ",", "," id ",") && !index("," i ",", "," id ",") { n++ } END { print n + 0 }\')',
    'if [ "$behind" -gt 0 ]; then echo "not ready: node $node_id is not yet in the ISR of $behind partition(s) it replicates"; exit 1; fi',
  ].join('\n');
}

/**
 * Controller readiness: Ready once this voter's metadata log is within `maxLag` records of the leader
 * (`kafka-metadata-quorum.sh describe --replication`: NodeId, DirectoryId, LogEndOffset, Lag, ... per voter).
 */
export function controllerReadyScript(maxLag: number): string {
  return [
    'set -u -o pipefail',
    'node_id=${HOSTNAME##*-}',
    `out=$(env ${TOOL_ENV} timeout 25 /opt/kafka/bin/kafka-metadata-quorum.sh --bootstrap-controller localhost:9093 describe --replication 2>&1) || { echo "not ready: no quorum answers: $out"; exit 1; }`,
    'lag=$(printf \'%s\\n\' "$out" | awk -v id="$node_id" \'NR == 1 { for (f = 1; f <= NF; f++) if ($f == "Lag") c = f; next } $1 == id && c { print $c; exit }\')',
    'if [ -z "$lag" ]; then echo "not ready: node $node_id is not in the quorum yet"; exit 1; fi',
    `if [ "$lag" -gt ${maxLag} ]; then echo "not ready: node $node_id is $lag records behind the metadata leader"; exit 1; fi`,
  ].join('\n');
}

/**
 * Every logger to stdout, none to files: the distribution's config/log4j2.yaml sends the controller, state-change,
 * request and authorizer loggers only to rolling files (additivity false) that are never deleted.
 */
export const LOG4J2_YAML = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      target: SYSTEM_OUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: kafka.network.RequestChannel$
        level: WARN
      - name: org.apache.kafka.controller
        level: INFO
      - name: state.change.logger
        level: INFO
      - name: kafka.authorizer.logger
        level: INFO
`;
