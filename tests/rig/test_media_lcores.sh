#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_media.sh in the other layout: each role on lcores of its own, one media
# lcore and two signaling lcores sharing CPU 1 ([cpu] shared-cpu = threads,
# signaling-per-cpu = 2), so SIP crosses the steering rings, calls are spread
# over two signaling lcores, bridges and tone flows are published across lcores
# under RCU, and the signaling lcores' frames leave through the media lcore.
set -euo pipefail
export RIG_CPU_EXTRA=$'shared-cpu = threads\nsignaling-per-cpu = 2' RIG_MEM=1024
exec "$(dirname "$0")/test_media.sh" "$@"
