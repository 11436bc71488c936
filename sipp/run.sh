#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run one SIPp scenario of this directory against an engine and report.
# usage: sipp/run.sh SCENARIO.xml SERVICE TARGET LOCAL_IP [extra sipp args...]
#   e.g. sipp/run.sh uac_basic.xml tone 198.18.0.1:5060 198.18.0.2 -m 200 -r 50
# Defaults: one call (-m 1), 60 s global timeout; exits with SIPp's status
# (0: every call succeeded). Logs go to $SIPP_LOGDIR (default: a temp dir, printed on failure).
set -uo pipefail
[ $# -ge 4 ] || { sed -n '2,7p' "$0"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
scen=$1 service=$2 target=$3 local_ip=$4
shift 4
logdir=${SIPP_LOGDIR:-$(mktemp -d /tmp/dpv-sipp.XXXXXX)}
case " $* " in *" -m "*) ;; *) set -- -m 1 "$@" ;; esac
cd "$logdir"
timeout 300 sipp "$target" -sf "$here/$scen" -s "$service" -i "$local_ip" -p 5060 \
	-timeout 60s -timeout_error -nostdin \
	-trace_err -trace_screen -trace_stat "$@" >/dev/null 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	echo "sipp $scen ($service): exit $rc; logs in $logdir"
	tail -40 "$logdir"/*_screens.log 2>/dev/null
	tail -40 "$logdir"/*_errors.log 2>/dev/null
fi
exit $rc
