# Part of a KafkaUser's Job (kafka-user.ts), after the admin settings are written: removes every ACL of
# $KAFKA_PRINCIPAL that is not in $KAFKA_DECLARED_ACLS (one `TYPE|NAME|PATTERN|HOST|OPERATION|PERMISSION` per line,
# as `kafka-acls.sh --list` names them), whatever its resource type, pattern type, host or permission, so that a
# permission taken out of the code is taken out of the cluster. The Job adds the declared ones next.
# The listing is apache/kafka tools/.../AclCommand.java listAcls: "ACLs for principal `P`", then per resource
# "Current ACLs for resource `ResourcePattern(resourceType=T, name=N, patternType=P)`:" (ResourcePattern.toString)
# and one "\t(principal=P, host=H, operation=O, permissionType=A)" line per entry (AccessControlEntryData.toString).
# A line it cannot read stops the Job before anything is removed. Each removal names one exact binding
# (--remove deletes AclBindingFilter(resource, entry.toFilter())); --operation takes the enum name without
# underscores (SecurityUtils.operation looks names up in upper case), --resource-pattern-type the pattern type.
acls() { /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --command-config /tmp/admin.properties "$@"; }
declare -A declared=()
while IFS= read -r acl; do
  if [ -n "$acl" ]; then declared["$acl"]=1; fi
done <<< "$KAFKA_DECLARED_ACLS"
listing=$(acls --list --principal "$KAFKA_PRINCIPAL")
header='^Current ACLs for resource `ResourcePattern\(resourceType=([A-Z_]+), name=(.*), patternType=([A-Z_]+)\)`:$'
entry='^[[:space:]]*\(principal=(.*), host=(.*), operation=([A-Z_]+), permissionType=(ALLOW|DENY)\)$'
undeclared() {
  local mode=$1 line type='' name='' pattern='' who host operation permission side
  local -a resource
  while IFS= read -r line; do
    if [ -z "$line" ] || [ "$line" = "ACLs for principal \`$KAFKA_PRINCIPAL\`" ]; then continue; fi
    if [[ $line =~ $header ]]; then
      type=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]} pattern=${BASH_REMATCH[3]}
      continue
    fi
    if [ -z "$type" ] || ! [[ $line =~ $entry ]]; then
      echo "cannot read this line of kafka-acls.sh --list, so no ACL was removed: $line" >&2
      return 1
    fi
    who=${BASH_REMATCH[1]} host=${BASH_REMATCH[2]} operation=${BASH_REMATCH[3]} permission=${BASH_REMATCH[4]}
    if [ "$who" != "$KAFKA_PRINCIPAL" ] || [ -n "${declared["$type|$name|$pattern|$host|$operation|$permission"]+x}" ]; then continue; fi
    case $type in
      TOPIC) resource=(--topic "$name") ;;
      GROUP) resource=(--group "$name") ;;
      CLUSTER) resource=(--cluster) ;;
      TRANSACTIONAL_ID) resource=(--transactional-id "$name") ;;
      DELEGATION_TOKEN) resource=(--delegation-token "$name") ;;
      USER) resource=(--user-principal "$name") ;;
      *)
        echo "cannot remove an ACL on a $type resource with kafka-acls.sh, so no ACL was removed: $line" >&2
        return 1
        ;;
    esac
    if [ "$mode" = remove ]; then
      side=${permission,,}
      echo "removing $permission $operation on $type '$name' ($pattern, host $host) of $KAFKA_PRINCIPAL: not in the code"
      acls --remove --force "--$side-principal" "$KAFKA_PRINCIPAL" "--$side-host" "$host" --operation "${operation//_/}" "${resource[@]}" --resource-pattern-type "${pattern,,}"
    fi
  done <<< "$listing"
}
undeclared check || exit 1
undeclared remove
