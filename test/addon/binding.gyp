{
  # The test addon of test/js/mixed.test.mjs: C tasklets compiled against the public headers in
  # import mode (STACKLESS_API_IMPORT), reaching the core of the loaded stackless addon through
  # its function table. N-API only. Built by `npm run build:test-addon`.
  "targets": [
    {
      "target_name": "mixed_addon",
      "sources": ["mixed_addon.c"],
      "include_dirs": ["../../include"],
      "defines": ["NAPI_VERSION=8", "STACKLESS_API_IMPORT"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "cflags_c": ["-std=c11"],
      "xcode_settings": { "OTHER_CFLAGS": ["-std=c11"], "MACOSX_DEPLOYMENT_TARGET": "11.0" }
    }
  ]
}
