/* SPDX-License-Identifier: BSD-3-Clause */
/* The bridge layer's startup-file section, [bridge]: how many bridges the table holds. */
#include "bridge.h"

#define BF(f) DPV_CFG_FIELD(struct bridge_conf, f)

static const struct dpv_cfg_key bridge_keys[] = {
    {"max-bridges", dpv_cfg_parse_uint, BF(max_bridges), 1, 65536, 0, NULL},
    {NULL},
};

void
bridge_conf_defaults(struct bridge_conf *bc)
{
	bc->max_bridges = 1024;
}

struct dpv_cfg_section
bridge_conf_section(struct bridge_conf *bc)
{
	return (struct dpv_cfg_section){
	    .name = "bridge", .instances = 1, .keys = bridge_keys, .base = bc};
}
