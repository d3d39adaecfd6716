{
  # `node-gyp rebuild` builds everything: the Go library (target
  # go_library, an action running `go build`) and then the addon linked
  # against it. The npm install script (scripts/build.js) only runs this when
  # no prebuild fits; cross targets are built by scripts/prebuild.js.
  "variables": {
    "conditions": [
      # Windows has no build from source (scripts/build.js says why, and how
      # to get the prebuild): fail here with that message, not in MSVC.
      [ "OS=='win'", {
        "windows_has_no_source_build%": "<!(node scripts/build.js --windows-has-no-source-build)"
      } ],
      # macOS: ld64's -l finds no .so, and the addon finds the library
      # through its @loader_path rpath only with an @rpath install name.
      [ "OS=='mac'", {
        "go_library%": "libgonetrequest.dylib",
        "go_ldflags%": "-ldflags=-extldflags=-Wl,-install_name,@rpath/libgonetrequest.dylib"
      }, {
        "go_library%": "libgonetrequest.so",
        "go_ldflags%": "-ldflags="
      } ]
    ]
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
            "go", "-C", "<(module_root_dir)", "build", "-trimpath", "-buildmode=c-shared", "<(go_ldflags)",
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
      "conditions": [
        [ "OS=='mac'", {
          # make-mac ignores cflags; dyld knows @loader_path, not $ORIGIN.
          "xcode_settings": {
            "OTHER_CFLAGS": [ "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter" ],
            "MACOSX_DEPLOYMENT_TARGET": "12.0"
          },
          "libraries": [
            "-L<(module_root_dir)/gobuild",
            "-lgonetrequest",
            "-Wl,-rpath,@loader_path"
          ]
        }, {
          "libraries": [
            "-L<(module_root_dir)/gobuild",
            "-lgonetrequest",
            "-ldl",
            "-Wl,-rpath,'$$ORIGIN'"
          ]
        } ]
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
