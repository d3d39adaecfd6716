{
  # `node-gyp rebuild` builds everything: the Go library (target
  # go_library, an action running `go build`) and then the addon linked
  # against it. The npm install script (scripts/build.js) only runs this when
  # no prebuild fits; cross targets are built by scripts/prebuild.js.
  "variables": {
    "go_library%": "libgonetrequest.so"
  },
  "targets": [
    {
      "target_name": "go_library",
      "type": "none",
      "actions": [
        {
          "action_name": "go_build",
          "inputs": [ "<!@(node scripts/go-sources.js)" ],
          "outputs": [
            "<(module_root_dir)/gobuild/<(go_library)",
            "<(module_root_dir)/gobuild/libgonetrequest.h"
          ],
          "action": [
            "go", "-C", "<(module_root_dir)", "build", "-trimpath", "-buildmode=c-shared",
            "-o", "<(module_root_dir)/gobuild/<(go_library)", "./bridge"
          ],
          "message": "Building the Go library (go build -buildmode=c-shared)"
        }
      ]
    },
    {
      "target_name": "go_net_request",
      "dependencies": [ "go_library" ],
      "sources": [
        "bridge/shim/addon.c",
        "bridge/shim/commands.c",
        "bridge/shim/platform_posix.c",
        "bridge/shim/request.c"
      ],
      "include_dirs": [
        "bridge",
        "gobuild"
      ],
      "cflags": [ "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter" ],
      "defines": [ "NAPI_VERSION=8" ],
      "libraries": [
        "-L<(module_root_dir)/gobuild",
        "-lgonetrequest",
        "-ldl",
        "-Wl,-rpath,'$$ORIGIN'"
      ],
      "copies": [
        {
          "destination": "<(PRODUCT_DIR)",
          "files": [ "<(module_root_dir)/gobuild/<(go_library)" ]
        }
      ]
    }
  ]
}
