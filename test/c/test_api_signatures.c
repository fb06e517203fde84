/* test_api_signatures.c - the C API compiles as C11 with exactly the documented signatures
 * (api_signatures.h) and every symbol links. */
#include "harness.h"
#include "api_signatures.h"

static void test_every_function_has_its_documented_signature(void)
{
    CHECK_EQ_INT(slp_api_signature_count(), 72)   /* 65 functions + 7 section-2 checks */;
}

static void test_unwind_token_repr(void)
{
    PyObject *r = PyObject_Repr((PyObject *)Py_UnwindToken);
    CHECK(r && strcmp(PyUnicode_AsUTF8(r), "UnwindToken") == 0);
    Py_XDECREF(r);
}

int main(void)
{
    TEST(test_every_function_has_its_documented_signature);
    TEST(test_unwind_token_repr);
    return TEST_SUMMARY();
}
