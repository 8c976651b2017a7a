#!/bin/bash
# A stand-in for Kafka's admin tools (kafka-topics.sh, kafka-configs.sh, kafka-acls.sh,
# kafka-broker-api-versions.sh), keeping a tiny cluster state in $STUB_STATE, printing what
# the real tools print (TopicCommand, ConfigCommand, BrokerApiVersionsCommand) for the
# parts the Jobs read. Every call is logged to $STUB_STATE/calls.
set -eu
tool=$(basename "$0")
state=$STUB_STATE
echo "$tool $*" >> "$state/calls"
arg() { local want=$1; shift; while [ $# -gt 0 ]; do if [ "$1" = "$want" ]; then echo "$2"; return; fi; shift; done; }
has() { local want=$1; shift; for a in "$@"; do [ "$a" = "$want" ] && return 0; done; return 1; }
case "$tool" in
  kafka-broker-api-versions.sh)
    n=$(cat "$state/brokers-now" 2>/dev/null || echo 0)
    # Brokers come up one per call, up to brokers-max.
    max=$(cat "$state/brokers-max"); if [ "$n" -lt "$max" ]; then echo $((n + 1)) > "$state/brokers-now"; fi
    if [ "$n" -eq 0 ]; then echo "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: listNodes" >&2; exit 1; fi
    for i in $(seq 1 "$n"); do echo "kafka-broker-$i:9092 (id: 10$i rack: null isFenced: false) -> ("; echo "	Produce(0): 0 to 11 [usable: 11],"; echo ")"; done ;;
  kafka-topics.sh)
    topic=$(arg --topic "$@")
    if has --list "$@"; then cut -d' ' -f1 "$state/topics" 2>/dev/null || true
    elif has --create "$@"; then
      if grep -q "^$topic " "$state/topics" 2>/dev/null; then echo "Topic '$topic' already exists." >&2; exit 1; fi
      echo "$topic $(arg --partitions "$@") $(arg --replication-factor "$@")" >> "$state/topics"
      while [ $# -gt 0 ]; do if [ "$1" = --config ]; then echo "$2" >> "$state/configs"; fi; shift; done
      echo "Created topic $topic."
    elif has --describe "$@"; then
      line=$(grep "^$topic " "$state/topics") || { echo "Error while executing topic command : Topic '$topic' does not exist as expected" >&2; exit 1; }
      set -- $line
      printf 'Topic: %s\tTopicId: x\tPartitionCount: %s\tReplicationFactor: %s\tConfigs: \n' "$1" "$2" "$3"
      for p in $(seq 0 $(($2 - 1))); do printf '\tTopic: %s\tPartition: %s\tLeader: 101\tReplicas: 101\tIsr: 101\n' "$1" "$p"; done
    elif has --alter "$@"; then
      p=$(arg --partitions "$@"); sed -i "s/^$topic \([0-9]*\) /$topic $p /" "$state/topics"
    fi ;;
  kafka-configs.sh)
    if has --describe "$@"; then
      echo "Dynamic configs for topic $(arg --entity-name "$@") are:"
      while IFS= read -r kv; do echo "  $kv sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:$kv}"; done < <(cat "$state/configs" 2>/dev/null || true)
    elif has --alter "$@"; then
      if add=$(arg --add-config "$@") && [ -n "$add" ]; then
        if [ "$(arg --entity-type "$@")" = users ]; then echo "$add" >> "$state/users"; else
        # Split at commas outside [...], as ConfigCommand does.
        echo "$add" | awk 'BEGIN { RS = "," } { buf = buf (buf == "" ? "" : ",") $0; if (gsub(/\[/, "[", buf) == gsub(/\]/, "]", buf)) { sub(/\n$/, "", buf); print buf; buf = "" } }' | while IFS= read -r kv; do
          kv=${kv//[\[\]]/}; k=${kv%%=*}; grep -v "^$k=" "$state/configs" > "$state/configs.new" 2>/dev/null || true; echo "$kv" >> "$state/configs.new"; mv "$state/configs.new" "$state/configs"
        done; fi
      fi
      if del=$(arg --delete-config "$@") && [ -n "$del" ]; then
        for k in ${del//,/ }; do grep -v "^$k=" "$state/configs" > "$state/configs.new" || true; mv "$state/configs.new" "$state/configs"; done
      fi
    fi ;;
  kafka-acls.sh)
    # State: one binding per line, TYPE|NAME|PATTERN|PRINCIPAL|HOST|OPERATION|PERMISSION. Options and output as in
    # tools/.../AclCommand.java (listAcls, printResourceAcls), ResourcePattern.toString, AccessControlEntryData.toString.
    touch "$state/acls"
    if has --list "$@"; then
      principal=$(arg --principal "$@")
      echo "ACLs for principal \`$principal\`"
      cut -d'|' -f1-3 "$state/acls" | sort -u | while IFS='|' read -r t n p; do
        entries=$(awk -F'|' -v t="$t" -v n="$n" -v p="$p" -v who="$principal" '$1 == t && $2 == n && $3 == p && $4 == who { printf "\t(principal=%s, host=%s, operation=%s, permissionType=%s)\n", $4, $5, $6, $7 }' "$state/acls")
        if [ -n "$entries" ]; then printf 'Current ACLs for resource `ResourcePattern(resourceType=%s, name=%s, patternType=%s)`:\n%s\n\n' "$t" "$n" "$p" "$entries"; fi
      done
      # A line a test makes the listing end with (a format this stub does not otherwise print).
      if [ -n "${STUB_ACLS_LIST_EXTRA:-}" ]; then echo "$STUB_ACLS_LIST_EXTRA"; fi
      exit 0
    fi
    if has --remove "$@" && ! has --force "$@"; then echo "Are you sure you want to remove ACLs: (y/n)"; exit 1; fi
    perm=ALLOW; principal=$(arg --allow-principal "$@"); host=$(arg --allow-host "$@")
    if [ -z "$principal" ]; then perm=DENY; principal=$(arg --deny-principal "$@"); host=$(arg --deny-host "$@"); fi
    host=${host:-*}
    pattern=$(arg --resource-pattern-type "$@"); pattern=${pattern:-literal}; pattern=${pattern^^}
    if t=$(arg --topic "$@") && [ -n "$t" ]; then type=TOPIC name=$t
    elif t=$(arg --group "$@") && [ -n "$t" ]; then type=GROUP name=$t
    elif t=$(arg --transactional-id "$@") && [ -n "$t" ]; then type=TRANSACTIONAL_ID name=$t
    elif has --cluster "$@"; then type=CLUSTER name=kafka-cluster
    else echo "You must provide at least one resource" >&2; exit 1; fi
    mode=add; if has --remove "$@"; then mode=remove; fi
    ops=(); while [ $# -gt 0 ]; do if [ "$1" = --operation ]; then ops+=("$2"); fi; shift; done
    for op in "${ops[@]}"; do
      # SecurityUtils.operation: PascalCase, or the same in upper case without underscores.
      case ${op^^} in
        READ|WRITE|CREATE|DELETE|ALTER|DESCRIBE|ALL) op=${op^^} ;;
        DESCRIBECONFIGS) op=DESCRIBE_CONFIGS ;; ALTERCONFIGS) op=ALTER_CONFIGS ;; IDEMPOTENTWRITE) op=IDEMPOTENT_WRITE ;;
        CLUSTERACTION) op=CLUSTER_ACTION ;;
        *) echo "ResourceType $type only supports operations of its own (got $op)" >&2; exit 1 ;;
      esac
      line="$type|$name|$pattern|$principal|$host|$op|$perm"
      grep -vxF -- "$line" "$state/acls" > "$state/acls.new" || true
      if [ "$mode" = add ]; then echo "$line" >> "$state/acls.new"; fi
      mv "$state/acls.new" "$state/acls"
    done ;;
esac
