{
  # One N-API addon, "stackless": the native core (the single list in native/core/sources.txt,
  # shared with CMakeLists.txt) plus the binding in native/binding. N-API only: no V8 headers.
  "targets": [
    {
      "target_name": "stackless",
      "sources": [
        "<!@(node -p \"require('fs').readFileSync('native/core/sources.txt','utf8').split(/\\n/).map(l=>l.trim()).filter(l=>l&&!l.startsWith('#')).join(' ')\")",
        "<!@(node -p \"require('fs').readdirSync('native/binding').filter(f=>f.endsWith('.cc')).map(f=>'native/binding/'+f).join(' ')\")"
      ],
      "include_dirs": ["include", "native/core", "native/core/stack"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-O3", "-fvisibility=hidden", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "cflags_c": ["-std=c11"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions"],
      "cflags!": ["-O2", "-O0"],
      "libraries": ["-lpthread"],
      # Never unmapped by dlclose (Node closes an addon when the worker thread that loaded it
      # ends): per-thread destructors and parked threads still point into this library.
      "ldflags": ["-Wl,-z,nodelete"],
      "xcode_settings": {
        "GCC_OPTIMIZATION_LEVEL": "3",
        "OTHER_CFLAGS": ["-std=c11"],
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}
