#!/usr/bin/env bash
# `npm audit --omit=dev` failing on high or critical advisories. Some registry mirrors refuse the
# advisory endpoint; that is reported loudly but is not a finding, so it does not fail the run.
set -uo pipefail
out=$(npm audit --omit=dev --audit-level=high 2>&1)
status=$?
echo "$out" | tail -20
if [ $status -ne 0 ] && echo "$out" | grep -qiE 'audit endpoint returned an error|ENOAUDIT|405 Method Not Allowed'; then
  echo "WARNING: the registry refused the audit endpoint; no advisory data was checked." >&2
  exit 0
fi
exit $status
