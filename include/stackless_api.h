/* stackless_api.h - the Stackless C API (C-API.md sections 2-6 and 9), for Node.js and plain C.
 *
 * Every function keeps the exact name and signature of Stackless 3.7's Include/stackless_api.h.
 * Include <Python.h> first (this project's emulation) or let this header include it.
 * The macro STACKLESS is never defined: the soft-switch protocol macros of section 7 reduce to
 * their "not stackless" forms, and the _nr functions called from C behave like their plain
 * counterparts (they return 0 / a result after a hard switch, never Py_UnwindToken).
 *
 * Extensions of this project (not in the reference) are grouped at the end and prefixed
 * PyStackless_Native* / slp_.
 *
 * Another Node addon that uses the core inside the loaded `stackless` module defines
 * STACKLESS_API_IMPORT before including this header and calls PyStackless_ImportAPI(env) once
 * in its module init (stackless/capi.h). */
#ifndef STACKLESS_API_H
#define STACKLESS_API_H

#include "Python.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STACKLESS_VERSION "3.7"

/* ---- 2. types, objects, macros ------------------------------------------------------------ */
typedef struct _tasklet PyTaskletObject;
typedef struct _channel PyChannelObject;
typedef struct _bomb PyBombObject;
typedef struct _cframe PyCFrameObject;
typedef struct _cstack PyCStackObject;
typedef struct _unwindobject PyUnwindObject;

PyAPI_DATA(PyTypeObject) PyTasklet_Type;
PyAPI_DATA(PyTypeObject) PyChannel_Type;
PyAPI_DATA(PyTypeObject) PyBomb_Type;
PyAPI_DATA(PyTypeObject) PyCFrame_Type;
PyAPI_DATA(PyTypeObject) PyCStack_Type;
PyAPI_DATA(PyTypeObject) PyStacklessFunctionDeclaration_Type;
PyAPI_DATA(PyUnwindObject *) Py_UnwindToken;

#define PyTasklet_Check(op) PyObject_TypeCheck(op, &PyTasklet_Type)
#define PyTasklet_CheckExact(op) Py_IS_TYPE(op, &PyTasklet_Type)
#define PyChannel_Check(op) PyObject_TypeCheck(op, &PyChannel_Type)
#define PyChannel_CheckExact(op) Py_IS_TYPE(op, &PyChannel_Type)
#define PyBomb_Check(op) Py_IS_TYPE(op, &PyBomb_Type)
#define PyCFrame_Check(op) Py_IS_TYPE(op, &PyCFrame_Type)
#define PyCStack_Check(op) Py_IS_TYPE(op, &PyCStack_Type)
#define PyStacklessFunctionDeclarationType_CheckExact(op) \
    Py_IS_TYPE(op, &PyStacklessFunctionDeclaration_Type)

#define STACKLESS_UNWINDING(obj) ((PyObject *)(obj) == (PyObject *)Py_UnwindToken)

typedef int (slp_schedule_hook_func)(PyTaskletObject *from, PyTaskletObject *to);

#define Py_WATCHDOG_THREADBLOCK 1
#define PY_WATCHDOG_SOFT 2
#define PY_WATCHDOG_IGNORE_NESTING 4
#define PY_WATCHDOG_TOTALTIMEOUT 8

