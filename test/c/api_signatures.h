/* api_signatures.h - every function of C-API.md sections 3-6, 8 and 9, assigned to a pointer
 * of exactly the documented type, and every macro and constant of section 2 used once. A
 * signature that drifts from the spec stops this from compiling. Included by a C11 test
 * (test_api_signatures.c) and a C++17 one (test_api_cxx.cc). */
#ifndef SLP_API_SIGNATURES_H
#define SLP_API_SIGNATURES_H
#include "Python.h"
#include "stackless_api.h"

#ifdef STACKLESS
#error "stackless_api.h must never define STACKLESS (NODE.md 5)"
#endif

#define SIG(ret, name, params) { ret (*name##_p) params = name; (void)name##_p; n++; }

static inline int slp_api_signature_count(void)
{
    int n = 0;
    /* section 3: tasklets */
    SIG(PyTaskletObject *, PyTasklet_New, (PyTypeObject *, PyObject *));
    SIG(int, PyTasklet_Setup, (PyTaskletObject *, PyObject *, PyObject *));
    SIG(int, PyTasklet_BindEx, (PyTaskletObject *, PyObject *, PyObject *, PyObject *));
    SIG(int, PyTasklet_BindThread, (PyTaskletObject *, unsigned long));
    SIG(int, PyTasklet_Run, (PyTaskletObject *));
    SIG(int, PyTasklet_Run_nr, (PyTaskletObject *));
    SIG(int, PyTasklet_Switch, (PyTaskletObject *));
    SIG(int, PyTasklet_Switch_nr, (PyTaskletObject *));
    SIG(int, PyTasklet_Remove, (PyTaskletObject *));
    SIG(int, PyTasklet_Insert, (PyTaskletObject *));
    SIG(int, PyTasklet_RaiseException, (PyTaskletObject *, PyObject *, PyObject *));
    SIG(int, PyTasklet_Throw, (PyTaskletObject *, int, PyObject *, PyObject *, PyObject *));
    SIG(int, PyTasklet_Kill, (PyTaskletObject *));
    SIG(int, PyTasklet_KillEx, (PyTaskletObject *, int));
    SIG(int, PyTasklet_GetAtomic, (PyTaskletObject *));
    SIG(int, PyTasklet_SetAtomic, (PyTaskletObject *, int));
    SIG(int, PyTasklet_GetIgnoreNesting, (PyTaskletObject *));
    SIG(int, PyTasklet_SetIgnoreNesting, (PyTaskletObject *, int));
    SIG(int, PyTasklet_GetBlockTrap, (PyTaskletObject *));
    SIG(void, PyTasklet_SetBlockTrap, (PyTaskletObject *, int));
    SIG(PyObject *, PyTasklet_GetFrame, (PyTaskletObject *));
    SIG(int, PyTasklet_IsMain, (PyTaskletObject *));
    SIG(int, PyTasklet_IsCurrent, (PyTaskletObject *));
    SIG(int, PyTasklet_GetRecursionDepth, (PyTaskletObject *));
    SIG(int, PyTasklet_GetNestingLevel, (PyTaskletObject *));
    SIG(int, PyTasklet_Alive, (PyTaskletObject *));
    SIG(int, PyTasklet_Paused, (PyTaskletObject *));
    SIG(int, PyTasklet_Scheduled, (PyTaskletObject *));
    SIG(int, PyTasklet_Restorable, (PyTaskletObject *));
    SIG(int, PyTasklet_GetPendingIrq, (PyTaskletObject *));
    SIG(int, PyTasklet_GetBlocked, (PyTaskletObject *));
    SIG(PyTaskletObject *, PyTasklet_Bind, (PyTaskletObject *, PyObject *));
    SIG(int, PyStackless_AdjustSwitchTrap, (int));
    /* section 4: channels */
    SIG(PyChannelObject *, PyChannel_New, (PyTypeObject *));
    SIG(int, PyChannel_Send, (PyChannelObject *, PyObject *));
    SIG(int, PyChannel_Send_nr, (PyChannelObject *, PyObject *));
    SIG(PyObject *, PyChannel_Receive, (PyChannelObject *));
    SIG(PyObject *, PyChannel_Receive_nr, (PyChannelObject *));
    SIG(int, PyChannel_SendException, (PyChannelObject *, PyObject *, PyObject *));
    SIG(int, PyChannel_SendThrow, (PyChannelObject *, PyObject *, PyObject *, PyObject *));
    SIG(PyObject *, PyChannel_GetQueue, (PyChannelObject *));
    SIG(void, PyChannel_Close, (PyChannelObject *));
    SIG(void, PyChannel_Open, (PyChannelObject *));
    SIG(int, PyChannel_GetClosing, (PyChannelObject *));
    SIG(int, PyChannel_GetClosed, (PyChannelObject *));
    SIG(int, PyChannel_GetPreference, (PyChannelObject *));
    SIG(void, PyChannel_SetPreference, (PyChannelObject *, int));
    SIG(int, PyChannel_GetScheduleAll, (PyChannelObject *));
    SIG(void, PyChannel_SetScheduleAll, (PyChannelObject *, int));
    SIG(int, PyChannel_GetBalance, (PyChannelObject *));
    /* section 5: scheduler */
    SIG(PyObject *, PyStackless_Schedule, (PyObject *, int));
    SIG(PyObject *, PyStackless_Schedule_nr, (PyObject *, int));
    SIG(int, PyStackless_GetRunCount, (void));
    SIG(PyObject *, PyStackless_GetCurrent, (void));
    SIG(unsigned long, PyStackless_GetCurrentId, (void));
    SIG(PyObject *, PyStackless_RunWatchdog, (long));
    SIG(PyObject *, PyStackless_RunWatchdogEx, (long, int));
    /* section 6: monitoring */
    SIG(int, PyStackless_SetChannelCallback, (PyObject *));
    SIG(int, PyStackless_SetScheduleCallback, (PyObject *));
    SIG(void, PyStackless_SetScheduleFastcallback, (slp_schedule_hook_func));
    /* section 8: soft-switchable functions */
    SIG(int, PyStackless_InitFunctionDeclaration, (PyStacklessFunctionDeclarationObject *, PyObject *, PyModuleDef *));
    SIG(PyObject *, PyStackless_CallFunction, (PyStacklessFunctionDeclarationObject *, PyObject *,
                                                PyObject *, PyObject *, PyObject *, long, void *));
    /* section 9: outside (const char * is the source-compatible form C-API.md 11 allows) */
    SIG(PyObject *, PyStackless_Call_Main, (PyObject *, PyObject *, PyObject *));
    SIG(PyObject *, PyStackless_CallMethod_Main, (PyObject *, const char *, const char *, ...));
    SIG(PyObject *, PyStackless_CallCMethod_Main, (PyMethodDef *, PyObject *, const char *, ...));

    /* section 2: types, data, macros and constants */
    {
        PyTypeObject *types[] = {&PyTasklet_Type, &PyChannel_Type, &PyBomb_Type, &PyCFrame_Type,
                                 &PyCStack_Type, &PyStacklessFunctionDeclaration_Type};
        PyObject *o = (PyObject *)Py_UnwindToken;
        slp_softswitchablefunc *sf = 0;
        int flags = Py_WATCHDOG_THREADBLOCK | PY_WATCHDOG_SOFT | PY_WATCHDOG_IGNORE_NESTING |
                    PY_WATCHDOG_TOTALTIMEOUT;
        (void)types; (void)sf;
        n += flags == 15;
        n += STACKLESS_UNWINDING(o) == 1;
        n += !PyTasklet_Check(o) && !PyTasklet_CheckExact(o) && !PyChannel_Check(o) &&
             !PyChannel_CheckExact(o) && !PyBomb_Check(o) && !PyCFrame_Check(o) && !PyCStack_Check(o) &&
             !PyStacklessFunctionDeclarationType_CheckExact(o);
        n += PyExc_TaskletExit != 0;
        n += METH_STACKLESS == 0 && Py_TPFLAGS_HAVE_STACKLESS_CALL == 0;
        n += sizeof(STACKLESS_VERSION) == 4;
    }
    {   /* the protocol macros in their "STACKLESS not defined" form */
        STACKLESS_GETARG();
        STACKLESS_PROMOTE_ALL();
        (void)STACKLESS_PROMOTE_FLAG(1);
        STACKLESS_ASSERT();
        STACKLESS_RETRACT();
        n += stackless == 0;
    }
    return n;
}
#endif
