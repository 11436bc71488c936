#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue 11: no printf-family call, heap allocation, lock or log line on the signaling packet
# path. Reads the relocations of the objects that run per message on a signaling lcore (the
# ones listed in PATH_OBJS) and fails on any call to a banned function from a function not in
# ALLOWED, the startup and teardown code those objects also hold.
# usage: tools/check_packet_path.sh LIB.a...   (meson passes the layers' static libraries)
# Needs objdump (binutils); the check reads x86-64 relocations (R_X86_64_*).
set -euo pipefail

# What a SIP datagram goes through on a signaling lcore, from the worker loop to the answer's
# egress: the parser (parse, msg), transactions (tx), the UA and its writers, SDP and the
# media answer, the RTP port pool, bridges, the lib pieces they call, and the engine's glue.
PATH_OBJS="parse msg write tx ua session dialog request reply uas uac callid
	sdp media portpool bridge str pool timer rcu_defer bencode
	lcore sig sigmsg egress net"

# The functions of those objects that may call them: creation, teardown, startup reports.
# A new entry must be code that never runs per message.
ALLOWED="sip_tx_table_create sip_tx_table_destroy sip_ua_create sip_ua_destroy
	rtp_media_create rtp_media_destroy rtp_portpool_create rtp_portpool_destroy
	bridge_table_create bridge_table_destroy bridge_writer_create bridge_writer_destroy
	dpv_pool_create dpv_pool_free dpv_timer_wheel_init dpv_timer_wheel_fini
	dpv_media_init dpv_media_fini dpv_sig_init dpv_sig_print_capacity sig_free
	dpv_runtime_init dpv_runtime_fini
	media_lcore_create media_lcore_free sig_create dialplan_check
	dpv_buf_printf"
# (the static ones in the last line stand alone in a build without inlining, -O0: tools/test.sh's
# sanitizer build)

# printf and friends (with their _FORTIFY_SOURCE forms), the heap, locks, logging, and the
# wrapper that hides vsnprintf.
BANNED='^(__)?(v?s?n?printf|v?fprintf|v?dprintf|v?asprintf)(_chk)?$|^(malloc|calloc|realloc|free|strdup|strndup|rte_malloc|rte_zmalloc|rte_calloc|rte_realloc|rte_free|pthread_mutex_lock|pthread_spin_lock|rte_log|rte_vlog|dpv_buf_printf)$'

[ $# -gt 0 ] || { echo "usage: $0 LIB.a..."; exit 2; }
command -v objdump >/dev/null || { echo "objdump not found"; exit 77; }

seen=$(mktemp)
trap 'rm -f "$seen"' EXIT
bad=$(for a in "$@"; do objdump -dr --no-show-raw-insn "$a"; done | awk -v objs="$PATH_OBJS" \
	-v allowed="$ALLOWED" -v banned="$BANNED" -v seen="$seen" '
	BEGIN {
		n = split(objs, o, /[ \t\n]+/); for (i = 1; i <= n; i++) if (o[i] != "") want[o[i] ".c.o"] = 1
		n = split(allowed, a, /[ \t\n]+/); for (i = 1; i <= n; i++) if (a[i] != "") ok[a[i]] = 1
	}
	# "path/sig.c.o:     file format elf64-x86-64", member by member of each archive
	/^[^ ]+\.o: +file format/ { obj = $1; sub(/:$/, "", obj); sub(/.*\//, "", obj); on = (obj in want); if (on) print obj >seen; next }
	/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn); sub(/\..*/, "", fn); next } # foo.part.0, foo.cold: foo
	on && /R_X86_64_/ {
		sym = $NF; sub(/[-+]0x[0-9a-f]+$/, "", sym); sub(/@.*/, "", sym)
		if (sym ~ banned && !(fn in ok)) print obj ": " fn " calls " sym
	}' | sort -u)

# Every listed object must have been read: a renamed file would otherwise pass unchecked.
missing=""
for o in $PATH_OBJS; do
	grep -qx "$o.c.o" "$seen" || missing="$missing $o.c"
done
if [ -n "$missing" ]; then
	echo "packet path: not found in the libraries given:$missing (update PATH_OBJS)"
	exit 1
fi
if [ -n "$bad" ]; then
	echo "packet path: banned calls (printf family, heap, locks, logging) outside startup code:"
	echo "$bad"
	exit 1
fi
echo "packet path: $(wc -w <<<"$PATH_OBJS") objects, no printf, heap, lock or log call outside startup"
