{
  # The hard-tasklet module: V8 C++ API (Locker, Unlocker, SetStackLimit, RequestInterrupt),
  # so it is built once per Node ABI (scripts/build-hard.sh puts each build in
  # build-hard/abi<NODE_MODULE_VERSION>/). It talks to the core only through
  # native/binding/hard_iface.h, so it compiles none of the core's sources.
  "targets": [
    {
      "target_name": "stackless_hard",
      # (C++20: Node 24's V8 headers require it; Node 20 and 22 accept it)
      "sources": ["hard.cc"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      # node.h's NODE_MODULE_INIT casts the init function to a wider type (Node's own macro)
      "cflags_cc": ["-std=gnu++20", "-Wno-cast-function-type"],
      "libraries": ["-lpthread"],
      # Never unmapped by dlclose (Node closes an addon when the worker thread that loaded it
      # ends): per-thread destructors and parked threads still point into this library.
      "ldflags": ["-Wl,-z,nodelete"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=gnu++20"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}
