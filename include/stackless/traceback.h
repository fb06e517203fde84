/* stackless/traceback.h - there are no Python tracebacks: the traceback slot of the error
 * indicator is always NULL; the type exists only so that ported code compiles. */
#ifndef STACKLESS_TRACEBACK_H
#define STACKLESS_TRACEBACK_H

#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

PyAPI_DATA(PyTypeObject) PyTraceBack_Type;
#define PyTraceBack_Check(op) ((void)(op), 0)

#ifdef __cplusplus
}
#endif
#endif