/* ---- 3. tasklets --------------------------------------------------------------------------- */
PyAPI_FUNC(PyTaskletObject *) PyTasklet_New(PyTypeObject *type, PyObject *func);
PyAPI_FUNC(int) PyTasklet_Setup(PyTaskletObject *task, PyObject *args, PyObject *kwds);
PyAPI_FUNC(int) PyTasklet_BindEx(PyTaskletObject *task, PyObject *func, PyObject *args, PyObject *kwargs);
PyAPI_FUNC(int) PyTasklet_BindThread(PyTaskletObject *task, unsigned long thread_id);
PyAPI_FUNC(int) PyTasklet_Run(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Run_nr(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Switch(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Switch_nr(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Remove(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Insert(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_RaiseException(PyTaskletObject *self, PyObject *klass, PyObject *args);
PyAPI_FUNC(int) PyTasklet_Throw(PyTaskletObject *self, int pending, PyObject *exc, PyObject *val, PyObject *tb);
PyAPI_FUNC(int) PyTasklet_Kill(PyTaskletObject *self);
PyAPI_FUNC(int) PyTasklet_KillEx(PyTaskletObject *self, int pending);
PyAPI_FUNC(int) PyTasklet_GetAtomic(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_SetAtomic(PyTaskletObject *task, int flag);
PyAPI_FUNC(int) PyTasklet_GetIgnoreNesting(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_SetIgnoreNesting(PyTaskletObject *task, int flag);
PyAPI_FUNC(int) PyTasklet_GetBlockTrap(PyTaskletObject *task);
PyAPI_FUNC(void) PyTasklet_SetBlockTrap(PyTaskletObject *task, int value);
PyAPI_FUNC(PyObject *) PyTasklet_GetFrame(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_IsMain(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_IsCurrent(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_GetRecursionDepth(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_GetNestingLevel(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Alive(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Paused(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Scheduled(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Restorable(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_GetPendingIrq(PyTaskletObject *task);
/* exported by the reference without a declaration in its header (C-API.md section 3) */
PyAPI_FUNC(int) PyTasklet_GetBlocked(PyTaskletObject *task);
PyAPI_FUNC(PyTaskletObject *) PyTasklet_Bind(PyTaskletObject *task, PyObject *func);
PyAPI_FUNC(int) PyStackless_AdjustSwitchTrap(int change);

/* ---- 4. channels --------------------------------------------------------------------------- */
PyAPI_FUNC(PyChannelObject *) PyChannel_New(PyTypeObject *type);
PyAPI_FUNC(int) PyChannel_Send(PyChannelObject *self, PyObject *arg);
PyAPI_FUNC(int) PyChannel_Send_nr(PyChannelObject *self, PyObject *arg);
PyAPI_FUNC(PyObject *) PyChannel_Receive(PyChannelObject *self);
PyAPI_FUNC(PyObject *) PyChannel_Receive_nr(PyChannelObject *self);
PyAPI_FUNC(int) PyChannel_SendException(PyChannelObject *self, PyObject *klass, PyObject *value);
PyAPI_FUNC(int) PyChannel_SendThrow(PyChannelObject *self, PyObject *exc, PyObject *val, PyObject *tb);
PyAPI_FUNC(PyObject *) PyChannel_GetQueue(PyChannelObject *self);
PyAPI_FUNC(void) PyChannel_Close(PyChannelObject *self);
PyAPI_FUNC(void) PyChannel_Open(PyChannelObject *self);
PyAPI_FUNC(int) PyChannel_GetClosing(PyChannelObject *self);
PyAPI_FUNC(int) PyChannel_GetClosed(PyChannelObject *self);
PyAPI_FUNC(int) PyChannel_GetPreference(PyChannelObject *self);
PyAPI_FUNC(void) PyChannel_SetPreference(PyChannelObject *self, int val);
PyAPI_FUNC(int) PyChannel_GetScheduleAll(PyChannelObject *self);
PyAPI_FUNC(void) PyChannel_SetScheduleAll(PyChannelObject *self, int val);
PyAPI_FUNC(int) PyChannel_GetBalance(PyChannelObject *self);

/* ---- 5. scheduler -------------------------------------------------------------------------- */
PyAPI_FUNC(PyObject *) PyStackless_Schedule(PyObject *retval, int remove);
PyAPI_FUNC(PyObject *) PyStackless_Schedule_nr(PyObject *retval, int remove);
PyAPI_FUNC(int) PyStackless_GetRunCount(void);
PyAPI_FUNC(PyObject *) PyStackless_GetCurrent(void);
PyAPI_FUNC(unsigned long) PyStackless_GetCurrentId(void);
PyAPI_FUNC(PyObject *) PyStackless_RunWatchdog(long timeout);
PyAPI_FUNC(PyObject *) PyStackless_RunWatchdogEx(long timeout, int flags);

/* ---- 6. debugging and monitoring ----------------------------------------------------------- */
PyAPI_FUNC(int) PyStackless_SetChannelCallback(PyObject *callable);
PyAPI_FUNC(int) PyStackless_SetScheduleCallback(PyObject *callable);
PyAPI_FUNC(void) PyStackless_SetScheduleFastcallback(slp_schedule_hook_func func);

/* ---- 7. the stackless protocol: STACKLESS is not defined, so these are the plain forms ----- */
#define STACKLESS_GETARG() int stackless = 0
#define STACKLESS_PROMOTE_ALL() (stackless = 0)
#define STACKLESS_PROMOTE_FLAG(flag) (stackless = 0)
#define STACKLESS_PROMOTE_METHOD(obj, slot_name) (stackless = 0)
#define STACKLESS_PROMOTE(obj) (stackless = 0)
#define STACKLESS_ASSERT() (void)0
#define STACKLESS_RETRACT() (void)0
#define STACKLESS_VECTORCALL_GETARG(func) int stackless = 0
#define STACKLESS_VECTORCALL_BEFORE(func) (void)0
#define STACKLESS_VECTORCALL_AFTER(func) (void)0
#define STACKLESS_VECTORCALL(func, callable, args, nargsf, kwnames) \
    ((func)((callable), (args), (nargsf), (kwnames)))

/* ---- 8. soft-switchable extension functions (provisional) ---------------------------------- */
typedef PyObject *(slp_softswitchablefunc)(PyObject *retval, long *step, PyObject **ob1,
                                           PyObject **ob2, PyObject **ob3, long *n, void **any);
typedef struct {
    PyObject_HEAD
    slp_softswitchablefunc *sfunc;
    const char *name;
    const char *module_name;
} PyStacklessFunctionDeclarationObject;

PyAPI_FUNC(int) PyStackless_InitFunctionDeclaration(PyStacklessFunctionDeclarationObject *sfd,
                                                    PyObject *module, PyModuleDef *module_def);
PyAPI_FUNC(PyObject *) PyStackless_CallFunction(PyStacklessFunctionDeclarationObject *sfd,
                                                PyObject *arg, PyObject *ob1, PyObject *ob2,
                                                PyObject *ob3, long n, void *any);

/* ---- 9. "outside" / main-function interface ------------------------------------------------ */
PyAPI_FUNC(PyObject *) PyStackless_Call_Main(PyObject *func, PyObject *args, PyObject *kwds);
PyAPI_FUNC(PyObject *) PyStackless_CallMethod_Main(PyObject *o, const char *name, const char *format, ...);
PyAPI_FUNC(PyObject *) PyStackless_CallCMethod_Main(PyMethodDef *meth, PyObject *self, const char *format, ...);

/* ---- extensions of this project ------------------------------------------------------------ */
/* Stack size, in bytes, given to native tasklets created from now on in the calling thread
 * (rounded up to whole pages; at least PyStackless_NATIVE_STACK_MIN). Returns the previous size.
 * Passing 0 only queries. Default: 128 KiB, or the STACKLESS_STACK_SIZE environment variable
 * (bytes, with an optional K or M suffix). */
#define PyStackless_NATIVE_STACK_MIN (16 * 1024)
PyAPI_FUNC(size_t) PyStackless_SetNativeStackSize(size_t bytes);

/* ---- Node-specific extensions (only in the `stackless` Node addon; reached through the table
 * of stackless/capi.h; a plain C build has none) --------------------------------------------- */
/* the N-API handle types, declared exactly as node_api_types.h does (a repeated identical typedef
 * is allowed), so that this header needs no Node headers */
typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
/* A JS value as an object of the core (new reference): a stackless channel or tasklet object is
 * its core channel / tasklet (PyChannel_Check / PyTasklet_Check hold); undefined and null are
 * None, booleans True/False, numbers int (integral, |x| < 2**53) or float, strings str, arrays
 * tuples of converted items; anything else an opaque reference to the JS value. NULL with an
 * exception set on failure. Call it on the JS thread's stack (in a function JS called). */
PyAPI_FUNC(PyObject *) PyStackless_FromJS(napi_env env, napi_value value);
/* The reverse (the object is borrowed): a core channel or tasklet made by JS, or a native
 * tasklet, gives its JS object; None undefined; ints and floats numbers; str strings; tuples
 * arrays; an exception class its JS class, an exception instance the JS error it stands for
 * (napi_throw it to raise a pending error in JS: PyErr_GetRaisedException, then ToJS); an opaque
 * JS reference its value; anything else its str(). NULL with an exception set on failure. On
 * the JS thread's stack only. */
PyAPI_FUNC(napi_value) PyStackless_ToJS(napi_env env, PyObject *o);

#ifdef __cplusplus
}
#endif

/* the function table for other addons, and the import mode (STACKLESS_API_IMPORT) */
#include "stackless/capi.h"
#endif /* STACKLESS_API_H */
