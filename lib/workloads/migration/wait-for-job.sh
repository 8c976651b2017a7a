#!/bin/sh
# Holds a pod of a release until that release's migration Job has provably succeeded. It fails closed: only a record
# of success or a Job with condition Complete opens the gate; a missing Job (not created yet: kustomize, Argo CD and
# Flux apply workloads before Jobs; refused by a quota or policy; deleted to retry) keeps the pod waiting.
# The first waiter that sees the Job complete writes JOB_NAME into the ConfigMap RECORD, so the gate still opens once
# the Job is gone (pruned), for pods of an old release rescheduled later or brought back by `kubectl rollout undo`.
# The API answers compact JSON in which a condition serialises `type` before `status` (curl image: no jq).
# Env: NAMESPACE, JOB_NAME, RECORD. The token is mounted into this container alone.
set -u
trap 'exit 143' TERM INT
sa=/var/run/secrets/kubernetes.io/serviceaccount
api=https://kubernetes.default.svc
out=/tmp/api.json
# call METHOD URL [BODY]: prints the HTTP status (000 when the API server is unreachable), the body goes to $out.
call() {
  code=$(curl -sS -o "$out" -w '%{http_code}' --max-time 10 --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat "$sa/token")" \
    -X "$1" -H 'Content-Type: application/merge-patch+json' ${3:+--data "$3"} "$2") || code=000
  echo "$code"
}
denied() {
  echo "migration gate: HTTP 403 on $1: the Role bound to this pod's ServiceAccount must let it $2; re-apply the app's RBAC" >&2
  exit 1 # the pod shows Init:Error and retries with back-off: loud, and still closed
}
while true; do
  case $(call GET "$api/api/v1/namespaces/${NAMESPACE}/configmaps/${RECORD}?pretty=false") in
    200) if grep -q "\"${JOB_NAME}\":\"" "$out"; then echo "migration ${JOB_NAME} succeeded earlier (recorded in ${RECORD})"; exit 0; fi ;;
    403) denied "configmap ${RECORD}" "get and patch it" ;;
    404) echo "record ${RECORD} not found yet: apply the app's ConfigMaps" ;;
  esac
  case $(call GET "$api/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${JOB_NAME}?pretty=false") in
    200)
      if grep -q '"type":"Complete","status":"True"' "$out"; then
        record="{\"data\":{\"${JOB_NAME}\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}}"
        code=$(call PATCH "$api/api/v1/namespaces/${NAMESPACE}/configmaps/${RECORD}" "$record")
        if [ "$code" != 200 ]; then
          # The Job is the proof: open the gate, but say that the record (what survives the Job) is missing.
          echo "migration ${JOB_NAME} complete, but recording it in configmap ${RECORD} failed (HTTP ${code}); pods will wait again once the Job is deleted" >&2
        fi
        echo "migration ${JOB_NAME} complete"; exit 0
      elif grep -q '"type":"Failed","status":"True"' "$out"; then
        # restartPolicy Never keeps the failed pods, so these logs exist until the Job is deleted.
        echo "migration ${JOB_NAME} failed; the previous release keeps serving. Logs: kubectl -n ${NAMESPACE} logs -l job-name=${JOB_NAME} --all-containers --prefix; " \
          "why: kubectl -n ${NAMESPACE} describe job ${JOB_NAME}. Fix it in a new release, or delete the Job and re-apply to run it again" >&2
      else
        echo "waiting for migration ${JOB_NAME}"
      fi ;;
    404) echo "migration ${JOB_NAME} not found: not created yet, refused, or deleted; waiting (a missing Job never opens the gate)" ;;
    403) denied "job ${JOB_NAME}" "get Jobs in ${NAMESPACE}" ;;
    *) echo "waiting for the API server" ;;
  esac
  sleep 5 & wait $!
done
