#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `dpvoip --check` as a user runs it: the shipped file is valid, a broken one gets exit 1 and
# one "FILE:LINE: ..." line per problem on stderr (and nothing on stdout), bad usage exit 2.
# usage: check_cli.sh DPVOIP SOURCE_ROOT
set -u
bin=$1 root=$2
pass=0 fail=0
t() { # description, expected status, expected stdout, expected stderr line count or -, command...
	local what=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 4
	local out err rc
	out=$("$@" 2>/tmp/dpv-check-err.$$)
	rc=$?
	err=$(cat /tmp/dpv-check-err.$$)
	rm -f /tmp/dpv-check-err.$$
	if [ "$rc" -eq "$want_rc" ] && [ "$out" = "$want_out" ] &&
		{ [ "$want_err" = - ] || [ "$(printf '%s' "$err" | grep -c '')" -eq "$want_err" ]; }; then
		echo "ok - $what"
		pass=$((pass + 1))
	else
		echo "not ok - $what: rc $rc (want $want_rc)"
		echo "  stdout: $out"
		echo "  stderr: $err"
		fail=$((fail + 1))
	fi
}
shipped=$root/engine/dpvoip.conf
bad=$root/tests/engine/data/bad_many.conf
# and what its pools sustain: 655,360 records / (2 per call * 32 s) = 10,240 calls/s
t "shipped startup file is valid, with the capacity of its pools" 0 "$shipped: OK
per signaling lcore: 40960 finished calls/s (max-completed 2621440 records of 232 bytes for 64*T1 = 32 s, 2 per call), 65536 live dialogs, 65536 live transactions; 151 MB of EAL memory (66560 signaling mbufs), at most 936 MB of heap
rtp: 5000 calls with media at once (ports 20000-29999, split between the signaling lcores)" 0 \
	"$bin" -c "$shipped" --check
t "16 problems, one line each" 1 "" 16 "$bin" -c "$bad" --check
t "every problem line names the file and line" 0 "" - \
	bash -c "'$bin' -c '$bad' --check 2>&1 >/dev/null | grep -vcE '^$bad:[0-9]+: ' | grep -qx 0"
t "a missing file is one problem" 1 "" 1 "$bin" -c /nonexistent/dpvoip.conf --check
t "the engine refuses to start on a bad file" 1 "" 16 "$bin" -c "$bad"
# has_line CONF LINE: `--check` on CONF prints exactly LINE among its problems
has_line() { "$bin" -c "$1" --check 2>&1 >/dev/null | grep -qxF -- "$2"; }
# Rules the engine's hyperscan refuses (and POSIX regcomp takes) fail --check, each on its line.
hs=$root/tests/engine/data/bad_dialplan_hs.conf
t "dialplan rules hyperscan refuses: 3 problems" 1 "" 3 "$bin" -c "$hs" --check
t "a back-reference, on its line" 0 "" - has_line "$hs" \
	"$hs:16: [dialplan] rule: bad regex '^(a+)\1\$': Back-references are unsupported."
t "an unbalanced group, on its line" 0 "" - has_line "$hs" \
	"$hs:18: [dialplan] rule: bad regex '^(ab\$': Unmatched ( or \\("
t "a repeated repeat, on its line" 0 "" - has_line "$hs" \
	"$hs:20: [dialplan] rule: bad regex '^x**\$': Invalid repeat at index 3."
t "the engine refuses to start on them too" 1 "" 3 "$bin" -c "$hs"
md=$root/tests/engine/data/bad_max_dialogs.conf
t "max-dialogs beyond the UA's limit" 1 "" 1 "$bin" -c "$md" --check
t "max-dialogs, on its line" 0 "" - has_line "$md" \
	"$md:14: [sip] max-dialogs: 16777216 is out of range (16..16777215)"
t "no -c is a usage error" 2 "" - "$bin" --check
t "an unknown option is a usage error" 2 "" - "$bin" -c "$shipped" --frobnicate
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
