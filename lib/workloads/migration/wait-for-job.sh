#!/bin/sh
# Holds a pod of a new release until the migration Job of that release has completed.
# It reads only that one Job (a Role with `get` on its name), with a token mounted into this container alone.
set -u
trap 'exit 143' TERM INT
sa=/var/run/secrets/kubernetes.io/serviceaccount
url="https://kubernetes.default.svc/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${JOB_NAME}?pretty=false"
while true; do
  code=$(curl -sS -o /tmp/job.json -w '%{http_code}' --max-time 10 --cacert "$sa/ca.crt" \
    -H "Authorization: Bearer $(cat "$sa/token")" "$url") || code=000
  case "$code" in
    200)
      if grep -Eq '"type": *"Complete", *"status": *"True"' /tmp/job.json; then echo "migration ${JOB_NAME} complete"; exit 0; fi
      if grep -Eq '"type": *"Failed", *"status": *"True"' /tmp/job.json; then
        echo "migration ${JOB_NAME} failed: see kubectl -n ${NAMESPACE} logs job/${JOB_NAME}; the previous release keeps serving" >&2
      else
        echo "waiting for migration ${JOB_NAME}"
      fi ;;
    404)
      # dist lists Jobs before the pods that wait for them, so a missing Job finished and was removed after its TTL.
      echo "migration ${JOB_NAME} is gone after its TTL: it completed earlier"; exit 0 ;;
    *) echo "waiting for the API server (HTTP ${code})" ;;
  esac
  sleep 5 & wait $!
done
