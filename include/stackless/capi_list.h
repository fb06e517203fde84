/* stackless/capi_list.h - THE list of the C API's functions and data objects: one entry each,
 * read by the table struct (stackless/capi.h), by the code that fills the table
 * (native/core/capi_table.c, native/binding) and by scripts/gen-capi-import.js, which writes
 * the import-mode macros (stackless/capi_import.h) from it.
 *
 *   F(return type, name, (parameters))   a function of the public headers
 *   D(type, name)                        a data object; the table holds its address (type *)
 *   N(return type, name, (parameters))   a Node-only function (NULL in a plain C build)
 *
 * The order is the table's layout, an ABI: append new entries at the end (and keep
 * PyStackless_CAPI_VERSION); removing or reordering entries needs a new version. A test checks
 * that this list and the PyAPI_FUNC / PyAPI_DATA declarations of the headers name the same
 * things (test/js/capi-table.test.mjs). */
#ifndef STACKLESS_CAPI_LIST_H
#define STACKLESS_CAPI_LIST_H

#define SLP_CAPI_LIST(F, D, N) \
    /* stackless_api.h */ \
    F(PyTaskletObject *, PyTasklet_New, (PyTypeObject *type, PyObject *func)) \
    F(int, PyTasklet_Setup, (PyTaskletObject *task, PyObject *args, PyObject *kwds)) \
    F(int, PyTasklet_BindEx, (PyTaskletObject *task, PyObject *func, PyObject *args, PyObject *kwargs)) \
    F(int, PyTasklet_BindThread, (PyTaskletObject *task, unsigned long thread_id)) \
    F(int, PyTasklet_Run, (PyTaskletObject *task)) \
    F(int, PyTasklet_Run_nr, (PyTaskletObject *task)) \
    F(int, PyTasklet_Switch, (PyTaskletObject *task)) \
    F(int, PyTasklet_Switch_nr, (PyTaskletObject *task)) \
    F(int, PyTasklet_Remove, (PyTaskletObject *task)) \
    F(int, PyTasklet_Insert, (PyTaskletObject *task)) \
    F(int, PyTasklet_RaiseException, (PyTaskletObject *self, PyObject *klass, PyObject *args)) \
    F(int, PyTasklet_Throw, (PyTaskletObject *self, int pending, PyObject *exc, PyObject *val, PyObject *tb)) \
    F(int, PyTasklet_Kill, (PyTaskletObject *self)) \
    F(int, PyTasklet_KillEx, (PyTaskletObject *self, int pending)) \
    F(int, PyTasklet_GetAtomic, (PyTaskletObject *task)) \
    F(int, PyTasklet_SetAtomic, (PyTaskletObject *task, int flag)) \
    F(int, PyTasklet_GetIgnoreNesting, (PyTaskletObject *task)) \
    F(int, PyTasklet_SetIgnoreNesting, (PyTaskletObject *task, int flag)) \
    F(int, PyTasklet_GetBlockTrap, (PyTaskletObject *task)) \
    F(void, PyTasklet_SetBlockTrap, (PyTaskletObject *task, int value)) \
    F(PyObject *, PyTasklet_GetFrame, (PyTaskletObject *task)) \
    F(int, PyTasklet_IsMain, (PyTaskletObject *task)) \
    F(int, PyTasklet_IsCurrent, (PyTaskletObject *task)) \
    F(int, PyTasklet_GetRecursionDepth, (PyTaskletObject *task)) \
    F(int, PyTasklet_GetNestingLevel, (PyTaskletObject *task)) \
    F(int, PyTasklet_Alive, (PyTaskletObject *task)) \
    F(int, PyTasklet_Paused, (PyTaskletObject *task)) \
    F(int, PyTasklet_Scheduled, (PyTaskletObject *task)) \
    F(int, PyTasklet_Restorable, (PyTaskletObject *task)) \
    F(int, PyTasklet_GetPendingIrq, (PyTaskletObject *task)) \
    F(int, PyTasklet_GetBlocked, (PyTaskletObject *task)) \
    F(PyTaskletObject *, PyTasklet_Bind, (PyTaskletObject *task, PyObject *func)) \
    F(int, PyStackless_AdjustSwitchTrap, (int change)) \
    F(PyChannelObject *, PyChannel_New, (PyTypeObject *type)) \
    F(int, PyChannel_Send, (PyChannelObject *self, PyObject *arg)) \
    F(int, PyChannel_Send_nr, (PyChannelObject *self, PyObject *arg)) \
    F(PyObject *, PyChannel_Receive, (PyChannelObject *self)) \
    F(PyObject *, PyChannel_Receive_nr, (PyChannelObject *self)) \
    F(int, PyChannel_SendException, (PyChannelObject *self, PyObject *klass, PyObject *value)) \
    F(int, PyChannel_SendThrow, (PyChannelObject *self, PyObject *exc, PyObject *val, PyObject *tb)) \
    F(PyObject *, PyChannel_GetQueue, (PyChannelObject *self)) \
    F(void, PyChannel_Close, (PyChannelObject *self)) \
    F(void, PyChannel_Open, (PyChannelObject *self)) \
    F(int, PyChannel_GetClosing, (PyChannelObject *self)) \
    F(int, PyChannel_GetClosed, (PyChannelObject *self)) \
    F(int, PyChannel_GetPreference, (PyChannelObject *self)) \
    F(void, PyChannel_SetPreference, (PyChannelObject *self, int val)) \
    F(int, PyChannel_GetScheduleAll, (PyChannelObject *self)) \
    F(void, PyChannel_SetScheduleAll, (PyChannelObject *self, int val)) \
    F(int, PyChannel_GetBalance, (PyChannelObject *self)) \
    F(PyObject *, PyStackless_Schedule, (PyObject *retval, int remove)) \
    F(PyObject *, PyStackless_Schedule_nr, (PyObject *retval, int remove)) \
    F(int, PyStackless_GetRunCount, (void)) \
    F(PyObject *, PyStackless_GetCurrent, (void)) \
    F(unsigned long, PyStackless_GetCurrentId, (void)) \
    F(PyObject *, PyStackless_RunWatchdog, (long timeout)) \
    F(PyObject *, PyStackless_RunWatchdogEx, (long timeout, int flags)) \
    F(int, PyStackless_SetChannelCallback, (PyObject *callable)) \
    F(int, PyStackless_SetScheduleCallback, (PyObject *callable)) \
    F(void, PyStackless_SetScheduleFastcallback, (slp_schedule_hook_func func)) \
    F(int, PyStackless_InitFunctionDeclaration, (PyStacklessFunctionDeclarationObject *sfd, PyObject *module, PyModuleDef *module_def)) \
    F(PyObject *, PyStackless_CallFunction, (PyStacklessFunctionDeclarationObject *sfd, PyObject *arg, PyObject *ob1, PyObject *ob2, PyObject *ob3, long n, void *any)) \
    F(PyObject *, PyStackless_Call_Main, (PyObject *func, PyObject *args, PyObject *kwds)) \
    F(PyObject *, PyStackless_CallMethod_Main, (PyObject *o, const char *name, const char *format, ...)) \
    F(PyObject *, PyStackless_CallCMethod_Main, (PyMethodDef *meth, PyObject *self, const char *format, ...)) \
    F(size_t, PyStackless_SetNativeStackSize, (size_t bytes)) \
    D(PyTypeObject, PyTasklet_Type) \
    D(PyTypeObject, PyChannel_Type) \
    D(PyTypeObject, PyBomb_Type) \
    D(PyTypeObject, PyCFrame_Type) \
    D(PyTypeObject, PyCStack_Type) \
    D(PyTypeObject, PyStacklessFunctionDeclaration_Type) \
    D(PyUnwindObject *, Py_UnwindToken) \
    /* stackless/abstract.h */ \
    F(PyObject *, PyObject_Call, (PyObject *callable, PyObject *args, PyObject *kwargs)) \
    F(PyObject *, PyObject_CallObject, (PyObject *callable, PyObject *args)) \
    F(PyObject *, PyObject_CallNoArgs, (PyObject *callable)) \
    F(PyObject *, PyObject_CallOneArg, (PyObject *callable, PyObject *arg)) \
    F(PyObject *, PyObject_CallFunctionObjArgs, (PyObject *callable, ...)) \
    F(PyObject *, PyObject_CallMethodObjArgs, (PyObject *obj, PyObject *name, ...)) \
    F(PyObject *, PyObject_CallFunction, (PyObject *callable, const char *format, ...)) \
    F(PyObject *, PyObject_CallMethod, (PyObject *obj, const char *name, const char *format, ...)) \
    F(PyObject *, PyObject_CallMethodNoArgs, (PyObject *obj, PyObject *name)) \
    F(PyObject *, PyObject_CallMethodOneArg, (PyObject *obj, PyObject *name, PyObject *arg)) \
    F(PyObject *, PyEval_CallObjectWithKeywords, (PyObject *callable, PyObject *args, PyObject *kwargs)) \
    F(PyObject *, PyObject_Vectorcall, (PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)) \
    F(slp_hosted_call_hook, _PySlp_SetHostedCallHook, (slp_hosted_call_hook h)) \
    F(PyObject *, _PySlp_CallDirect, (PyObject *callable, PyObject *args, PyObject *kwargs)) \
    F(PyObject *, Py_BuildValue, (const char *format, ...)) \
    F(PyObject *, Py_VaBuildValue, (const char *format, va_list va)) \
    F(int, PyArg_ParseTuple, (PyObject *args, const char *format, ...)) \
    F(int, PyArg_VaParse, (PyObject *args, const char *format, va_list va)) \
    F(int, PyArg_ParseTupleAndKeywords, (PyObject *args, PyObject *kwargs, const char *format, char **kwlist, ...)) \
    F(int, PyArg_VaParseTupleAndKeywords, (PyObject *args, PyObject *kwargs, const char *format, char **kwlist, va_list va)) \
    F(int, PyArg_UnpackTuple, (PyObject *args, const char *name, Py_ssize_t min, Py_ssize_t max, ...)) \
    F(int, _PyArg_NoKeywords, (const char *funcname, PyObject *kwargs)) \
    F(PyObject *, PyObject_GetAttr, (PyObject *o, PyObject *name)) \
    F(int, PyObject_HasAttr, (PyObject *o, PyObject *name)) \
    F(int, PyObject_SetAttr, (PyObject *o, PyObject *name, PyObject *v)) \
    F(int, PyObject_GenericSetAttr, (PyObject *o, PyObject *name, PyObject *v)) \
    F(PyObject *, PyObject_GenericGetDict, (PyObject *o, void *context)) \
    F(PyObject *, PyObject_RichCompare, (PyObject *a, PyObject *b, int op)) \
    F(int, PyObject_RichCompareBool, (PyObject *a, PyObject *b, int op)) \
    F(Py_hash_t, PyObject_Hash, (PyObject *o)) \
    F(Py_hash_t, PyObject_HashNotImplemented, (PyObject *o)) \
    F(int, PyObject_Not, (PyObject *o)) \
    F(Py_ssize_t, PyObject_Size, (PyObject *o)) \
    F(Py_ssize_t, PyObject_Length, (PyObject *o)) \
    F(PyObject *, PyObject_Type, (PyObject *o)) \
    F(PyObject *, PyObject_ASCII, (PyObject *o)) \
    F(int, Py_ReprEnter, (PyObject *o)) \
    F(void, Py_ReprLeave, (PyObject *o)) \
    F(const char *, _PyType_Name, (PyTypeObject *type)) \
    F(PyObject *, PyType_GetName, (PyTypeObject *type)) \
    F(unsigned long, PyType_GetFlags, (PyTypeObject *type)) \
    /* stackless/boolobject.h */ \
    F(PyObject *, PyBool_FromLong, (long v)) \
    D(PyTypeObject, PyBool_Type) \
    D(PyLongObject, _Py_FalseStruct) \
    D(PyLongObject, _Py_TrueStruct) \
    /* stackless/dictobject.h */ \
    F(PyObject *, PyDict_New, (void)) \
    F(PyObject *, PyDict_GetItem, (PyObject *d, PyObject *key)) \
    F(PyObject *, PyDict_GetItemString, (PyObject *d, const char *key)) \
    F(PyObject *, PyDict_GetItemWithError, (PyObject *d, PyObject *key)) \
    F(int, PyDict_SetItem, (PyObject *d, PyObject *key, PyObject *value)) \
    F(int, PyDict_SetItemString, (PyObject *d, const char *key, PyObject *value)) \
    F(int, PyDict_DelItem, (PyObject *d, PyObject *key)) \
    F(int, PyDict_DelItemString, (PyObject *d, const char *key)) \
    F(int, PyDict_Contains, (PyObject *d, PyObject *key)) \
    F(void, PyDict_Clear, (PyObject *d)) \
    F(Py_ssize_t, PyDict_Size, (PyObject *d)) \
    F(int, PyDict_Next, (PyObject *d, Py_ssize_t *ppos, PyObject **pkey, PyObject **pvalue)) \
    F(PyObject *, PyDict_Copy, (PyObject *d)) \
    F(int, PyDict_Update, (PyObject *a, PyObject *b)) \
    F(int, PyDict_Merge, (PyObject *a, PyObject *b, int override)) \
    F(PyObject *, PyDict_Keys, (PyObject *d)) \
    F(PyObject *, PyDict_Values, (PyObject *d)) \
    F(PyObject *, PyDict_Items, (PyObject *d)) \
    D(PyTypeObject, PyDict_Type) \
    /* stackless/floatobject.h */ \
    F(PyObject *, PyFloat_FromDouble, (double v)) \
    F(double, PyFloat_AsDouble, (PyObject *o)) \
    D(PyTypeObject, PyFloat_Type) \
    /* stackless/listobject.h */ \
    F(PyObject *, PyList_New, (Py_ssize_t n)) \
    F(Py_ssize_t, PyList_Size, (PyObject *l)) \
    F(PyObject *, PyList_GetItem, (PyObject *l, Py_ssize_t i)) \
    F(int, PyList_SetItem, (PyObject *l, Py_ssize_t i, PyObject *o)) \
    F(int, PyList_Append, (PyObject *l, PyObject *o)) \
    F(int, PyList_Insert, (PyObject *l, Py_ssize_t where, PyObject *o)) \
    F(PyObject *, PyList_AsTuple, (PyObject *l)) \
    F(PyObject *, PyList_GetSlice, (PyObject *l, Py_ssize_t low, Py_ssize_t high)) \
    D(PyTypeObject, PyList_Type) \
    /* stackless/longobject.h */ \
    F(PyObject *, PyLong_FromLong, (long v)) \
    F(PyObject *, PyLong_FromUnsignedLong, (unsigned long v)) \
    F(PyObject *, PyLong_FromLongLong, (long long v)) \
    F(PyObject *, PyLong_FromUnsignedLongLong, (unsigned long long v)) \
    F(PyObject *, PyLong_FromSsize_t, (Py_ssize_t v)) \
    F(PyObject *, PyLong_FromSize_t, (size_t v)) \
    F(PyObject *, PyLong_FromDouble, (double v)) \
    F(PyObject *, PyLong_FromVoidPtr, (void *p)) \
    F(PyObject *, PyLong_FromString, (const char *str, char **pend, int base)) \
    F(long, PyLong_AsLong, (PyObject *o)) \
    F(long, PyLong_AsLongAndOverflow, (PyObject *o, int *overflow)) \
    F(long long, PyLong_AsLongLong, (PyObject *o)) \
    F(long long, PyLong_AsLongLongAndOverflow, (PyObject *o, int *overflow)) \
    F(Py_ssize_t, PyLong_AsSsize_t, (PyObject *o)) \
    F(unsigned long, PyLong_AsUnsignedLong, (PyObject *o)) \
    F(unsigned long long, PyLong_AsUnsignedLongLong, (PyObject *o)) \
    F(unsigned long, PyLong_AsUnsignedLongMask, (PyObject *o)) \
    F(unsigned long long, PyLong_AsUnsignedLongLongMask, (PyObject *o)) \
    F(size_t, PyLong_AsSize_t, (PyObject *o)) \
    F(double, PyLong_AsDouble, (PyObject *o)) \
    F(void *, PyLong_AsVoidPtr, (PyObject *o)) \
    F(PyObject *, PyNumber_Index, (PyObject *o)) \
    F(Py_ssize_t, PyNumber_AsSsize_t, (PyObject *o, PyObject *exc)) \
    D(PyTypeObject, PyLong_Type) \
    /* stackless/methodobject.h */ \
    F(PyObject *, PyCFunction_New, (PyMethodDef *ml, PyObject *self)) \
    F(PyObject *, PyCFunction_NewEx, (PyMethodDef *ml, PyObject *self, PyObject *module)) \
    F(PyCFunction, PyCFunction_GetFunction, (PyObject *op)) \
    F(PyObject *, PyCFunction_GetSelf, (PyObject *op)) \
    F(int, PyCFunction_GetFlags, (PyObject *op)) \
    F(PyObject *, PyCFunction_Call, (PyObject *func, PyObject *args, PyObject *kwargs)) \
    D(PyTypeObject, PyCFunction_Type) \
    /* stackless/moduleobject.h */ \
    F(PyObject *, PyModule_New, (const char *name)) \
    F(PyObject *, PyModule_NewObject, (PyObject *name)) \
    F(PyObject *, PyModule_Create, (PyModuleDef *def)) \
    F(PyObject *, PyModule_Create2, (PyModuleDef *def, int apiver)) \
    F(PyObject *, PyModule_GetDict, (PyObject *module)) \
    F(PyObject *, PyModule_GetNameObject, (PyObject *module)) \
    F(const char *, PyModule_GetName, (PyObject *module)) \
    F(PyModuleDef *, PyModule_GetDef, (PyObject *module)) \
    F(void *, PyModule_GetState, (PyObject *module)) \
    F(int, PyModule_AddObject, (PyObject *module, const char *name, PyObject *value)) \
    F(int, PyModule_AddObjectRef, (PyObject *module, const char *name, PyObject *value)) \
    F(int, PyModule_Add, (PyObject *module, const char *name, PyObject *value)) \
    F(int, PyModule_AddIntConstant, (PyObject *module, const char *name, long value)) \
    F(int, PyModule_AddStringConstant, (PyObject *module, const char *name, const char *value)) \
    F(int, PyModule_AddFunctions, (PyObject *module, PyMethodDef *functions)) \
    F(int, PyModule_SetDocString, (PyObject *module, const char *doc)) \
    F(int, PyModule_AddType, (PyObject *module, PyTypeObject *type)) \
    D(PyTypeObject, PyModule_Type) \
    /* stackless/object.h */ \
    F(void, _Py_Dealloc, (PyObject *op)) \
    F(int, PyType_Ready, (PyTypeObject *type)) \
    F(int, PyType_IsSubtype, (PyTypeObject *a, PyTypeObject *b)) \
    F(PyObject *, PyType_GenericAlloc, (PyTypeObject *type, Py_ssize_t nitems)) \
    F(PyObject *, PyType_GenericNew, (PyTypeObject *type, PyObject *args, PyObject *kwds)) \
    F(PyObject *, _PyObject_New, (PyTypeObject *type)) \
    F(void, PyObject_Free, (void *p)) \
    F(void *, PyObject_Malloc, (size_t n)) \
    F(void *, PyMem_Malloc, (size_t n)) \
    F(void *, PyMem_Calloc, (size_t n, size_t size)) \
    F(void *, PyMem_Realloc, (void *p, size_t n)) \
    F(void, PyMem_Free, (void *p)) \
    F(PyObject *, PyObject_Repr, (PyObject *o)) \
    F(PyObject *, PyObject_Str, (PyObject *o)) \
    F(int, PyObject_IsTrue, (PyObject *o)) \
    F(int, PyObject_IsInstance, (PyObject *inst, PyObject *cls)) \
    F(int, PyObject_IsSubclass, (PyObject *derived, PyObject *cls)) \
    F(int, PyCallable_Check, (PyObject *o)) \
    F(PyObject *, PyObject_GetAttrString, (PyObject *o, const char *name)) \
    F(int, PyObject_HasAttrString, (PyObject *o, const char *name)) \
    F(int, PyObject_SetAttrString, (PyObject *o, const char *name, PyObject *v)) \
    F(PyObject *, PyObject_GenericGetAttr, (PyObject *o, PyObject *name)) \
    D(PyTypeObject, PyType_Type) \
    D(PyTypeObject, PyBaseObject_Type) \
    D(PyObject, _Py_NoneStruct) \
    /* stackless/objimpl.h */ \
    F(PyObject *, PyObject_Init, (PyObject *op, PyTypeObject *type)) \
    F(PyVarObject *, PyObject_InitVar, (PyVarObject *op, PyTypeObject *type, Py_ssize_t size)) \
    F(PyVarObject *, _PyObject_NewVar, (PyTypeObject *type, Py_ssize_t n)) \
    F(void *, PyObject_Calloc, (size_t nelem, size_t elsize)) \
    F(void *, PyObject_Realloc, (void *p, size_t n)) \
    F(char *, _PyMem_Strdup, (const char *s)) \
    F(void, PyObject_GC_Track, (void *op)) \
    F(void, PyObject_GC_UnTrack, (void *op)) \
    F(void, PyObject_GC_Del, (void *op)) \
    F(int, PyObject_GC_IsTracked, (PyObject *op)) \
    /* stackless/pyerrors.h */ \
    F(void, PyErr_SetString, (PyObject *type, const char *message)) \
    F(void, PyErr_SetObject, (PyObject *type, PyObject *value)) \
    F(void, PyErr_SetNone, (PyObject *type)) \
    F(PyObject *, PyErr_Format, (PyObject *type, const char *format, ...)) \
    F(PyObject *, PyErr_FormatV, (PyObject *type, const char *format, va_list vargs)) \
    F(PyObject *, PyErr_Occurred, (void)) \
    F(int, PyErr_ExceptionMatches, (PyObject *exc)) \
    F(int, PyErr_GivenExceptionMatches, (PyObject *given, PyObject *exc)) \
    F(void, PyErr_Fetch, (PyObject **ptype, PyObject **pvalue, PyObject **ptraceback)) \
    F(void, PyErr_Restore, (PyObject *type, PyObject *value, PyObject *traceback)) \
    F(void, PyErr_Clear, (void)) \
    F(void, PyErr_NormalizeException, (PyObject **ptype, PyObject **pvalue, PyObject **ptraceback)) \
    F(PyObject *, PyErr_GetRaisedException, (void)) \
    F(void, PyErr_SetRaisedException, (PyObject *exc)) \
    F(PyObject *, PyErr_NoMemory, (void)) \
    F(int, PyErr_BadArgument, (void)) \
    F(void, PyErr_BadInternalCall, (void)) \
    F(void, PyErr_WriteUnraisable, (PyObject *obj)) \
    F(void, PyErr_Print, (void)) \
    F(void, PyErr_PrintEx, (int set_sys_last_vars)) \
    F(void, PyErr_Display, (PyObject *type, PyObject *value, PyObject *traceback)) \
    F(int, PyErr_WarnEx, (PyObject *category, const char *message, Py_ssize_t stack_level)) \
    F(int, PyErr_WarnFormat, (PyObject *category, Py_ssize_t stack_level, const char *format, ...)) \
    F(int, PyErr_CheckSignals, (void)) \
    F(PyObject *, PyErr_SetFromErrno, (PyObject *type)) \
    F(PyObject *, PyErr_NewException, (const char *name, PyObject *base, PyObject *dict)) \
    F(PyObject *, PyErr_NewExceptionWithDoc, (const char *name, const char *doc, PyObject *base, PyObject *dict)) \
    F(void, Py_FatalError, (const char *message)) \
    F(int, Py_EnterRecursiveCall, (const char *where)) \
    F(void, Py_LeaveRecursiveCall, (void)) \
    F(int, Py_GetRecursionLimit, (void)) \
    F(void, Py_SetRecursionLimit, (int limit)) \
    F(int, _PySlp_GetRecursionDepth, (void)) \
    F(void, _PySlp_SetRecursionDepth, (int depth)) \
    F(PyObject *, PyException_GetArgs, (PyObject *exc)) \
    F(void, PyException_SetArgs, (PyObject *exc, PyObject *args)) \
    F(PyObject *, PyException_GetTraceback, (PyObject *exc)) \
    F(int, PyException_SetTraceback, (PyObject *exc, PyObject *tb)) \
    D(PyObject *, PyExc_BaseException) \
    D(PyObject *, PyExc_SystemExit) \
    D(PyObject *, PyExc_TaskletExit) \
    D(PyObject *, PyExc_KeyboardInterrupt) \
    D(PyObject *, PyExc_GeneratorExit) \
    D(PyObject *, PyExc_Exception) \
    D(PyObject *, PyExc_StopIteration) \
    D(PyObject *, PyExc_ArithmeticError) \
    D(PyObject *, PyExc_ZeroDivisionError) \
    D(PyObject *, PyExc_OverflowError) \
    D(PyObject *, PyExc_AttributeError) \
    D(PyObject *, PyExc_LookupError) \
    D(PyObject *, PyExc_IndexError) \
    D(PyObject *, PyExc_KeyError) \
    D(PyObject *, PyExc_MemoryError) \
    D(PyObject *, PyExc_NameError) \
    D(PyObject *, PyExc_RuntimeError) \
    D(PyObject *, PyExc_NotImplementedError) \
    D(PyObject *, PyExc_RecursionError) \
    D(PyObject *, PyExc_SystemError) \
    D(PyObject *, PyExc_TypeError) \
    D(PyObject *, PyExc_ValueError) \
    D(PyObject *, PyExc_UnicodeError) \
    D(PyObject *, PyExc_UnicodeDecodeError) \
    D(PyObject *, PyExc_AssertionError) \
    D(PyObject *, PyExc_OSError) \
    D(PyObject *, PyExc_Warning) \
    D(PyObject *, PyExc_UserWarning) \
    D(PyObject *, PyExc_DeprecationWarning) \
    D(PyObject *, PyExc_RuntimeWarning) \
    /* stackless/traceback.h */ \
    D(PyTypeObject, PyTraceBack_Type) \
    /* stackless/tupleobject.h */ \
    F(PyObject *, PyTuple_New, (Py_ssize_t n)) \
    F(PyObject *, PyTuple_Pack, (Py_ssize_t n, ...)) \
    F(PyObject *, PyTuple_GetItem, (PyObject *t, Py_ssize_t i)) \
    F(int, PyTuple_SetItem, (PyObject *t, Py_ssize_t i, PyObject *o)) \
    F(Py_ssize_t, PyTuple_Size, (PyObject *t)) \
    F(PyObject *, PyTuple_GetSlice, (PyObject *t, Py_ssize_t low, Py_ssize_t high)) \
    D(PyTypeObject, PyTuple_Type) \
    /* stackless/unicodeobject.h */ \
    F(PyObject *, PyUnicode_FromString, (const char *u)) \
    F(PyObject *, PyUnicode_FromStringAndSize, (const char *u, Py_ssize_t size)) \
    F(PyObject *, PyUnicode_DecodeUTF8, (const char *s, Py_ssize_t size, const char *errors)) \
    F(PyObject *, PyUnicode_FromOrdinal, (int ordinal)) \
    F(PyObject *, PyUnicode_FromFormat, (const char *format, ...)) \
    F(PyObject *, PyUnicode_FromFormatV, (const char *format, va_list vargs)) \
    F(PyObject *, PyUnicode_InternFromString, (const char *u)) \
    F(void, PyUnicode_InternInPlace, (PyObject **p)) \
    F(const char *, PyUnicode_AsUTF8, (PyObject *unicode)) \
    F(const char *, PyUnicode_AsUTF8AndSize, (PyObject *unicode, Py_ssize_t *size)) \
    F(Py_ssize_t, PyUnicode_GetLength, (PyObject *unicode)) \
    F(Py_UCS4, PyUnicode_ReadChar, (PyObject *unicode, Py_ssize_t index)) \
    F(int, PyUnicode_Compare, (PyObject *left, PyObject *right)) \
    F(int, PyUnicode_CompareWithASCIIString, (PyObject *left, const char *right)) \
    F(int, PyUnicode_EqualToUTF8, (PyObject *unicode, const char *string)) \
    F(PyObject *, PyUnicode_Concat, (PyObject *left, PyObject *right)) \
    F(void, PyUnicode_AppendAndDel, (PyObject **pleft, PyObject *right)) \
    F(void, PyUnicode_Append, (PyObject **pleft, PyObject *right)) \
    F(PyObject *, PyUnicode_Substring, (PyObject *str, Py_ssize_t start, Py_ssize_t end)) \
    D(PyTypeObject, PyUnicode_Type) \
    /* stackless_api.h, Node-specific extensions */ \
    N(PyObject *, PyStackless_FromJS, (napi_env env, napi_value value)) \
    N(napi_value, PyStackless_ToJS, (napi_env env, PyObject *o))

#endif
