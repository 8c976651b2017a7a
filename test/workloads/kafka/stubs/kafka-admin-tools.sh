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
    if has --add "$@"; then echo "$*" >> "$state/acls"; else cat "$state/acls" 2>/dev/null || true; fi ;;
esac
