/* Python.h - this project's emulation of the subset of the Python C API that ported Stackless
 * extension code needs (NODE.md section 5). It is not CPython: there is no interpreter, no
 * cycle collector and no bytecode; objects are reference counted C structs.
 *
 * The macro STACKLESS is never defined here (C-API.md section 2). */
#ifndef Py_PYTHON_H
#define Py_PYTHON_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <limits.h>
#include <errno.h>
#include <assert.h>

#include "stackless/object.h"
#include "stackless/pymacro.h"
#include "stackless/objimpl.h"
#include "stackless/boolobject.h"
#include "stackless/longobject.h"
#include "stackless/floatobject.h"
#include "stackless/unicodeobject.h"
#include "stackless/tupleobject.h"
#include "stackless/listobject.h"
#include "stackless/dictobject.h"
#include "stackless/methodobject.h"
#include "stackless/moduleobject.h"
#include "stackless/abstract.h"
#include "stackless/pyerrors.h"
#include "stackless/traceback.h"

#endif /* Py_PYTHON_H */
