/* test_capi_table.c - the function table other addons import (stackless/capi.h) is complete:
 * its header is right, it has one entry per line of stackless/capi_list.h, every entry is the
 * address of the function or data object of the same name, and only the Node-only entries are
 * NULL in a plain C build. That every public declaration is in the list is checked by
 * scripts/gen-capi-import.js --check (run by the JS suite). */
#include "harness.h"
#include "slp_internal.h"

static void test_header(void)
{
    const PyStackless_CAPI *t = slp_capi_table();
    CHECK(t != NULL);
    CHECK(t->magic == PyStackless_CAPI_MAGIC);
    CHECK(t->version == PyStackless_CAPI_VERSION);
    CHECK(t->size == sizeof(PyStackless_CAPI));
    CHECK_EQ_INT((int)t->count, PyStackless_CAPI_COUNT);
    /* the struct is the header plus exactly one pointer per entry: no padding, nothing missed */
    CHECK(sizeof(PyStackless_CAPI) == 4 * sizeof(uint32_t) + (size_t)PyStackless_CAPI_COUNT * sizeof(void *));
}

static void test_every_entry_is_its_symbol(void)
{
    const PyStackless_CAPI *t = slp_capi_table();
    int funcs = 0, data = 0, node = 0, wrong = 0;
#define CHECK_F(ret, name, params) funcs++; if (!t->name || t->name != name) { wrong++; fprintf(stderr, "  bad entry %s\n", #name); }
#define CHECK_D(type, name) data++; if (t->name != &name) { wrong++; fprintf(stderr, "  bad entry %s\n", #name); }
#define CHECK_N(ret, name, params) node++; if (t->name != NULL) { wrong++; fprintf(stderr, "  Node entry %s set\n", #name); }
    SLP_CAPI_LIST(CHECK_F, CHECK_D, CHECK_N)
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(funcs + data + node, PyStackless_CAPI_COUNT);
    CHECK_EQ_INT(node, 2);
    CHECK(funcs >= 270 && data >= 50);
}

/* a call through the table reaches the same core: the table's PyChannel_New makes an ordinary
 * channel */
static void test_calls_through_the_table(void)
{
    const PyStackless_CAPI *t = slp_capi_table();
    PyChannelObject *ch = t->PyChannel_New(NULL);
    CHECK(ch && PyChannel_Check((PyObject *)ch));
    CHECK(t->PyChannel_GetBalance(ch) == 0);
    PyObject *v = t->PyLong_FromLong(42);
    CHECK(v && PyLong_AsLong(v) == 42);
    CHECK((PyObject *)t->_Py_NoneStruct == Py_None);
    CHECK(*t->PyExc_TypeError == PyExc_TypeError);
    Py_XDECREF(v);
    Py_XDECREF((PyObject *)ch);
}

int main(void)
{
    TEST(test_header);
    TEST(test_every_entry_is_its_symbol);
    TEST(test_calls_through_the_table);
    return TEST_SUMMARY();
}
