{
  # A Node addon with a C tasklet that runs on the core of the loaded `stackless` module (the
  # function-table import, README "Native tasklets from another addon"). In a project of your
  # own, point include_dirs at node_modules/stackless/include.
  "targets": [
    {
      "target_name": "squares",
      "sources": ["squares.c"],
      "include_dirs": ["../../include"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_c": ["-std=c11"],
      "xcode_settings": { "OTHER_CFLAGS": ["-std=c11"] }
    }
  ]
}
