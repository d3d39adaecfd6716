/* Windows only: the shim's N-API functions, found in the host process at
 * load time. An addon that imports them from node.exe by name loads in no
 * host with another name (electron.exe, or any renamed node.exe); Node's
 * own addons rely on a delay-load hook that mingw does not have. So the
 * Windows build compiles every shim file with `-include napi_win.h`: each
 * napi_* call below goes through a table that shim_resolve_napi
 * (napi_win.c) fills from the host's exports, and the addon imports
 * nothing from the host at all. A function added to the shim must be added
 * to GNR_NAPI_FUNCTIONS and to the #defines (the link fails otherwise, on
 * an import of the missing function). */
#ifndef GNR_NAPI_WIN_H
#define GNR_NAPI_WIN_H

#include <node_api.h>

#define GNR_NAPI_FUNCTIONS(X) \
  X(napi_add_env_cleanup_hook) \
  X(napi_call_function) \
  X(napi_call_threadsafe_function) \
  X(napi_close_handle_scope) \
  X(napi_create_buffer_copy) \
  X(napi_create_double) \
  X(napi_create_function) \
  X(napi_create_int32) \
  X(napi_create_int64) \
  X(napi_create_reference) \
  X(napi_create_string_latin1) \
  X(napi_create_string_utf8) \
  X(napi_create_threadsafe_function) \
  X(napi_define_properties) \
  X(napi_delete_reference) \
  X(napi_fatal_exception) \
  X(napi_get_and_clear_last_exception) \
  X(napi_get_buffer_info) \
  X(napi_get_cb_info) \
  X(napi_get_last_error_info) \
  X(napi_get_reference_value) \
  X(napi_get_undefined) \
  X(napi_get_value_bool) \
  X(napi_get_value_int64) \
  X(napi_get_value_string_utf8) \
  X(napi_is_buffer) \
  X(napi_is_exception_pending) \
  X(napi_open_handle_scope) \
  X(napi_ref_threadsafe_function) \
  X(napi_release_threadsafe_function) \
  X(napi_remove_env_cleanup_hook) \
  X(napi_set_named_property) \
  X(napi_throw_error) \
  X(napi_throw_type_error) \
  X(napi_typeof) \
  X(napi_unref_threadsafe_function)

#define GNR_NAPI_POINTER(name) __typeof__(name) *p_##name;
struct gnr_napi_table {
  GNR_NAPI_FUNCTIONS(GNR_NAPI_POINTER)
};
#undef GNR_NAPI_POINTER
extern struct gnr_napi_table gnr_napi;

#define napi_add_env_cleanup_hook (*gnr_napi.p_napi_add_env_cleanup_hook)
#define napi_call_function (*gnr_napi.p_napi_call_function)
#define napi_call_threadsafe_function (*gnr_napi.p_napi_call_threadsafe_function)
#define napi_close_handle_scope (*gnr_napi.p_napi_close_handle_scope)
#define napi_create_buffer_copy (*gnr_napi.p_napi_create_buffer_copy)
#define napi_create_double (*gnr_napi.p_napi_create_double)
#define napi_create_function (*gnr_napi.p_napi_create_function)
#define napi_create_int32 (*gnr_napi.p_napi_create_int32)
#define napi_create_int64 (*gnr_napi.p_napi_create_int64)
#define napi_create_reference (*gnr_napi.p_napi_create_reference)
#define napi_create_string_latin1 (*gnr_napi.p_napi_create_string_latin1)
#define napi_create_string_utf8 (*gnr_napi.p_napi_create_string_utf8)
#define napi_create_threadsafe_function (*gnr_napi.p_napi_create_threadsafe_function)
#define napi_define_properties (*gnr_napi.p_napi_define_properties)
#define napi_delete_reference (*gnr_napi.p_napi_delete_reference)
#define napi_fatal_exception (*gnr_napi.p_napi_fatal_exception)
#define napi_get_and_clear_last_exception (*gnr_napi.p_napi_get_and_clear_last_exception)
#define napi_get_buffer_info (*gnr_napi.p_napi_get_buffer_info)
#define napi_get_cb_info (*gnr_napi.p_napi_get_cb_info)
#define napi_get_last_error_info (*gnr_napi.p_napi_get_last_error_info)
#define napi_get_reference_value (*gnr_napi.p_napi_get_reference_value)
#define napi_get_undefined (*gnr_napi.p_napi_get_undefined)
#define napi_get_value_bool (*gnr_napi.p_napi_get_value_bool)
#define napi_get_value_int64 (*gnr_napi.p_napi_get_value_int64)
#define napi_get_value_string_utf8 (*gnr_napi.p_napi_get_value_string_utf8)
#define napi_is_buffer (*gnr_napi.p_napi_is_buffer)
#define napi_is_exception_pending (*gnr_napi.p_napi_is_exception_pending)
#define napi_open_handle_scope (*gnr_napi.p_napi_open_handle_scope)
#define napi_ref_threadsafe_function (*gnr_napi.p_napi_ref_threadsafe_function)
#define napi_release_threadsafe_function (*gnr_napi.p_napi_release_threadsafe_function)
#define napi_remove_env_cleanup_hook (*gnr_napi.p_napi_remove_env_cleanup_hook)
#define napi_set_named_property (*gnr_napi.p_napi_set_named_property)
#define napi_throw_error (*gnr_napi.p_napi_throw_error)
#define napi_throw_type_error (*gnr_napi.p_napi_throw_type_error)
#define napi_typeof (*gnr_napi.p_napi_typeof)
#define napi_unref_threadsafe_function (*gnr_napi.p_napi_unref_threadsafe_function)

#endif
