{
  "targets": [
    {
      "target_name": "go_net_request",
      "sources": [
        "bridge/shim/addon.c",
        "bridge/shim/commands.c",
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
          "xcode_settings": {
            "OTHER_CFLAGS": [ "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter" ],
            "MACOSX_DEPLOYMENT_TARGET": "12.0"
          },
          "libraries": [
            "-L<(module_root_dir)/gobuild",
            "-lgonetrequest",
            "-Wl,-rpath,@loader_path"
          ],
          "copies": [
            {
              "destination": "<(PRODUCT_DIR)",
              "files": [ "<(module_root_dir)/gobuild/libgonetrequest.dylib" ]
            }
          ]
        }, {
          "libraries": [
            "-L<(module_root_dir)/gobuild",
            "-lgonetrequest",
            "-ldl",
            "-Wl,-rpath,'$$ORIGIN'"
          ],
          "copies": [
            {
              "destination": "<(PRODUCT_DIR)",
              "files": [ "<(module_root_dir)/gobuild/libgonetrequest.so" ]
            }
          ]
        } ]
      ]
    }
  ]
}
