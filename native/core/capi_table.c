/* capi_table.c - the C API as one table of pointers (stackless/capi.h), filled from the single
 * list stackless/capi_list.h. The Node binding copies it and adds its Node-only entries; in a
 * plain C build those stay NULL. */
#include "slp_internal.h"

#define SLP_CAPI_FILL_F(ret, name, params) name,
#define SLP_CAPI_FILL_D(type, name) &name,
#define SLP_CAPI_FILL_NULL(ret, name, params) NULL,

static const PyStackless_CAPI slp_capi = {
    PyStackless_CAPI_MAGIC,
    PyStackless_CAPI_VERSION,
    (uint32_t)sizeof(PyStackless_CAPI),
    (uint32_t)PyStackless_CAPI_COUNT,
    SLP_CAPI_LIST(SLP_CAPI_FILL_F, SLP_CAPI_FILL_D, SLP_CAPI_FILL_NULL)
};

const PyStackless_CAPI *slp_capi_table(void)
{
    return &slp_capi;
}
