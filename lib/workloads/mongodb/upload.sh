# Copies the newest dump to S3-compatible storage with curl's SigV4 signing (curl 7.75+). The keys go through a
# config file, never the command line. POSIX sh: the curl image has no bash.
# Env: S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_PREFIX, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY; BACKUP_DIR (default /backup).
set -eu
dir="${BACKUP_DIR:-/backup}"
file=$(cat "$dir/latest")
(umask 077; printf 'user = "%s:%s"\n' "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY" > /tmp/curl.conf)
exec curl --fail --silent --show-error --retry 3 --aws-sigv4 "aws:amz:$S3_REGION:s3" --config /tmp/curl.conf \
  --upload-file "$dir/$file" "${S3_ENDPOINT%/}/$S3_BUCKET/$S3_PREFIX$file"
