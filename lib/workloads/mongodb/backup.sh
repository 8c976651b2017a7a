#!/usr/bin/env bash
# A consistent dump of the whole replica set: --oplog records the writes made while it runs, so a restore with
# --oplogReplay is the state at its end. It authenticates as the backup user (role backup), with the password in a
# config file, never on the command line. A failed run leaves no .partial behind.
# Env: MONGODB_URI (no password), MONGODB_BACKUP_PASSWORD, BACKUP_PREFIX, KEEP_MINUTES; BACKUP_DIR (default /backup).
set -euo pipefail
dir="${BACKUP_DIR:-/backup}"
# Leftovers of a run that was killed (no trap runs on SIGKILL); runs never overlap (concurrencyPolicy Forbid).
rm -f "$dir/$BACKUP_PREFIX"*.partial
target="$dir/$BACKUP_PREFIX$(date -u +%Y%m%dT%H%M%SZ).archive.gz"
trap 'rm -f "$target.partial"' EXIT
# A YAML single-quoted scalar: only ' is special, written twice.
quote="'"
(umask 077; printf "password: '%s'\n" "${MONGODB_BACKUP_PASSWORD//$quote/$quote$quote}" > /tmp/mongodump.yaml)
mongodump --config=/tmp/mongodump.yaml --uri="$MONGODB_URI" --oplog --gzip --archive="$target.partial"
mv "$target.partial" "$target"
trap - EXIT
basename "$target" > "$dir/latest"
echo "wrote $target"
# Keep KEEP_MINUTES of dumps, deleting only after a successful one.
find "$dir" -maxdepth 1 -name "$BACKUP_PREFIX*.archive.gz" -mmin "+$KEEP_MINUTES" -print -delete
