#!/usr/bin/env bash
# Restores one dump of backup.sh into the replica set: --drop replaces each collection, --oplogReplay applies the
# writes made during the dump. Authenticates as root (a restore is an administrator's act), password in a config file.
# Env: RESTORE_ARCHIVE (a file name in BACKUP_DIR), MONGODB_URI (no password), MONGODB_ROOT_PASSWORD; BACKUP_DIR (default /backup).
set -euo pipefail
dir="${BACKUP_DIR:-/backup}"
archive="${RESTORE_ARCHIVE:?name the dump to restore}"
case "$archive" in
  */* | *.partial) echo "restore: '$archive' must be the name of a finished dump in $dir" >&2; exit 64 ;;
esac
if [ ! -f "$dir/$archive" ]; then
  echo "restore: $dir/$archive does not exist; the dumps there are:" >&2
  ls -1 "$dir" >&2
  exit 66
fi
quote="'"
(umask 077; printf "password: '%s'\n" "${MONGODB_ROOT_PASSWORD//$quote/$quote$quote}" > /tmp/mongorestore.yaml)
exec mongorestore --config=/tmp/mongorestore.yaml --uri="$MONGODB_URI" --gzip --archive="$dir/$archive" --oplogReplay --drop
