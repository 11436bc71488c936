/* SPDX-License-Identifier: BSD-3-Clause */
/* Names of the engine's counters, in the order of their enums. */
#include "engine_int.h"

const char *const dpv_port_counter_names[DPV_C_MAX] = {
#define DPV_X(n) #n,
    DPV_PORT_COUNTERS(DPV_X)
#undef DPV_X
};

const char *const dpv_lcore_counter_names[DPV_LC_MAX] = {
#define DPV_X(n) #n,
    DPV_LCORE_COUNTERS(DPV_X)
#undef DPV_X
};

const char *const dpv_sig_counter_names[DPV_SIG_C_MAX] = {
#define DPV_X(n) #n,
    DPV_SIG_COUNTERS(DPV_X)
#undef DPV_X
};
