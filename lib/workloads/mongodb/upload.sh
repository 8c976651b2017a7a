# Copies the newest dump to S3-compatible storage with the AWS CLI: `aws s3 cp` uploads a file above 8 MiB in parts
# (S3 refuses a single PUT above 5 GB; s3transfer grows the parts to stay within 10,000), retrying each part. The keys
# come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, from a Secret), never the command line; the
# checksum settings (AWS_REQUEST_CHECKSUM_CALCULATION=when_required) keep stores that refuse aws-cli 2.23's default
# CRC headers working. Path-style addresses (endpoint/bucket/key), which S3-compatible stores accept without DNS
# set up per bucket, as AWS does.
# Env: S3_ENDPOINT, S3_BUCKET, S3_PREFIX, AWS_*; BACKUP_DIR (default /backup).
set -eu
dir="${BACKUP_DIR:-/backup}"
file=$(cat "$dir/latest")
export AWS_CONFIG_FILE=/tmp/aws-config
printf '[default]\ns3 =\n  addressing_style = path\n' > "$AWS_CONFIG_FILE"
exec aws s3 cp --only-show-errors --no-progress --endpoint-url "$S3_ENDPOINT" "$dir/$file" "s3://$S3_BUCKET/$S3_PREFIX$file"
