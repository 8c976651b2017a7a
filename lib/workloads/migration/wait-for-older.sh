#!/bin/sh
# Runs first in a migration Job's pod: holds this migration until no older migration of the same service is still
# running, so two releases never migrate at once (as Helm pre-upgrade and Argo CD PreSync hooks block). Older means
# created earlier (then the name breaks a tie), so two waiting releases never wait for each other. An older migration
# that failed does not block: the new release is usually its fix. The migrate command should still take a database
# lock: this orders Jobs, it does not stop someone running a migration by hand.
# It never exits non-zero while waiting: with restartPolicy Never a failed init container counts against backoffLimit.
# Env: NAMESPACE, JOB_NAME (this Job, from the pod's job-name label), INSTANCE (the migration Jobs' instance label).
set -uf
trap 'exit 143' TERM INT
sa=/var/run/secrets/kubernetes.io/serviceaccount
jobs="https://kubernetes.default.svc/apis/batch/v1/namespaces/${NAMESPACE}/jobs"
out=/tmp/api.json
get() {
  code=$(curl -sS -o "$out" -w '%{http_code}' --max-time 10 --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat "$sa/token")" "$1") || code=000
  echo "$code"
}
denied() { echo "migration ${JOB_NAME}: HTTP 403 on $1: the Role bound to ServiceAccount ${INSTANCE} must let it get and list Jobs; re-apply the app's RBAC" >&2; exit 1; }
created=
while [ -z "$created" ]; do
  case $(get "$jobs/${JOB_NAME}?pretty=false") in
    200) created=$(grep -o '"creationTimestamp":"[^"]*"' "$out" | head -n 1 | cut -d '"' -f 4) ;;
    403) denied "job ${JOB_NAME}" ;;
    *) echo "waiting for the API server"; sleep 5 & wait $! ;;
  esac
done
while true; do
  # status.successful is a field selector the Job registry offers: these are the unfinished and the failed ones.
  case $(get "$jobs?pretty=false&labelSelector=app.kubernetes.io%2Finstance%3D${INSTANCE}&fieldSelector=status.successful%3D0") in
    200)
      running=
      # One line per Job: each item of the list starts with its metadata name.
      for item in $(sed 's/{"metadata":{"name":"/\
/g' "$out" | tail -n +2 | tr -d ' \t'); do
        name=${item%%\"*}
        [ "$name" = "$JOB_NAME" ] && continue
        at=$(echo "$item" | grep -o '"creationTimestamp":"[^"]*"' | head -n 1 | cut -d '"' -f 4)
        if [ "$(expr "$at" \< "$created")" = 1 ] || { [ "$at" = "$created" ] && [ "$(expr "$name" \< "$JOB_NAME")" = 1 ]; }; then
          echo "$item" | grep -q '"type":"Failed","status":"True"' || running="$running $name"
        fi
      done
      if [ -z "$running" ]; then echo "no older migration of ${INSTANCE} is running"; exit 0; fi
      echo "waiting for older migrations to finish:${running}" ;;
    403) denied "jobs" ;;
    *) echo "waiting for the API server" ;;
  esac
  sleep 5 & wait $!
done
