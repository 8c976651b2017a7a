#!/usr/bin/env bash
# A consistent dump of the whole replica set: --oplog records the writes made while it runs, so a restore with
# --oplogReplay is the state at its end. It authenticates as the backup user (role backup), with the password in a
# config file, never on the command line. A failed run leaves no .partial behind.
# A retry of the same Job (its upload failed, say, while S3 was down) does not dump again: every dump would stay on
# the volume until it is old enough to go, and a long outage would fill it.
# Env: MONGODB_URI (no password), MONGODB_BACKUP_PASSWORD, BACKUP_PREFIX, KEEP_MINUTES; BACKUP_DIR (default /backup);
# JOB_NAME (this Job, from the pod's job-name label).
set -euo pipefail
dir="${BACKUP_DIR:-/backup}"
if [ -n "${JOB_NAME:-}" ] && [ -f "$dir/latest" ] && [ "$(cat "$dir/latest.job" 2>/dev/null)" = "$JOB_NAME" ]; then
  echo "this Job ($JOB_NAME) wrote $dir/$(cat "$dir/latest") already; not dumping again"
  exit 0
fi
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
printf '%s\n' "${JOB_NAME:-}" > "$dir/latest.job"
echo "wrote $target"
# Keep KEEP_MINUTES of dumps, deleting only after a successful one.
find "$dir" -maxdepth 1 -name "$BACKUP_PREFIX*.archive.gz" -mmin "+$KEEP_MINUTES" -print -delete
